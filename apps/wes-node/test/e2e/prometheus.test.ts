/**
 * Our monitoring against a real Prometheus (Debian's `prometheus` and `promtool`, which `.ci/run`
 * installs): three nodes on loopback, a generated scrape config, queries through the HTTP API.
 */
import { execFile, spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { loopbackFlags, spawnCli, tempDir } from '../fixtures/cli.js'
import type { CliProcess } from '../fixtures/cli.js'

interface Node {
  cli: CliProcess
  diagAddr: string
  listen: string
}

/** The spec's names that promtool's lint flags; nothing else may appear. */
const ACCEPTED_LINT = new Map([
  ['p2p_connections_total', 'non-counter metrics should not have "_total" suffix'],
  ['p2p_peers_total', 'non-counter metrics should not have "_total" suffix'],
  ['p2p_bandwidth_in_rate_bytes_per_sec', 'metric names should not contain abbreviated units'],
  ['p2p_bandwidth_out_rate_bytes_per_sec', 'metric names should not contain abbreviated units'],
])

const nodes: Node[] = []
let prometheus: ChildProcess | undefined
let promUrl = ''

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

function hasBinary(name: string): Promise<boolean> {
  return new Promise((resolve) => execFile(name, ['--version'], (err) => resolve(err === null)))
}

async function startNode(args: string[]): Promise<Node> {
  const dir = await tempDir('wes-prom-')
  const cli = spawnCli(['start', ...loopbackFlags(dir), '--dht-mode', 'server', ...args])
  const [, diagAddr] = await cli.waitFor(/^diagnostics: http:\/\/(\S+)$/m)
  const [, listen] = await cli.waitFor(/^listening on: (\S+)$/m)
  const node = { cli, diagAddr: diagAddr as string, listen: listen as string }
  nodes.push(node)
  return node
}

interface Sample {
  metric: Record<string, string>
  value: [number, string]
}

async function query(expr: string): Promise<Sample[]> {
  const response = await fetch(`${promUrl}/api/v1/query?query=${encodeURIComponent(expr)}`)
  const body = (await response.json()) as { status: string; data: { result: Sample[] } }
  if (body.status !== 'success') throw new Error(`query ${expr} failed: ${JSON.stringify(body)}`)
  return body.data.result
}

/** Re-runs `expr` until `done` accepts the result, bounded in time. */
async function queryUntil(
  expr: string,
  done: (result: Sample[]) => boolean,
  timeoutMs = 45_000,
): Promise<Sample[]> {
  const deadline = Date.now() + timeoutMs
  let last: Sample[] = []
  while (Date.now() < deadline) {
    try {
      last = await query(expr)
      if (done(last)) return last
    } catch {
      // Prometheus still starting
    }
    await new Promise((resolve) => setTimeout(resolve, 500))
  }
  throw new Error(`${expr} never matched; last result ${JSON.stringify(last)}`)
}

beforeAll(async () => {
  for (const binary of ['prometheus', 'promtool']) {
    if (!(await hasBinary(binary))) {
      throw new Error(`${binary} is not installed: apt-get install prometheus (.ci/run does this)`)
    }
  }
  // A dead bootstrap peer keeps B and C retrying, so their attempt counters rise while
  // Prometheus watches and the success ratio has a value.
  const dead = await startNode([])
  const deadAddr = dead.listen
  expect(await dead.cli.stop()).toBe(0)
  nodes.pop()

  const config = join(await tempDir('wes-prom-cfg-'), 'node.json')
  await writeFile(
    config,
    JSON.stringify({
      discovery: { bootstrapIntervalMs: 500, bootstrapMaxIntervalMs: 2_000, minPeers: 3 },
    }),
  )
  const a = await startNode([])
  await startNode(['--config', config, '--bootstrap', a.listen, deadAddr])
  await startNode(['--config', config, '--bootstrap', a.listen, deadAddr])

  const dir = await tempDir('wes-prom-server-')
  const targets = nodes.map((node) => `'${node.diagAddr}'`).join(', ')
  await writeFile(
    join(dir, 'prometheus.yml'),
    [
      'global:',
      '  scrape_interval: 1s',
      '  evaluation_interval: 1s',
      'scrape_configs:',
      "  - job_name: 'wes-p2p'",
      "    metrics_path: '/metrics'",
      '    scrape_interval: 1s',
      '    static_configs:',
      `      - targets: [${targets}]`,
      '',
    ].join('\n'),
  )
  const port = await freePort()
  promUrl = `http://127.0.0.1:${port}`
  prometheus = spawn(
    'prometheus',
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: 'ignore' },
  )
}, 60_000)

