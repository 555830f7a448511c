/**
 * Checks the monitoring files of packages/diagnostics/monitoring (Prometheus config, alert rules
 * and their promtool unit tests, Grafana dashboard, Alertmanager config, the remote-write and
 * federation examples) with promtool and amtool and against the metric contract of DESIGN.md and
 * metric-table.ts. Needs `promtool` (Debian's `prometheus` package) and `amtool` (Debian's
 * `prometheus-alertmanager`) on PATH; it never touches a live node.
 */
import { describe, expect, it } from '@jest/globals'
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse, stringify } from 'yaml'
import { METRIC_TYPES, SPEC_METRICS } from '../../src/metric-table.js'

const monitoringDir = resolve(dirname(fileURLToPath(import.meta.url)), '../../monitoring')
/** The guide the rules' `runbook_url`s point into, as a repository path. */
const RUNBOOK = 'docs/monitoring.md'
/** The guide of the fleet-wide alerts' runbooks (P2PFleetDown, P2PHostUnreachable). */
const FLEET_RUNBOOK = 'docs/troubleshooting.md'
const repoFile = (path: string): string => resolve(monitoringDir, '../../..', path)

/** The 13 metrics of DESIGN.md (names and types are the public contract), plus the routing gauge. */
const SPEC = Object.entries(SPEC_METRICS)
const GAUGES = SPEC.filter(([, type]) => type === 'gauge').map(([name]) => name)
const COUNTERS = SPEC.filter(([, type]) => type === 'counter').map(([name]) => name)
const ROUTING = 'p2p_routing_table_size'
const DESIGN_METRICS: readonly string[] = [...GAUGES, ...COUNTERS]
const NODE_METRICS: readonly string[] = [...DESIGN_METRICS, ROUTING]
/** The series a histogram exports: Prometheus stores `_bucket`, `_sum` and `_count`, never `name`. */
const HISTOGRAM_SERIES = Object.entries(METRIC_TYPES)
  .filter(([, type]) => type === 'histogram')
  .flatMap(([name]) => [`${name}_bucket`, `${name}_sum`, `${name}_count`])
/** Every series name a wired node exports (libp2p's own aside), and Prometheus's `up`. */
const EXPORTED: ReadonlySet<string> = new Set([
  ...Object.entries(METRIC_TYPES)
    .filter(([, type]) => type !== 'histogram')
    .map(([name]) => name),
  ...HISTOGRAM_SERIES,
  'up',
])
/** What rate() and increase() may read: counters, and the histograms' series (counters too). */
const RATE_OK: ReadonlySet<string> = new Set([
  ...Object.entries(METRIC_TYPES)
    .filter(([, type]) => type === 'counter')
    .map(([name]) => name),
  ...HISTOGRAM_SERIES,
])
/** The metrics of reachability, relays, dials, connections and protocols the new rows show. */
const NETWORK_PANEL_METRICS = [
  'p2p_reachability',
  'p2p_addresses',
  'p2p_relay_reservations',
  'p2p_relay_reservations_total',
  'p2p_relayed_connections',
  'p2p_relay_server_reservations',
  'p2p_holepunch_total',
  'p2p_holepunch_duration_seconds_bucket',
  'p2p_dial_duration_seconds_count',
  'p2p_dial_duration_seconds_bucket',
  'p2p_dial_errors_total',
  'p2p_connections_opened_total',
  'p2p_connections_closed_total',
  'p2p_connection_duration_seconds_bucket',
  'p2p_protocol_bytes_total',
  'p2p_ping_rtt_seconds_bucket',
  'p2p_peers_by_agent',
]

const ALERTS = [
  'P2PConnectionsLow',
  'BootstrapFailureRateHigh',
  'P2PNodeDown',
  'P2PFleetDown',
  'P2PHostUnreachable',
  'P2PNoPeers',
  'P2PRoutingTableEmpty',
  'P2PBootstrapNotSucceeding',
  'P2PRelayReservationLostWhilePrivate',
  'P2PDialErrorRatioHigh',
  'P2PHolePunchesAllFailing',
  'P2PHealthDegraded',
]
const SEVERITIES = ['critical', 'warning', 'info']
const ROWS = [
  'Connections and peers',
  'Bandwidth',
  'Discovery',
  'Routing',
  'NAT and relay',
  'Dials',
  'Connection lifecycle',
  'Protocols',
  'Process',
]
const SPEC_PANELS = [
  'P2P Connections',
  'P2P Peers',
  'Inbound Bandwidth',
  'Outbound Bandwidth',
  'Bootstrap Success Rate',
  'mDNS Peers Found',
]
const DATASOURCE = { type: 'prometheus', uid: '${datasource}' }

