/**
 * `wes-node diag health` and `--wait`, in-process against the diagnostics app over a stub node:
 * exit 0 only for ok, and a wait that ends as soon as the node is ok, or with the last reasons.
 */
import { createServer } from 'node:http'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from '@jest/globals'
import { DEFAULT_HEALTH_THRESHOLDS, createDiagnosticsApp } from '@wes/diagnostics'
import type { DiagnosticsSnapshot } from '@wes/diagnostics'
import { DEFAULT_P2P_OPTIONS } from '@wes/p2p-core'
import { Registry } from 'prom-client'
import { resolveDiagOptions } from '../../src/cmds/diag/options.js'
import { runCliCaptured } from '../fixtures/cli.js'

/** A node with `peers` peers and nothing else wrong (mDNS off, minPeers 1). */
function snapshot(peers: number): DiagnosticsSnapshot {
  return {
    hostId: '12D3KooWHost',
    peerIds: Array.from({ length: peers }, (_, i) => `12D3KooWPeer${i}`),
    connections: peers,
    listenAddrs: ['/ip4/127.0.0.1/tcp/28680/p2p/12D3KooWHost'],
    bandwidth: {
      inTotalBytes: 0,
      outTotalBytes: 0,
      inRateBytesPerSecond: 0,
      outRateBytesPerSecond: 0,
    },
    health: {
      reachability: 'unknown',
      autoNATStatus: 'unknown',
      relay: { enabled: true, server: false, reservations: 0 },
      mdns: { enabled: false, available: false },
    },
    routing: { routingTableSize: peers, mode: 'server', currentMode: 'server', bootstrapPeers: 0 },
    facts: {
      startedAt: Date.now(),
      thresholds: { ...DEFAULT_HEALTH_THRESHOLDS, minPeers: 1 },
      bootstrap: [],
      mdns: { state: 'off', failure: null, responses: 0, lastResponseAt: null },
      addresses: [],
    },
  }
}

const servers: Server[] = []
afterEach(async () => {
  await Promise.all(
    servers.splice(0).map(
      (server) =>
        new Promise<void>((resolve) => {
          server.close(() => resolve())
          server.closeAllConnections()
        }),
    ),
  )
})

/** The diagnostics of a node whose snapshot `current()` returns; resolves with its address. */
async function serve(current: () => DiagnosticsSnapshot | undefined): Promise<string> {
  const app = createDiagnosticsApp({ source: { snapshot: current }, registry: new Registry() })
  const server = createServer(app.callback())
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return `127.0.0.1:${(server.address() as AddressInfo).port}`
}

async function run(argv: string[], signal = new AbortController().signal) {
  const started = Date.now()
  const run = await runCliCaptured(argv, {}, signal)
  return { ...run, tookMs: Date.now() - started }
}

/** `diag health --wait <seconds> --addr <addr>` and more flags. */
function waitHealth(addr: string, seconds: number, ...flags: string[]): string[] {
  return ['diag', 'health', '--wait', String(seconds), '--addr', addr, ...flags]
}

