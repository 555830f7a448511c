/**
 * Our monitoring against a real Prometheus (Debian's `prometheus` and `promtool`, which `.ci/run`
 * installs): three nodes on loopback, a generated scrape config that loads our alerts.yml, queries
 * through the HTTP API; every query of the dashboard and the rules runs on the live series.
 * Prometheus 2.42 asks for OpenMetrics first, so job `wes-p2p` scrapes OpenMetrics; job
 * `wes-p2p-text` scrapes the same nodes through a proxy that asks for the text format 0.0.4.
 */
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer as createHttpServer } from 'node:http'
import type { Server } from 'node:http'
import { tmpdir } from 'node:os'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { METRIC_TYPES, OPENMETRICS_CONTENT_TYPE, PROMETHEUS_CONTENT_TYPE } from '@wes/diagnostics'
import { loopbackFlags, spawnCli, tempDir } from '../fixtures/cli.js'
import type { CliProcess } from '../fixtures/cli.js'
import { requireBinaries, startPrometheus } from '../fixtures/monitoring.js'
import type { QueryServer } from '../fixtures/monitoring.js'

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

/**
 * Rules that read the federation job of a global Prometheus (federation.yml), which this test's
 * Prometheus does not have; tooling/netlab/test/e2e/fleet.test.ts fires them on a real one.
 */
const RULES_OF_A_GLOBAL_PROMETHEUS = new Set(['P2PHostUnreachable'])

/** packages/diagnostics/monitoring: the dashboard and the alert rules under test. */
const MONITORING = fileURLToPath(
  new URL('../../../../packages/diagnostics/monitoring/', import.meta.url),
)

const nodes: Node[] = []
let prometheus: QueryServer | undefined
let promUrl = ''

/** Forwards Prometheus's scrapes to one node, asking for the text format. */
interface TextProxy {
  node: Node
  addr: string
  /** The `Accept` headers Prometheus sent, and the `Content-Type`s the node answered. */
  accepts: Set<string>
  contentTypes: Set<string>
  server: Server
}

const proxies: TextProxy[] = []
const TEXT_ACCEPT = 'text/plain;version=0.0.4'
const OPENMETRICS_ACCEPT = 'application/openmetrics-text;version=1.0.0'

async function startTextProxy(node: Node): Promise<TextProxy> {
  const accepts = new Set<string>()
  const contentTypes = new Set<string>()
  const server = createHttpServer((req, res) => {
    accepts.add(req.headers.accept ?? '')
    fetch(`http://${node.diagAddr}/metrics`, { headers: { accept: TEXT_ACCEPT } })
      .then(async (upstream) => {
        const type = upstream.headers.get('content-type') ?? ''
        contentTypes.add(type)
        res.writeHead(upstream.status, { 'content-type': type })
        res.end(await upstream.text())
      })
      .catch(() => {
        res.writeHead(502)
        res.end()
      })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const proxy = { node, addr: `127.0.0.1:${port}`, accepts, contentTypes, server }
  proxies.push(proxy)
  return proxy
}

function run(
  file: string,
  args: string[],
  stdin?: string,
): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = execFile(file, args, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1
      resolve({ code, output: `${stdout}${stderr}` })
    })
    child.stdin?.end(stdin)
  })
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
  await requireBinaries(['prometheus', 'promtool'])
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

  const targets = nodes.map((node) => `'${node.diagAddr}'`).join(', ')
  for (const node of nodes) await startTextProxy(node)
  prometheus = await startPrometheus({
    config: [
      'global:',
      '  scrape_interval: 1s',
      '  evaluation_interval: 1s',
      'rule_files:',
      `  - '${join(MONITORING, 'alerts.yml')}'`,
      'scrape_configs:',
      "  - job_name: 'wes-p2p'",
      "    metrics_path: '/metrics'",
      '    scrape_interval: 1s',
      '    static_configs:',
      `      - targets: [${targets}]`,
      "  - job_name: 'wes-p2p-text'",
      "    metrics_path: '/metrics'",
      '    scrape_interval: 1s',
      '    static_configs:',
      // `node` names the node behind each proxy, so the two jobs' series can be matched
      ...proxies.flatMap((proxy) => [
        `      - targets: ['${proxy.addr}']`,
        `        labels: { node: '${proxy.node.diagAddr}' }`,
      ]),
      '',
    ].join('\n'),
  })
  promUrl = prometheus.url
}, 120_000)