/** PromQL words that are not metric names: functions, aggregations, operators, modifiers. */
const PROMQL_WORDS = new Set([
  'and', 'or', 'unless', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'bool',
  'offset', 'sum', 'min', 'max', 'avg', 'count', 'stddev', 'stdvar', 'topk', 'bottomk', 'quantile',
  'count_values', 'group', 'rate', 'irate', 'increase', 'delta', 'idelta', 'deriv', 'resets',
  'changes', 'time', 'timestamp', 'vector', 'scalar', 'abs', 'ceil', 'floor', 'round', 'clamp',
  'clamp_min', 'clamp_max', 'absent', 'absent_over_time', 'avg_over_time', 'min_over_time',
  'max_over_time', 'sum_over_time', 'count_over_time', 'last_over_time', 'present_over_time',
  'label_replace', 'label_join', 'histogram_quantile', 'sort', 'sort_desc', 'inf', 'nan',
]) // prettier-ignore

interface Target {
  expr?: string
  datasource?: unknown
}
interface Panel {
  id?: number
  type: string
  title: string
  datasource?: unknown
  targets?: Target[]
  panels?: Panel[]
  fieldConfig?: { defaults?: { unit?: string } }
}
interface TemplateVar {
  name: string
  type: string
  query?: unknown
  definition?: string
  datasource?: unknown
  multi?: boolean
  includeAll?: boolean
}
interface Dashboard {
  uid: string
  title: string
  schemaVersion: number
  __inputs?: unknown
  panels: Panel[]
  templating: { list: TemplateVar[] }
}
interface Rule {
  alert?: string
  record?: string
  expr: string
  for?: string
  labels?: Record<string, string>
  annotations?: Record<string, string>
}
interface RuleFile {
  groups: { name: string; rules: Rule[] }[]
}
interface RuleTestFile {
  rule_files: string[]
  tests: { name?: string; alert_rule_test?: { alertname: string; exp_alerts?: unknown[] }[] }[]
}
interface PromConfig {
  rule_files: string[]
  scrape_configs: {
    job_name: string
    scrape_interval?: string
    metrics_path?: string
    honor_labels?: boolean
    params?: Record<string, string[]>
    static_configs: { targets: string[]; labels?: Record<string, string> }[]
  }[]
  remote_write?: { url: string; write_relabel_configs?: unknown[] }[]
}
interface AlertmanagerConfig {
  route: {
    receiver: string
    group_by: string[]
    group_wait: string
    group_interval: string
    repeat_interval: string
    routes: { matchers: string[]; receiver: string }[]
  }
  inhibit_rules: { source_matchers: string[]; target_matchers: string[]; equal: string[] }[]
  receivers: { name: string; webhook_configs?: { url: string; send_resolved?: boolean }[] }[]
}

interface Run {
  code: number
  output: string
}

/** Debian's package of each checker. */
const PACKAGE_OF = { promtool: 'prometheus', amtool: 'prometheus-alertmanager' }

/** Runs promtool or amtool; fails (never skips) when it is not installed. */
function check(tool: keyof typeof PACKAGE_OF, args: string[], cwd = monitoringDir): Promise<Run> {
  return new Promise((resolvePromise, reject) => {
    execFile(tool, args, { cwd, timeout: 20_000 }, (error, stdout, stderr) => {
      const output = `$ ${tool} ${args.join(' ')}\n${stdout}${stderr}`
      if (error && (error as NodeJS.ErrnoException).code === 'ENOENT') {
        const pkg = PACKAGE_OF[tool]
        reject(
          new Error(
            `${tool} is not installed (not found on PATH). It comes with Debian's \`${pkg}\` ` +
              `package, which .ci/run installs (apt-get install ${pkg}); install it to run ` +
              'these checks. This test fails rather than skipping.',
          ),
        )
        return
      }
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0
      resolvePromise({ code, output })
    })
  })
}

function promtool(args: string[], cwd = monitoringDir): Promise<Run> {
  return check('promtool', args, cwd)
}

