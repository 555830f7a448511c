/**
 * `diag watch` reading a real diagnostics server (the app over a stub node) in-process: a sample of
 * every view it shows, a refused token and a node that is not there in an operator's words, and
 * the line mode's `--count` lines and exit codes.
 */
import { createServer } from 'node:http'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from '@jest/globals'
import {
  DEFAULT_HEALTH_THRESHOLDS,
  createDiagnosticsApp,
  createDiscoveryTotals,
  createP2PMetrics,
  withDiscoveryCounts,
} from '@wes/diagnostics'
import type { DiagnosticsSnapshot } from '@wes/diagnostics'
import { createDiagnosticsClient } from '@wes/diagnostics/client'
import { Registry } from 'prom-client'
import { readSample } from '../../src/cmds/diag/watch/read-sample.js'
import { freePort } from '../fixtures/cli.js'
import { runCliCaptured } from '../fixtures/cli.js'
import type { CliRun } from '../fixtures/cli.js'

const TOKEN = 'watch-test-token-0123456789abcdef'

function snapshot(): DiagnosticsSnapshot {
  return {
    hostId: '12D3KooWHost',
    peerIds: ['12D3KooWPeer'],
    connections: 1,
    listenAddrs: ['/ip4/127.0.0.1/tcp/28680/p2p/12D3KooWHost'],
    bandwidth: {
      inTotalBytes: 4096,
      outTotalBytes: 2048,
      inRateBytesPerSecond: 100,
      outRateBytesPerSecond: 50,
    },
    health: {
      reachability: 'unknown',
      autoNATStatus: 'unknown',
      relay: { enabled: true, server: false, reservations: 0 },
      mdns: { enabled: false, available: false },
    },
    routing: { routingTableSize: 1, mode: 'server', currentMode: 'server', bootstrapPeers: 0 },
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

/** The paths the served nodes were asked for, in order. */
const asked: string[] = []

/**
 * A node's diagnostics with the spec's metrics (discovery counts at 3 bootstrap dials); an
 * `older` node has no discovery counts in its stats view.
 */
async function serve(token?: string, older = false): Promise<string> {
  const registry = new Registry()
  const discovery = createDiscoveryTotals()
  const source = older ? { snapshot } : withDiscoveryCounts({ snapshot }, discovery)
  createP2PMetrics(registry, { source, discovery })
  for (const peer of ['a', 'b', 'c']) discovery.callbacks.onBootstrapAttempt(peer)
  const app = createDiagnosticsApp({ source, registry, ...(token !== undefined ? { token } : {}) })
  const handle = app.callback()
  const server = createServer((req, res) => {
    asked.push(req.url ?? '')
    void handle(req, res)
  })
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return `127.0.0.1:${(server.address() as AddressInfo).port}`
}

function run(argv: string[], env: Record<string, string> = {}): Promise<CliRun> {
  return runCliCaptured(argv, env)
}

describe('diag watch reads a node', () => {
  it('one sample holds health, stats, routing and the discovery counts of the stats', async () => {
    const addr = await serve()
    asked.length = 0
    const reading = await readSample(createDiagnosticsClient({ addr }), 2_000)
    if (!('sample' in reading)) throw new Error(`no sample: ${JSON.stringify(reading)}`)
    const { health, stats, routing, discovery } = reading.sample
    expect(health).toMatchObject({ status: 'ok', num_peers: 1 })
    expect(stats.bandwidth).toMatchObject({ in_rate_bps: 100, out_rate_bps: 50 })
    expect(routing).toMatchObject({ routing_table_size: 1, mode: 'server' })
    expect(discovery).toEqual({
      bootstrap_attempts: 3,
      bootstrap_successes: 0,
      mdns_found: 0,
      mdns_connected: 0,
      mdns_failed: 0,
    })
    // JSON views only: /metrics is not read
    expect([...asked].sort()).toEqual([
      '/debug/p2p/health',
      '/debug/p2p/routing',
      '/debug/p2p/stats',
    ])
  })

  it('a node without discovery counts in its stats (an older one) gives a sample without them', async () => {
    const addr = await serve(undefined, true)
    const reading = await readSample(createDiagnosticsClient({ addr }), 2_000)
    if (!('sample' in reading)) throw new Error(`no sample: ${JSON.stringify(reading)}`)
    expect(reading.sample.stats).not.toHaveProperty('discovery')
    expect(reading.sample).not.toHaveProperty('discovery')
    expect(reading.sample.health).toMatchObject({ status: 'ok' })
  })

  it('a wrong or missing token is named as such', async () => {
    const addr = await serve(TOKEN)
    for (const [token, said] of [
      [undefined, 'a bearer token is required'],
      ['not-the-token-0123456789abcdef', 'the bearer token is not valid'],
    ] as const) {
      const client = createDiagnosticsClient({ addr, ...(token !== undefined ? { token } : {}) })
      const reading = await readSample(client, 2_000)
      expect(reading).toMatchObject({
        failure: {
          kind: 'unauthorized',
          message: `not authorized at ${addr}: ${said} (give the node's token with --token-file, WES_DIAGNOSTICS_TOKEN_FILE or WES_DIAGNOSTICS_TOKEN)`,
        },
      })
    }
    const right = await readSample(createDiagnosticsClient({ addr, token: TOKEN }), 2_000)
    expect('sample' in right).toBe(true)
  })

  it('a node that is not there is unreachable, in the words of diag', async () => {
    const addr = `127.0.0.1:${await freePort()}`
    const reading = await readSample(createDiagnosticsClient({ addr }), 2_000)
    expect(reading).toMatchObject({
      failure: {
        kind: 'unreachable',
        message: `cannot reach wes-node diagnostics at ${addr}: connection refused (is the node running, with diagnostics enabled?)`,
      },
    })
  })
})

describe('diag watch without a terminal', () => {
  it('--count 3 prints three plain lines and exits 0', async () => {
    const addr = await serve()
    const { code, stdout, stderr } = await run([
      'diag',
      'watch',
      '--addr',
      addr,
      '--count',
      '3',
      '--interval',
      '0.2',
    ])
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' })
    const lines = stdout.trimEnd().split('\n')
    expect(lines).toHaveLength(3)
    for (const line of lines) {
      expect(line).toMatch(
        /^\d{4}-\d\d-\d\dT[\d:.]+Z up status=ok peers=1 conns=1 in=100B\/s out=50B\/s routing=1 reach=unknown relay=on bootstrap=0\/3 mdns=0\/0\/0$/,
      )
    }
  })

  it('--json prints JSON lines that parse, with the token from the environment', async () => {
    const addr = await serve(TOKEN)
    const { code, stdout } = await run(
      ['diag', 'watch', '--addr', addr, '--count', '2', '--interval', '0.2', '--json'],
      { WES_DIAGNOSTICS_TOKEN: TOKEN },
    )
    expect(code).toBe(0)
    const records = stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>)
    expect(records).toHaveLength(2)
    for (const record of records) {
      expect(record).toMatchObject({ addr, link: 'up', status: 'ok', peers: 1, in_rate_bps: 100 })
    }
  })

  it('exits 1 when the last of --count reads had no answer, having said why on each line', async () => {
    const addr = await serve(TOKEN)
    const { code, stdout, stderr } = await run([
      'diag',
      'watch',
      '--addr',
      addr,
      '--count',
      '2',
      '--interval',
      '0.2',
    ])
    expect(code).toBe(1)
    const lines = stdout.trimEnd().split('\n')
    expect(lines).toHaveLength(2)
    for (const line of lines) expect(line).toMatch(/ waiting unauthorized: not authorized at /)
    expect(stderr).toMatch(/^wes-node: node at .* did not answer the last read: not authorized at /)
  })
})
