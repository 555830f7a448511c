import type { DiagnosticsSnapshot, DiagnosticsSource } from '../../src/index.js'

/** A typed, mutable stand-in for a node: set `snapshot` to `undefined` for "not running". */
export interface StubSource extends DiagnosticsSource {
  current: DiagnosticsSnapshot | undefined
  /** How many times `snapshot()` was called. */
  reads: number
}

export function sampleSnapshot(overrides: Partial<DiagnosticsSnapshot> = {}): DiagnosticsSnapshot {
  return {
    hostId: '12D3KooWHostHostHostHostHostHostHostHostHostHostHost',
    peerIds: ['12D3KooWPeerA', '12D3KooWPeerB', '12D3KooWPeerC'],
    connections: 5,
    listenAddrs: ['/ip4/127.0.0.1/tcp/28680'],
    bandwidth: {
      inTotalBytes: 2_099_386,
      outTotalBytes: 1_048_576,
      inRateBytesPerSecond: 1234.5,
      outRateBytesPerSecond: 678,
    },
    health: {
      reachability: 'private',
      autoNATStatus: 'unknown',
      relay: { enabled: true, server: false, reservations: 1 },
      mdns: { enabled: true, available: false },
    },
    routing: { routingTableSize: 7, mode: 'auto', currentMode: 'client', bootstrapPeers: 2 },
    ...overrides,
  }
}

/** A running node by default; `createStubSource(undefined)` is a node that is not running. */
export function createStubSource(...initial: [DiagnosticsSnapshot | undefined] | []): StubSource {
  const stub: StubSource = {
    current: initial.length === 0 ? sampleSnapshot() : initial[0],
    reads: 0,
    snapshot() {
      stub.reads++
      return stub.current
    },
  }
  return stub
}

/** A source whose read fails, as a buggy adapter would. */
export function createThrowingSource(): DiagnosticsSource {
  return {
    snapshot() {
      throw new Error('secret internal detail at /home/user/node.ts:42')
    },
  }
}