describe('wes-node diag health', () => {
  it('exits 0 for ok and prints the status first', async () => {
    const addr = await serve(() => snapshot(1))
    const { code, stdout, stderr } = await run(['diag', 'health', '--addr', addr])
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' })
    expect(stdout).toMatch(/^status +ok\nreasons\n {2}\(none\)\n/)
  })

  it('exits 1 for down, with each reason and its hint', async () => {
    const addr = await serve(() => snapshot(0))
    const { code, stdout, stderr } = await run(['diag', 'health', '--addr', addr])
    expect(code).toBe(1)
    expect(stdout).toMatch(
      /^status +down\nreasons\n {2}no_peers \(down\): no connected peers\n {4}hint: /,
    )
    expect(stderr).toBe(`wes-node: node at ${addr} is unhealthy: no connected peers\n`)
  })

  it('--wait returns 0 as soon as the node is ok', async () => {
    const okAt = Date.now() + 1_500
    const addr = await serve(() => snapshot(Date.now() >= okAt ? 1 : 0))
    const { code, stdout, tookMs } = await run([
      'diag',
      'health',
      '--wait',
      '20',
      '--json',
      '--addr',
      addr,
    ])
    expect(code).toBe(0)
    expect(JSON.parse(stdout)).toMatchObject({ status: 'ok', reasons: [] })
    expect(tookMs).toBeGreaterThanOrEqual(1_400)
    expect(tookMs).toBeLessThan(5_000)
  })

  it('--wait returns 1 when the time runs out, with the last reasons printed', async () => {
    const addr = await serve(() => snapshot(0))
    const { code, stdout, stderr, tookMs } = await run(waitHealth(addr, 2))
    expect(code).toBe(1)
    expect(stdout.match(/^status /gm)).toHaveLength(1)
    expect(stdout).toContain('no_peers (down): no connected peers')
    expect(stderr).toBe(`wes-node: node at ${addr} is unhealthy after 2 s: no connected peers\n`)
    expect(tookMs).toBeGreaterThanOrEqual(1_900)
    expect(tookMs).toBeLessThan(4_000)
  })

  it('--wait asks again while the node is not ready (503), then reads it', async () => {
    const readyAt = Date.now() + 1_200
    const addr = await serve(() => (Date.now() >= readyAt ? snapshot(2) : undefined))
    const { code, stdout } = await run(waitHealth(addr, 10, '--json'))
    expect(code).toBe(0)
    expect(JSON.parse(stdout)).toMatchObject({ status: 'ok', num_peers: 2 })
  })

  it('--wait on a node that never answers: exit 1 with why, after the wait', async () => {
    const addr = await serve(() => snapshot(1))
    await new Promise<void>((resolve) => {
      const server = servers.pop() as Server
      server.close(() => resolve())
    })
    const { code, stdout, stderr, tookMs } = await run(waitHealth(addr, 2))
    expect(code).toBe(1)
    expect(stdout).toBe('')
    expect(stderr).toBe(
      `wes-node: cannot reach wes-node diagnostics at ${addr}: connection refused (is the node running, with diagnostics enabled?) (asked for 2 s)\n`,
    )
    expect(tookMs).toBeGreaterThanOrEqual(1_900)
  })

  it('--wait stops at SIGINT and reports what it has', async () => {
    const addr = await serve(() => snapshot(0))
    const controller = new AbortController()
    setTimeout(() => controller.abort(), 500).unref()
    const { code, tookMs } = await run(
      ['diag', 'health', '--wait', '60', '--addr', addr],
      controller.signal,
    )
    expect(code).toBe(1)
    expect(tookMs).toBeLessThan(3_000)
  })

  it('--wait is for health only, in whole seconds from 1', async () => {
    expect(resolveDiagOptions('health', { wait: 20 }, {}).waitMs).toBe(20_000)
    expect(resolveDiagOptions('health', {}, {}).waitMs).toBeUndefined()
    expect(() => resolveDiagOptions('peers', { wait: 5 }, {})).toThrow(
      expect.objectContaining({
        exitCode: 2,
        message: '--wait applies to diag health only, not to diag peers',
      }),
    )
    for (const argv of [
      ['diag', 'health', '--wait', '0'],
      ['diag', 'health', '--wait', '1.5'],
      ['diag', 'health', '--wait', 'soon'],
      ['diag', 'stats', '--wait', '5'],
    ]) {
      const { code, stderr } = await run(argv)
      expect({ argv, code }).toEqual({ argv, code: 2 })
      expect(stderr.trim().split('\n')).toHaveLength(1)
    }
  })
})

describe('the thresholds of a source without facts', () => {
  it("are @wes/p2p-core's defaults", () => {
    expect(DEFAULT_HEALTH_THRESHOLDS).toEqual({
      minPeers: DEFAULT_P2P_OPTIONS.discovery.minPeers,
      ...DEFAULT_P2P_OPTIONS.health,
    })
  })
})