afterAll(async () => {
  prometheus?.kill('SIGTERM')
  await Promise.all(nodes.map((node) => node.cli.stop('SIGKILL').catch(() => undefined)))
})

describe('a real Prometheus scraping three nodes', () => {
  it('sees up == 1 for each node', async () => {
    const up = await queryUntil(
      'up{job="wes-p2p"}',
      (result) => result.length === 3 && result.every((s) => s.value[1] === '1'),
    )
    expect(up.map((s) => s.metric.instance).sort()).toEqual(nodes.map((n) => n.diagAddr).sort())
  }, 60_000)

  it("has p2p_peers_total equal to each node's /debug/p2p/peers", async () => {
    // B and C each reach A; A has two peers. Wait until the scrape has caught up.
    for (const node of nodes) {
      const response = await fetch(`http://${node.diagAddr}/debug/p2p/peers`)
      const { peers } = (await response.json()) as { peers: number }
      const result = await queryUntil(
        `p2p_peers_total{instance="${node.diagAddr}"}`,
        (r) => r.length === 1 && Number(r[0]?.value[1]) === peers,
      )
      expect(Number(result[0]?.value[1])).toBe(peers)
    }
  }, 90_000)

  it("answers the spec's bootstrap success-ratio query with a number", async () => {
    const expr =
      'rate(p2p_discovery_bootstrap_success_total[5m]) / rate(p2p_discovery_bootstrap_attempt_total[5m])'
    const result = await queryUntil(expr, (r) => r.some((s) => Number.isFinite(Number(s.value[1]))))
    const values = result.map((s) => Number(s.value[1])).filter(Number.isFinite)
    for (const value of values) {
      expect(value).toBeGreaterThanOrEqual(0)
      expect(value).toBeLessThanOrEqual(1)
    }
  }, 60_000)

  // DESIGN.md: promtool may flag only the spec's own names and names upstream libraries define
  // (libp2p's own families, forwarded by default); every name this project defines passes clean.
  const UPSTREAM = /^(libp2p|nodejs|process)_/

  it('passes promtool check metrics but for the accepted spec names and upstream ones', async () => {
    const text = await (await fetch(`http://${nodes[0]?.diagAddr}/metrics`)).text()
    const findings = await new Promise<string>((resolve) => {
      const child = execFile('promtool', ['check', 'metrics'], (_err, stdout, stderr) =>
        resolve(`${stdout}${stderr}`),
      )
      child.stdin?.end(text)
    })
    const lines = findings.split('\n').filter((line) => line.trim() !== '')
    expect(text).toMatch(/^# TYPE libp2p_/m)
    for (const line of lines.filter((l) => !UPSTREAM.test(l.trim()))) {
      const [name, ...rest] = line.trim().split(' ')
      expect({ name, finding: rest.join(' ') }).toEqual({
        name,
        finding: ACCEPTED_LINT.get(name ?? ''),
      })
    }
  })

  it('the dashboard and the alert rules name only metrics a live node exports', async () => {
    const text = await (await fetch(`http://${nodes[0]?.diagAddr}/metrics`)).text()
    const exported = new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]))
    const monitoring = fileURLToPath(
      new URL('../../../../packages/diagnostics/monitoring/', import.meta.url),
    )
    for (const file of ['alerts.yml', 'grafana-dashboard.json']) {
      const content = await readFile(join(monitoring, file), 'utf8')
      const named = new Set([...content.matchAll(/\bp2p_[a-z_]+\b/g)].map((m) => m[0]))
      expect(named.size).toBeGreaterThan(0)
      expect([...named].filter((name) => !exported.has(name))).toEqual([])
    }
  })

  it('sees up go to 0 when a node stops', async () => {
    const stopped = nodes[2] as Node
    expect(await stopped.cli.stop('SIGTERM')).toBe(0)
    const up = await queryUntil(
      `up{instance="${stopped.diagAddr}"}`,
      (result) => result.length === 1 && result[0]?.value[1] === '0',
    )
    expect(up[0]?.value[1]).toBe('0')
  }, 60_000)
})