async function readText(name: string): Promise<string> {
  return readFile(join(monitoringDir, name), 'utf8')
}
async function readYaml<T>(name: string): Promise<T> {
  return parse(await readText(name)) as T
}
async function readDashboard(): Promise<Dashboard> {
  return JSON.parse(await readText('grafana-dashboard.json')) as Dashboard
}

/** Every panel, rows and panels nested in collapsed rows included. */
function allPanels(panels: Panel[]): Panel[] {
  return panels.flatMap((p) => [p, ...allPanels(p.panels ?? [])])
}

function dashboardExprs(dashboard: Dashboard): { where: string; expr: string }[] {
  return allPanels(dashboard.panels).flatMap((p) =>
    (p.targets ?? []).map((t, i) => ({
      where: `panel "${p.title}" target ${i}`,
      expr: t.expr ?? '',
    })),
  )
}

function ruleExprs(rules: RuleFile): { where: string; expr: string }[] {
  return rules.groups.flatMap((g) =>
    g.rules.map((r) => ({ where: `rule ${r.alert ?? r.record}`, expr: r.expr })),
  )
}

/** Grafana's variables made concrete so promtool can parse the expression. */
function concrete(expr: string): string {
  return expr
    .replace(/\$__(rate_interval|interval|range)\b/g, '5m')
    .replace(/\$\{?instance\}?/g, '.*')
    .replace(/\$\{?datasource\}?/g, 'prometheus')
}

/** The metric names an expression selects: identifiers outside strings, matchers and label lists. */
function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
  const names = new Set<string>()
  for (const m of bare.replace(/\b\d[\w.]*/g, ' ').matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    if (!PROMQL_WORDS.has(m[0].toLowerCase())) names.add(m[0])
  }
  // Also every p2p_ token anywhere, as the contract list is the authority for that prefix.
  for (const m of expr.matchAll(/p2p_[a-z_]+/g)) names.add(m[0])
  return [...names]
}

/**
 * The anchors GitHub gives the headings of a Markdown file (github-slugger): the heading's text
 * lower-cased, punctuation dropped, spaces turned into `-`, `-1`, `-2`... added to repeats.
 * Lines inside fenced code blocks are no headings.
 */
function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>()
  const seen = new Map<string, number>()
  let fenced = false
  for (const line of markdown.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced
    const heading = fenced ? null : /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)
    if (!heading) continue
    const base = (heading[1] ?? '')
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
      .replace(/ /g, '-')
    const repeats = seen.get(base) ?? 0
    seen.set(base, repeats + 1)
    anchors.add(repeats === 0 ? base : `${base}-${repeats}`)
  }
  return anchors
}

/** The text inside the parentheses that open at `open`, or undefined when they do not close. */
function parenthesized(expr: string, open: number): string | undefined {
  let depth = 0
  for (let i = open; i < expr.length; i++) {
    if (expr[i] === '(') depth++
    else if (expr[i] === ')' && --depth === 0) return expr.slice(open + 1, i)
  }
  return undefined
}

/**
 * The divisors of `expr` that read a rate() or increase(), each with whether it is guarded: a
 * parenthesised `(... > 0)`, so a window without events drops the series instead of giving NaN.
 */
function rateDivisors(expr: string): { divisor: string; guarded: boolean }[] {
  const out: { divisor: string; guarded: boolean }[] = []
  for (const m of expr.matchAll(/\/\s*(?:(?:on|ignoring)\s*\([^)]*\)\s*)?/g)) {
    const at = (m.index ?? 0) + m[0].length
    const inner = expr[at] === '(' ? parenthesized(expr, at) : undefined
    const divisor = inner ?? expr.slice(at)
    if (!/\b(rate|increase)\(/.test(inner ?? divisor.split(/[\s)]/)[0] ?? '')) continue
    out.push({ divisor, guarded: inner !== undefined && /\)\s*>\s*0\s*$/.test(inner) })
  }
  return out
}

