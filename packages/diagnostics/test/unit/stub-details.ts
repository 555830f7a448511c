import type {
  BucketDetails,
  ConnectionDetails,
  DetailsPage,
  DetailsQuery,
  DetailsSource,
  PeerDetails,
} from '../../src/index.js'
import { createStubSource } from './stub-source.js'
import type { StubSource } from './stub-source.js'

/** 2024-01-01T00:00:00.000Z, the clock of the sample detail. */
export const T0 = Date.UTC(2024, 0, 1)

export function samplePeer(n: number, overrides: Partial<PeerDetails> = {}): PeerDetails {
  return {
    peerId: `12D3KooWPeer${n}`,
    addresses: [`/ip4/10.0.0.${n}/tcp/28680`],
    direction: n % 2 === 0 ? 'outbound' : 'inbound',
    agent: 'wes-node/0.1.0 js-libp2p/3.3.11',
    protocols: ['/ipfs/id/1.0.0', '/ipfs/ping/1.0.0'],
    latencyMs: 1.5 * n,
    connectedSince: T0 + n * 1_000,
    inBytes: 1_000 * n,
    outBytes: 2_048 * n,
    relayed: false,
    connections: 1,
    ...overrides,
  }
}

export function sampleConnection(
  n: number,
  overrides: Partial<ConnectionDetails> = {},
): ConnectionDetails {
  return {
    id: `conn${n}`,
    peerId: `12D3KooWPeer${n}`,
    remoteAddr: `/ip4/10.0.0.${n}/tcp/28680`,
    direction: n % 2 === 0 ? 'outbound' : 'inbound',
    transport: 'tcp',
    encryption: '/noise',
    muxer: '/yamux/1.0.0',
    relayed: false,
    limited: false,
    openedAt: T0 + n * 1_000,
    rttMs: null,
    inBytes: 10 * n,
    outBytes: 20 * n,
    streams: { '/ipfs/ping/1.0.0': 1 },
    ...overrides,
  }
}

export function sampleBucket(
  prefix: string,
  overrides: Partial<BucketDetails> = {},
): BucketDetails {
  return {
    prefix,
    depth: prefix.length,
    commonPrefixLength: 0,
    containsSelf: false,
    peers: 3,
    capacity: 20,
    lastPingAt: T0,
    lastRefreshAt: null,
    ...overrides,
  }
}

function page<Item>(all: readonly Item[], query: DetailsQuery): DetailsPage<Item> {
  return { ...query, total: all.length, items: all.slice(query.offset, query.offset + query.limit) }
}

/** A running stub node with detail: 3 peers, 3 connections, 2 buckets; `queries` records each ask. */
export interface StubDetailsSource extends StubSource, Required<DetailsSource> {
  queries: Array<[string, DetailsQuery]>
  /** While true, the detail methods answer `undefined` (the node stopped meanwhile). */
  stopped: boolean
}

export function createStubDetailsSource(): StubDetailsSource {
  const peers = [1, 2, 3].map((n) => samplePeer(n))
  const connections = [1, 2, 3].map((n) => sampleConnection(n))
  const buckets = [
    sampleBucket('0', { containsSelf: true, commonPrefixLength: 1 }),
    sampleBucket('1'),
  ]
  const stub: StubDetailsSource = Object.assign(createStubSource(), {
    queries: [] as Array<[string, DetailsQuery]>,
    stopped: false,
    async peerDetails(query: DetailsQuery) {
      stub.queries.push(['peers', query])
      return stub.stopped ? undefined : page(peers, query)
    },
    async connectionDetails(query: DetailsQuery) {
      stub.queries.push(['connections', query])
      return stub.stopped ? undefined : page(connections, query)
    },
    async routingDetails(query: DetailsQuery) {
      stub.queries.push(['routing', query])
      return stub.stopped ? undefined : page(buckets, query)
    },
  })
  return stub
}