afterAll(async () => {
  await prometheus?.stop()
  for (const proxy of proxies) {
    proxy.server.close()
    proxy.server.closeAllConnections()
  }
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

  it('counts the bootstrap peers connected, which silences the bootstrap alerts for B and C', async () => {
    // B and C list A (connected) and the dead address (never): 1 of 2; A has no bootstrap list.
    const [a, b, c] = nodes as [Node, Node, Node]
    const byInstance = (result: Sample[]): Record<string, number> =>
      Object.fromEntries(result.map((s) => [s.metric.instance ?? '', Number(s.value[1])]))
    const want = {
      [a.diagAddr]: { configured: 0, connected: 0 },
      [b.diagAddr]: { configured: 2, connected: 1 },
      [c.diagAddr]: { configured: 2, connected: 1 },
    }
    const seen = async (): Promise<Record<string, { configured?: number; connected?: number }>> => {
      const configured = byInstance(await query('p2p_bootstrap_peers{job="wes-p2p"}'))
      const connected = byInstance(await query('p2p_bootstrap_peers_connected{job="wes-p2p"}'))
      return Object.fromEntries(
        Object.keys(want).map((i) => [i, { configured: configured[i], connected: connected[i] }]),
      )
    }
    const deadline = Date.now() + 45_000
    let last = await seen()
    while (JSON.stringify(last) !== JSON.stringify(want) && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 500))
      last = await seen()
    }
    expect(last).toEqual(want)

    // B and C keep dialling the dead peer, and the guard of both bootstrap alerts drops them:
    // their series match the gauge's on job and instance
    const dialling = await queryUntil(
      'increase(p2p_discovery_bootstrap_attempt_total{job="wes-p2p"}[5m]) > 0',
      (r) => r.length === 2,
    )
    expect(dialling.map((s) => s.metric.instance).sort()).toEqual([b.diagAddr, c.diagAddr].sort())
    expect(
      await query(
        'increase(p2p_discovery_bootstrap_attempt_total{job="wes-p2p"}[5m]) > 0 unless on (job, instance) p2p_bootstrap_peers_connected > 0',
      ),
    ).toEqual([])
    // the guide's "nodes with bootstrap peers, none connected"
    expect(
      await query(
        'p2p_bootstrap_peers_connected == 0 and on (job, instance) p2p_bootstrap_peers > 0',
      ),
    ).toEqual([])
  }, 60_000)

  it("answers the guide's reset-safe byte rate, per node and direction, with numbers", async () => {
    const expr = 'sum by (instance, direction) (rate(p2p_protocol_bytes_total{job="wes-p2p"}[5m]))'
    // pings and the DHT move bytes on every connection, so both directions rise on each node
    const result = await queryUntil(
      expr,
      (r) => r.length === 2 * nodes.length && r.every((s) => Number(s.value[1]) > 0),
    )
    for (const node of nodes) {
      const mine = result.filter((s) => s.metric.instance === node.diagAddr)
      expect(mine.map((s) => s.metric.direction).sort()).toEqual(['in', 'out'])
      for (const sample of mine) expect(Number.isFinite(Number(sample.value[1]))).toBe(true)
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
    // a histogram `name` (named so in descriptions) is stored as name_bucket, _sum and _count
    const exported = new Set(
      [...text.matchAll(/^# TYPE (\S+) (\S+)/gm)].flatMap(([, name, type]) =>
        type === 'histogram' ? [name, `${name}_bucket`, `${name}_sum`, `${name}_count`] : [name],
      ),
    )
    for (const file of ['alerts.yml', 'grafana-dashboard.json']) {
      const content = await readFile(join(MONITORING, file), 'utf8')
      const named = new Set([...content.matchAll(/\bp2p_[a-z_]+\b/g)].map((m) => m[0]))
      expect(named.size).toBeGreaterThan(0)
      expect([...named].filter((name) => !exported.has(name))).toEqual([])
    }
  })

  it('runs every dashboard query, and each of its selectors matches live series', async () => {
    const dashboard = JSON.parse(
      await readFile(join(MONITORING, 'grafana-dashboard.json'), 'utf8'),
    ) as { panels: DashboardPanel[] }
    const targets = allPanels(dashboard.panels).flatMap((panel) =>
      (panel.targets ?? []).map((target) => ({
        where: `panel "${panel.title}" ${target.refId ?? ''}`,
        // Grafana's `$instance`, with All selected
        expr: (target.expr ?? '').replace(/\$\{?instance\}?/g, '.*'),
      })),
    )
    expect(targets.length).toBeGreaterThan(40)
    for (const { where, expr } of targets) {
      await expect(query(expr).then(() => where)).resolves.toBe(where)
      await expectLiveSelectors(where, expr)
    }
  }, 90_000)

  it('evaluates every alert rule on the live series without an error', async () => {
    const names = [
      ...(await readFile(join(MONITORING, 'alerts.yml'), 'utf8')).matchAll(/^\s*- alert: (\S+)$/gm),
    ].map((m) => m[1])
    const rules = await rulesUntil((all) =>
      all.every(
        (rule) => rule.lastEvaluation !== undefined && !rule.lastEvaluation.startsWith('0'),
      ),
    )
    expect(rules.map((rule) => rule.name).sort()).toEqual([...names].sort())
    for (const rule of rules) {
      expect({ rule: rule.name, health: rule.health, error: rule.lastError ?? '' }).toEqual({
        rule: rule.name,
        health: 'ok',
        error: '',
      })
      // a rule for a global Prometheus reads a job this one has not; it runs on the lab
      if (!RULES_OF_A_GLOBAL_PROMETHEUS.has(rule.name))
        await expectLiveSelectors(`rule ${rule.name}`, rule.query)
    }
  }, 60_000)

  it("names the live node's active health reasons in P2PHealthDegraded", async () => {
    // node A has fewer peers than --min-peers (3): degraded, so the alert is at least pending
    const alerts = await alertsUntil((all) =>
      all.some((a) => a.labels.alertname === 'P2PHealthDegraded'),
    )
    const degraded = alerts.filter((a) => a.labels.alertname === 'P2PHealthDegraded')
    const codes = (await query('p2p_health_reason')).map((s) => s.metric.code)
    for (const alert of degraded) {
      const description = alert.annotations.description ?? ''
      const [, listed = ''] = /Active reasons: ([^.]*)\./.exec(description) ?? []
      expect(listed).not.toBe('')
      for (const code of listed.split(', ')) expect(codes).toContain(code)
    }
  }, 60_000)

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

interface DashboardPanel {
  title: string
  targets?: { refId?: string; expr?: string }[]
  panels?: DashboardPanel[]
}

function allPanels(panels: DashboardPanel[]): DashboardPanel[] {
  return panels.flatMap((panel) => [panel, ...allPanels(panel.panels ?? [])])
}

/**
 * Every selector of `expr` (a metric name and its matchers) selects live series: the metric is
 * exported and every label value the query matches on exists, since every label set exists from
 * the start at 0. Waits for the first scrapes.
 */
async function expectLiveSelectors(where: string, expr: string): Promise<void> {
  for (const [selector] of expr.matchAll(/\b(?:p2p_[a-z_]+|up)\b(?:\{[^}]*\})?/g)) {
    const found = await queryUntil(`count(${selector})`, (r) => r.length > 0, 15_000).catch(
      () => [],
    )
    expect({ where, selector, live: found.length > 0 }).toEqual({ where, selector, live: true })
  }
}

interface RuleState {
  name: string
  query: string
  health: string
  lastError?: string
  lastEvaluation?: string
}

/** The alerting rules Prometheus loaded, once `done` accepts them. */
async function rulesUntil(done: (rules: RuleState[]) => boolean): Promise<RuleState[]> {
  const deadline = Date.now() + 30_000
  let rules: RuleState[] = []
  while (Date.now() < deadline) {
    const response = await fetch(`${promUrl}/api/v1/rules?type=alert`)
    const body = (await response.json()) as { data: { groups: { rules: RuleState[] }[] } }
    rules = body.data.groups.flatMap((group) => group.rules)
    if (rules.length > 0 && done(rules)) return rules
    await new Promise((resolve) => setTimeout(resolve, 500))
  }
  throw new Error(`the rules never got evaluated: ${JSON.stringify(rules)}`)
}

interface AlertState {
  labels: Record<string, string>
  annotations: Record<string, string>
  state: string
}

/** The pending and firing alerts, once `done` accepts them. */
async function alertsUntil(done: (alerts: AlertState[]) => boolean): Promise<AlertState[]> {
  const deadline = Date.now() + 45_000
  let alerts: AlertState[] = []
  while (Date.now() < deadline) {
    const response = await fetch(`${promUrl}/api/v1/alerts`)
    alerts = ((await response.json()) as { data: { alerts: AlertState[] } }).data.alerts
    if (done(alerts)) return alerts
    await new Promise((resolve) => setTimeout(resolve, 500))
  }
  throw new Error(`no such alert: ${JSON.stringify(alerts)}`)
}

/** The metric names Prometheus stored for the series `selector` selects. */
async function storedNames(selector: string): Promise<string[]> {
  const result = await query(`group by (__name__) (${selector})`)
  return result.map((s) => s.metric.__name__ ?? '').sort()
}

interface MetadataEntry {
  type: string
}

async function metadata(metric: string): Promise<MetadataEntry[]> {
  const response = await fetch(`${promUrl}/api/v1/metadata?metric=${encodeURIComponent(metric)}`)
  const body = (await response.json()) as { data: Record<string, MetadataEntry[]> }
  return body.data[metric] ?? []
}

describe('OpenMetrics and the text format, each scraped by the real Prometheus', () => {
  // nodes[2] is stopped by the test above; these use the first two
  const live = (): Node[] => nodes.slice(0, 2)

  it('asks for OpenMetrics (job wes-p2p) and gets the text format through the proxy', async () => {
    for (const node of live()) {
      await queryUntil(
        `up{job="wes-p2p-text",node="${node.diagAddr}"}`,
        (r) => r[0]?.value[1] === '1',
      )
      await queryUntil(
        `up{job="wes-p2p",instance="${node.diagAddr}"}`,
        (r) => r[0]?.value[1] === '1',
      )
      for (const job of [
        `job="wes-p2p",instance="${node.diagAddr}"`,
        `job="wes-p2p-text",node="${node.diagAddr}"`,
      ]) {
        const scraped = await query(`scrape_samples_scraped{${job}}`)
        expect({ job, samples: Number(scraped[0]?.value[1]) > 50 }).toEqual({ job, samples: true })
      }
    }
    // what Prometheus sends to every target, the proxy included; the proxy asked for text instead
    const proxy = proxies[0] as TextProxy
    expect([...proxy.accepts].every((accept) => accept.startsWith(OPENMETRICS_ACCEPT))).toBe(true)
    expect(proxy.accepts.size).toBeGreaterThan(0)
    expect([...proxy.contentTypes]).toEqual([PROMETHEUS_CONTENT_TYPE])
    // Prometheus keeps a counter's metadata under its family name: `x` from OpenMetrics,
    // `x_total` from the text format; so both formats were parsed as such
    expect(await metadata('p2p_discovery_bootstrap_attempt')).toContainEqual(
      expect.objectContaining({ type: 'counter' }),
    )
    expect(await metadata('p2p_discovery_bootstrap_attempt_total')).toContainEqual(
      expect.objectContaining({ type: 'counter' }),
    )
    expect(await metadata('p2p_connections_total')).toEqual([
      expect.objectContaining({ type: 'gauge' }),
    ])
  }, 60_000)

  it('stores the same series names from both formats, the spec names among them', async () => {
    for (const node of live()) {
      const om = `{job="wes-p2p",instance="${node.diagAddr}"}`
      const text = `{job="wes-p2p-text",node="${node.diagAddr}"}`
      // a series that appears between two scrapes may be in one job only for a second
      const deadline = Date.now() + 30_000
      let omNames = await storedNames(om)
      let textNames = await storedNames(text)
      while (omNames.join() !== textNames.join() && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 1_000))
        omNames = await storedNames(om)
        textNames = await storedNames(text)
      }
      expect(omNames).toEqual(textNames)
      // a histogram's series are name_bucket, name_sum and name_count
      const stored = (name: string): boolean =>
        omNames.includes(name) || omNames.includes(`${name}_count`)
      for (const name of Object.keys(METRIC_TYPES))
        expect({ name, stored: stored(name) }).toEqual({ name, stored: true })
      expect(omNames.some((name) => name.startsWith('libp2p_'))).toBe(true)
    }
  }, 90_000)

  it('promtool reads both: check metrics the text format, the OpenMetrics parser the other', async () => {
    const url = `http://${nodes[0]?.diagAddr}/metrics`
    const text = await fetch(url)
    expect(text.headers.get('content-type')).toBe(PROMETHEUS_CONTENT_TYPE)
    const lint = await run('promtool', ['check', 'metrics'], await text.text())
    // 3 is lint findings (the accepted names, see above); a text that does not parse exits 1
    expect({ parsed: [0, 3].includes(lint.code), output: lint.output }).toEqual({
      parsed: true,
      output: expect.not.stringMatching(/error|parse/i),
    })

    const openMetrics = await fetch(url, { headers: { accept: OPENMETRICS_ACCEPT } })
    expect(openMetrics.headers.get('content-type')).toBe(OPENMETRICS_CONTENT_TYPE)
    const body = await openMetrics.text()
    // promtool's OpenMetrics reader is its backfill, which wants a timestamp on each sample
    const at = Math.floor(Date.now() / 1000)
    const stamped = body.replace(/^([^#\n].*)$/gm, `$1 ${at}`)
    const dir = await mkdtemp(join(tmpdir(), 'wes-prom-om-'))
    try {
      await writeFile(join(dir, 'metrics.om'), stamped)
      const backfill = await run('promtool', [
        'tsdb',
        'create-blocks-from',
        'openmetrics',
        join(dir, 'metrics.om'),
        join(dir, 'blocks'),
      ])
      expect(backfill).toEqual({ code: 0, output: expect.stringContaining('NUM SERIES') })
      // every sample line became a series
      const [, row] = backfill.output.trim().split('\n')
      const samples = body.split('\n').filter((line) => line !== '' && !line.startsWith('#'))
      expect(Number(row?.trim().split(/\s+/)[6])).toBe(samples.length)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