describe('monitoring files: promtool', () => {
  it('promtool check config prometheus.yml passes (it also loads alerts.yml)', async () => {
    const run = await promtool(['check', 'config', 'prometheus.yml'])
    expect(run).toEqual(expect.objectContaining({ code: 0 }))
    expect(run.output).toContain('SUCCESS')
  })

  it('promtool check rules alerts.yml passes', async () => {
    const run = await promtool(['check', 'rules', 'alerts.yml'])
    expect(run).toEqual(expect.objectContaining({ code: 0 }))
    expect(run.output).toMatch(new RegExp(`SUCCESS: ${ALERTS.length} rules found`))
  })

  it('promtool test rules alerts.test.yml passes', async () => {
    const run = await promtool(['test', 'rules', 'alerts.test.yml'])
    expect(run).toEqual(expect.objectContaining({ code: 0 }))
  })

  it('every PromQL expression of the dashboard and the rules parses', async () => {
    const exprs = [
      ...dashboardExprs(await readDashboard()),
      ...ruleExprs(await readYaml<RuleFile>('alerts.yml')),
    ]
    expect(exprs.length).toBeGreaterThan(ALERTS.length)
    for (const { where, expr } of exprs)
      expect({ where, expr: expr.trim() }).not.toEqual({ where, expr: '' })

    const dir = await mkdtemp(join(tmpdir(), 'wes-monitoring-'))
    try {
      const file = join(dir, 'exprs.rules.yml')
      const asRules = (list: typeof exprs): string =>
        stringify({
          groups: [
            {
              name: 'parse-check',
              rules: list.map((e, i) => ({
                record: `wes:parse_check_${i}`,
                expr: concrete(e.expr),
              })),
            },
          ],
        })
      await writeFile(file, asRules(exprs))
      const all = await promtool(['check', 'rules', file], dir)
      if (all.code !== 0) {
        // Find the culprits one by one so the failure names them.
        const bad: string[] = []
        for (const e of exprs) {
          await writeFile(file, asRules([e]))
          const one = await promtool(['check', 'rules', file], dir)
          if (one.code !== 0) bad.push(`${e.where}: ${e.expr}\n${one.output}`)
        }
        throw new Error(`PromQL that does not parse:\n${bad.join('\n') || all.output}`)
      }
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})

describe('monitoring files: metric names', () => {
  it('expressions use only exported metric names, and rate()/increase() only on counters', async () => {
    const exprs = [
      ...dashboardExprs(await readDashboard()),
      ...ruleExprs(await readYaml<RuleFile>('alerts.yml')),
    ]
    const unknown: string[] = []
    const rateOnGauge: string[] = []
    for (const { where, expr } of exprs) {
      for (const name of metricNames(expr))
        if (!EXPORTED.has(name)) unknown.push(`${where}: ${name}`)
      for (const m of expr.matchAll(
        /\b(rate|irate|increase|delta|resets)\s*\(\s*([A-Za-z_:][\w:]*)/g,
      )) {
        if (!RATE_OK.has(m[2] ?? '')) rateOnGauge.push(`${where}: ${m[0]}`)
      }
    }
    expect(unknown).toEqual([])
    expect(rateOnGauge).toEqual([])
  })

  it('the dashboard shows all 13 metrics of DESIGN.md and p2p_routing_table_size', async () => {
    const used = new Set(dashboardExprs(await readDashboard()).flatMap((e) => metricNames(e.expr)))
    expect(NODE_METRICS.filter((name) => !used.has(name))).toEqual([])
  })

  it('the dashboard shows the NAT, relay, dial, connection and protocol metrics', async () => {
    const used = new Set(dashboardExprs(await readDashboard()).flatMap((e) => metricNames(e.expr)))
    expect(NETWORK_PANEL_METRICS.filter((name) => !used.has(name))).toEqual([])
  })

  it("histogram_quantile() reads only the rate of a histogram's _bucket series", async () => {
    const wrong = dashboardExprs(await readDashboard()).flatMap(({ where, expr }) =>
      [...expr.matchAll(/histogram_quantile\(\s*[\d.]+\s*,\s*rate\(([a-z0-9_]+)/g)]
        .filter((m) => !m[1]?.endsWith('_bucket'))
        .map((m) => `${where}: ${m[0]}`),
    )
    expect(wrong).toEqual([])
  })

  it('ratios are NaN-safe (divide only by a rate or increase guarded with > 0)', async () => {
    const exprs = [
      ...dashboardExprs(await readDashboard()),
      ...ruleExprs(await readYaml<RuleFile>('alerts.yml')),
    ]
    const ratios = exprs.flatMap(({ where, expr }) =>
      rateDivisors(expr).map(({ guarded }) => ({ where, guarded })),
    )
    // bootstrap success (dashboard and rule), hole-punch success, dial errors (dashboard and rule)
    expect(ratios.length).toBeGreaterThanOrEqual(5)
    expect(ratios.filter((r) => !r.guarded)).toEqual([])
  })
})

describe('monitoring files: Grafana dashboard', () => {
  it('has the uid, title, schema and no __inputs', async () => {
    const d = await readDashboard()
    expect(d.uid).toBe('wes-p2p')
    expect(d.title).toBe('wes-node P2P')
    expect(d.schemaVersion).toBeGreaterThanOrEqual(36)
    expect(d.__inputs).toBeUndefined()
  })

  it('has the datasource and instance variables', async () => {
    const vars = (await readDashboard()).templating.list
    const ds = vars.find((v) => v.name === 'datasource')
    expect(ds).toEqual(expect.objectContaining({ type: 'datasource', query: 'prometheus' }))
    const instance = vars.find((v) => v.name === 'instance')
    expect(instance).toEqual(
      expect.objectContaining({
        type: 'query',
        multi: true,
        includeAll: true,
        datasource: DATASOURCE,
      }),
    )
    const query = instance?.query
    const text =
      typeof query === 'string' ? query : (query as { query?: string } | undefined)?.query
    expect(text?.replace(/\s/g, '')).toBe('label_values(p2p_peers_total,instance)')
  })

  it('has the nine rows and the spec panels', async () => {
    const panels = allPanels((await readDashboard()).panels)
    expect(panels.filter((p) => p.type === 'row').map((p) => p.title)).toEqual(ROWS)
    const titles = panels.map((p) => p.title)
    expect(SPEC_PANELS.filter((t) => !titles.includes(t))).toEqual([])
    const ids = panels.map((p) => p.id)
    expect(new Set(ids).size).toBe(ids.length)
  })

  it('every panel has a unit, the datasource variable and the instance filter', async () => {
    const problems: string[] = []
    for (const p of allPanels((await readDashboard()).panels)) {
      if (p.type === 'row') continue
      if (!['timeseries', 'stat', 'gauge', 'bargauge', 'table'].includes(p.type))
        problems.push(`${p.title}: type ${p.type}`)
      if (!p.fieldConfig?.defaults?.unit) problems.push(`${p.title}: no unit`)
      if (JSON.stringify(p.datasource) !== JSON.stringify(DATASOURCE))
        problems.push(`${p.title}: datasource ${JSON.stringify(p.datasource)}`)
      if (!p.targets?.length) problems.push(`${p.title}: no targets`)
      for (const t of p.targets ?? []) {
        if (
          t.datasource !== undefined &&
          JSON.stringify(t.datasource) !== JSON.stringify(DATASOURCE)
        )
          problems.push(`${p.title}: target datasource ${JSON.stringify(t.datasource)}`)
        // Every selector of a metric carries the instance filter.
        for (const m of (t.expr ?? '').matchAll(
          /\b(p2p_[a-z_]+|process_[a-z_]+|nodejs_[a-z0-9_]+|up)\b(\{[^}]*\})?/g,
        )) {
          if (!m[2]?.includes('instance=~"$instance"'))
            problems.push(`${p.title}: unfiltered ${m[0]}`)
        }
      }
    }
    expect(problems).toEqual([])
  })
})

describe('monitoring files: rules and config', () => {
  it('alerts.yml has the expected alerts, each with severity, summary and description', async () => {
    const rules = await readYaml<RuleFile>('alerts.yml')
    expect(rules.groups.map((g) => g.name)).toEqual(['wes-p2p'])
    const all = rules.groups.flatMap((g) => g.rules)
    expect(all.map((r) => r.alert).sort()).toEqual([...ALERTS].sort())
    const problems: string[] = []
    for (const r of all) {
      if (!SEVERITIES.includes(r.labels?.severity ?? '')) problems.push(`${r.alert}: severity`)
      if (!r.annotations?.summary?.trim()) problems.push(`${r.alert}: summary`)
      const description = r.annotations?.description ?? ''
      // a fleet-wide alert has no instance: it names the job, and lists the instances down
      const names = r.labels?.scope === 'fleet' ? '{{ $labels.job }}' : '{{ $labels.instance }}'
      if (!description.includes(names)) problems.push(`${r.alert}: description lacks ${names}`)
      // the value as it is, or formatted: {{ $value | humanize }}, {{ printf "%.0f" $value }}
      if (!/\{\{[^}]*\$value\b[^}]*\}\}/.test(description))
        problems.push(`${r.alert}: description lacks value`)
      if (!r.for) problems.push(`${r.alert}: no for`)
    }
    expect(problems).toEqual([])
  })

  it(`every alert links its section of ${RUNBOOK} (or ${FLEET_RUNBOOK}) and prints its value formatted`, async () => {
    const rules = (await readYaml<RuleFile>('alerts.yml')).groups.flatMap((g) => g.rules)
    const anchorsOf = new Map<string, Set<string>>()
    for (const guide of [RUNBOOK, FLEET_RUNBOOK])
      anchorsOf.set(guide, headingAnchors(await readFile(repoFile(guide), 'utf8')))
    expect(anchorsOf.get(RUNBOOK)).toContain('6-alert-rules-runbook')
    const problems: string[] = []
    for (const r of rules) {
      const url = r.annotations?.runbook_url ?? ''
      const [, guide = '', anchor] = /^(docs\/[\w.-]+\.md)#([\w-]+)$/.exec(url) ?? []
      const anchors = anchorsOf.get(guide)
      if (anchor === undefined || anchors === undefined)
        problems.push(`${r.alert}: runbook_url "${url}"`)
      else if (!anchors.has(anchor)) problems.push(`${r.alert}: no heading #${anchor} in ${guide}`)
      // the alert's own section, not just any heading
      else if (!anchor.startsWith((r.alert ?? '').toLowerCase()))
        problems.push(`${r.alert}: runbook_url #${anchor} is another section`)
      // a raw estimate prints as 31.26050420168067: round it or humanize it
      for (const [key, text] of Object.entries(r.annotations ?? {})) {
        if (/\{\{-?\s*\$value\s*-?\}\}/.test(text))
          problems.push(`${r.alert}: ${key} prints a bare {{ $value }}`)
      }
    }
    expect(problems).toEqual([])
  })

  it('alerts.test.yml has a firing and a silent case for every alert', async () => {
    const tests = await readYaml<RuleTestFile>('alerts.test.yml')
    expect(tests.rule_files).toEqual(['alerts.yml'])
    const cases = tests.tests.flatMap((t) => t.alert_rule_test ?? [])
    const missing: string[] = []
    for (const alert of ALERTS) {
      const mine = cases.filter((c) => c.alertname === alert)
      if (!mine.some((c) => (c.exp_alerts ?? []).length > 0))
        missing.push(`${alert}: no firing case`)
      if (!mine.some((c) => (c.exp_alerts ?? []).length === 0))
        missing.push(`${alert}: no silent case`)
    }
    expect(missing).toEqual([])
  })

  it('prometheus.yml scrapes job wes-p2p as the spec says and shows the bearer-token option', async () => {
    const text = await readText('prometheus.yml')
    const config = parse(text) as PromConfig
    expect(config.rule_files).toEqual(['alerts.yml'])
    const job = config.scrape_configs.find((j) => j.job_name === 'wes-p2p')
    expect(job).toEqual(
      expect.objectContaining({ scrape_interval: '15s', metrics_path: '/metrics' }),
    )
    expect(job?.static_configs.flatMap((s) => s.targets)).toContain('127.0.0.1:28686')
    expect(text).toMatch(
      /#\s*authorization:\s*\n\s*#\s*type: Bearer\s*\n\s*#\s*credentials_file: \/etc\/prometheus\/wes-node\.token/,
    )
  })
})

describe('monitoring files: Alertmanager, remote write, federation', () => {
  it('amtool check-config alertmanager.yml passes', async () => {
    const run = await check('amtool', ['check-config', 'alertmanager.yml'])
    expect(run).toEqual(expect.objectContaining({ code: 0 }))
    expect(run.output).toContain('SUCCESS')
    expect(run.output).toContain('3 receivers')
  })

  it('amtool rejects a broken copy, so the check above means something', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wes-monitoring-'))
    try {
      // a route to a receiver that does not exist
      const text = (await readText('alertmanager.yml')).replace(
        'receiver: wes-info',
        'receiver: wes-nobody',
      )
      await writeFile(join(dir, 'alertmanager.yml'), text)
      const run = await check('amtool', ['check-config', 'alertmanager.yml'], dir)
      expect(run.code).not.toBe(0)
      expect(run.output).toContain('wes-nobody')
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('routes by severity, groups by alertname and instance, webhooks on 127.0.0.1', async () => {
    const config = await readYaml<AlertmanagerConfig>('alertmanager.yml')
    expect(config.route.group_by).toEqual(['alertname', 'instance'])
    const routed = Object.fromEntries(
      config.route.routes.map((r) => [r.matchers.join(), r.receiver]),
    )
    expect(routed).toEqual({
      'severity="critical"': 'wes-critical',
      'severity="warning"': 'wes-warning',
      'severity="info"': 'wes-info',
    })
    for (const receiver of config.receivers) {
      expect(receiver.webhook_configs).toEqual([
        {
          url: `http://127.0.0.1:5001/alerts/${receiver.name.replace('wes-', '')}`,
          send_resolved: true,
        },
      ])
    }
    // every severity the rules use has its receiver
    const rules = (await readYaml<RuleFile>('alerts.yml')).groups.flatMap((g) => g.rules)
    const severities = new Set(rules.map((r) => r.labels?.severity ?? ''))
    expect([...severities].filter((s) => routed[`severity="${s}"`] === undefined)).toEqual([])
  })

  it('mutes per-node alerts of the same job and host while P2PFleetDown fires', async () => {
    const config = await readYaml<AlertmanagerConfig>('alertmanager.yml')
    expect(config.inhibit_rules).toEqual([
      {
        source_matchers: ['alertname="P2PFleetDown"'],
        target_matchers: ['scope!="fleet"'],
        equal: ['job', 'host'],
      },
    ])
    // the rule the inhibition names exists, marked as the one alert it never mutes
    const rules = (await readYaml<RuleFile>('alerts.yml')).groups.flatMap((g) => g.rules)
    const fleet = rules.filter((r) => r.labels?.scope === 'fleet').map((r) => r.alert)
    expect(fleet).toEqual(['P2PFleetDown'])
  })

  it('prometheus.yml with the remote_write section of remote-write.yml passes promtool', async () => {
    const snippet = await readYaml<Pick<PromConfig, 'remote_write'>>('remote-write.yml')
    expect(Object.keys(snippet)).toEqual(['remote_write'])
    expect(snippet.remote_write?.map((w) => w.url)).toEqual(['http://127.0.0.1:8428/api/v1/write'])
    const dir = await mkdtemp(join(tmpdir(), 'wes-monitoring-'))
    try {
      const merged = {
        ...(await readYaml<PromConfig>('prometheus.yml')),
        ...snippet,
        rule_files: [join(monitoringDir, 'alerts.yml')],
      }
      await writeFile(join(dir, 'prometheus.yml'), stringify(merged))
      const run = await promtool(['check', 'config', 'prometheus.yml'], dir)
      expect(run).toEqual(expect.objectContaining({ code: 0 }))
      expect(run.output).toContain('SUCCESS')
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('federation.yml passes promtool and federates job wes-p2p with a host label per target', async () => {
    const run = await promtool(['check', 'config', 'federation.yml'])
    expect(run).toEqual(expect.objectContaining({ code: 0 }))
    expect(run.output).toContain('SUCCESS')
    const config = await readYaml<PromConfig>('federation.yml')
    expect(config.rule_files).toEqual(['alerts.yml'])
    const job = config.scrape_configs.find((j) => j.job_name === 'wes-federate')
    expect(job).toEqual(
      expect.objectContaining({
        honor_labels: true,
        metrics_path: '/federate',
        params: { 'match[]': ['{job="wes-p2p"}'] },
      }),
    )
    const hosts = job?.static_configs.map((s) => s.labels?.host)
    expect(hosts?.length).toBeGreaterThanOrEqual(2)
    expect(hosts?.every((host) => typeof host === 'string' && host !== '')).toBe(true)
    // the rule that names an unreachable host reads this job
    const rules = (await readYaml<RuleFile>('alerts.yml')).groups.flatMap((g) => g.rules)
    expect(rules.find((r) => r.alert === 'P2PHostUnreachable')?.expr).toBe(
      'up{job="wes-federate"} == 0',
    )
  })
})
