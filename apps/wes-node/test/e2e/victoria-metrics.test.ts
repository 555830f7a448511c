/**
 * Long-term storage with the real programs: a real Prometheus scrapes the three nodes of a
 * `wes-node devnet` (its file_sd targets) every second and sends every sample, through the shipped remote-write.yml section, to a
 * real VictoriaMetrics (Debian's `victoria-metrics`). The series of every node arrive there, and
 * every query of the dashboard answers the same from VictoriaMetrics as from Prometheus at one
 * fixed evaluation time: the same series, the same values for what is read as stored, and
 * values within a tolerance where VictoriaMetrics computes rate() and increase() its own way.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import {
  MONITORING,
  requireBinaries,
  startDevnet,
  startPrometheus,
  startVictoriaMetrics,
} from '../fixtures/monitoring.js'
import type { Devnet, QueryServer, Sample } from '../fixtures/monitoring.js'
import { until } from '../fixtures/runtime.js'

let devnet: Devnet | undefined
/** The nodes' targets, `127.0.0.1:<diagnostics port>`: the series' `instance`. */
let instances: string[] = []
let prometheus: QueryServer | undefined
let victoria: QueryServer | undefined
/** When Prometheus started, in seconds: no series has a sample before. */
let startedAt = 0

/**
 * Relative difference allowed between VictoriaMetrics's rate() and increase() and the same
 * definition computed by Prometheus (`withoutExtrapolation`): VictoriaMetrics divides by the time
 * between the two samples it uses, which is the window give or take a scrape's jitter.
 */
const TOLERANCE = 0.05

interface DashboardPanel {
  title: string
  targets?: { refId?: string; expr?: string }[]
  panels?: DashboardPanel[]
}

function allPanels(panels: DashboardPanel[]): DashboardPanel[] {
  return panels.flatMap((panel) => [panel, ...allPanels(panel.panels ?? [])])
}

/** The dashboard's queries, Grafana's variables made concrete: `$instance` is All. */
async function dashboardQueries(): Promise<{ where: string; expr: string }[]> {
  const dashboard = JSON.parse(
    await readFile(join(MONITORING, 'grafana-dashboard.json'), 'utf8'),
  ) as { panels: DashboardPanel[] }
  const seen = new Set<string>()
  const out: { where: string; expr: string }[] = []
  for (const panel of allPanels(dashboard.panels)) {
    for (const target of panel.targets ?? []) {
      const expr = (target.expr ?? '')
        .replace(/\$\{?instance\}?/g, '.*')
        .replace(/\$__rate_interval\b/g, '1m')
        .replace(/\$__(interval|range)\b/g, '5m')
      if (expr.includes('$')) throw new Error(`a variable left in ${expr}`)
      if (seen.has(expr)) continue
      seen.add(expr)
      out.push({ where: `panel "${panel.title}" ${target.refId ?? ''}`.trim(), expr })
    }
  }
  return out
}

/** `{a="1",b="2"}` without the metric name, labels sorted. */
function key(sample: Sample): string {
  return JSON.stringify(
    Object.entries(sample.metric)
      .filter(([name]) => name !== '__name__')
      .sort(([x], [y]) => x.localeCompare(y)),
  )
}

interface Difference {
  where: string
  expr: string
  series: string
  prometheus: number | undefined
  victoria: number | undefined
}

/** Compares two answers series by series; `tolerance` is relative (0: the same number). */
function compare(
  where: string,
  expr: string,
  fromPrometheus: Sample[],
  fromVictoria: Sample[],
  tolerance: number,
): Difference[] {
  const p = new Map(fromPrometheus.map((s) => [key(s), Number(s.value[1])]))
  const v = new Map(fromVictoria.map((s) => [key(s), Number(s.value[1])]))
  const differences: Difference[] = []
  for (const series of new Set([...p.keys(), ...v.keys()])) {
    const a = p.get(series)
    const b = v.get(series)
    // VictoriaMetrics leaves NaN series out of an answer (a histogram_quantile() of buckets
    // that did not move); Prometheus returns them as NaN, which a panel draws as nothing
    if (a !== undefined && Number.isNaN(a) && b === undefined) continue
    const same =
      a !== undefined &&
      b !== undefined &&
      ((Number.isNaN(a) && Number.isNaN(b)) ||
        Math.abs(a - b) <= tolerance * Math.max(Math.abs(a), Math.abs(b)) + 1e-9)
    if (!same) differences.push({ where, expr, series, prometheus: a, victoria: b })
  }
  return differences
}

/**
 * `expr` with rate() and increase() as MetricsQL defines them, in PromQL: the last sample minus
 * the last one at or before the window's start, no extrapolation to the window's edges
 * (Prometheus's rate() extrapolates and starts from the first sample inside the window). For
 * `[1m]` windows on series older than that.
 */
function withoutExtrapolation(expr: string): string {
  const selector = '([a-zA-Z_:][\\w:]*(?:\\{[^}]*\\})?)\\[1m\\]'
  return expr
    .replace(new RegExp(`\\brate\\(${selector}\\)`, 'g'), '(($1 - $1 offset 1m) / 60)')
    .replace(new RegExp(`\\bincrease\\(${selector}\\)`, 'g'), '($1 - $1 offset 1m)')
}

/** The range windows of `expr` in seconds (`[5m]` -> 300). */
function windows(expr: string): number[] {
  const unit: Record<string, number> = { s: 1, m: 60, h: 3600 }
  return [...expr.matchAll(/\[(\d+)([smh])\]/g)].map(
    ([, n, u]) => Number(n) * (unit[u ?? 's'] ?? 1),
  )
}

/**
 * A fixed evaluation time, a few seconds back, once every node has `scrapes` samples and
 * Prometheus has sent every sample up to that time to VictoriaMetrics.
 */
async function settledTime(server: QueryServer, scrapes: number): Promise<number> {
  await server.queryUntil(
    `count_over_time(up{job="wes-p2p"}[5m]) >= ${scrapes}`,
    (r) => r.length === 3,
    (scrapes + 120) * 1000,
  )
  const at = Math.floor(Date.now() / 1000) - 5
  await until(
    () => sentUpTo(server),
    (sent) => sent >= at + 2,
    'remote write to catch up',
    60_000,
  )
  return at
}

/** Prometheus's own gauge: the newest sample time its remote-write queue has sent. */
async function sentUpTo(server: QueryServer): Promise<number> {
  const text = await (await fetch(`${server.url}/metrics`)).text()
  const line = /^prometheus_remote_storage_queue_highest_sent_timestamp_seconds\{[^}]*\} (\S+)$/m
  return Number(line.exec(text)?.[1] ?? 0)
}

beforeAll(async () => {
  await requireBinaries(['prometheus', 'victoria-metrics'])
  devnet = await startDevnet(3)
  instances = devnet.state.nodes.map((node) => `127.0.0.1:${node.diagnostics_port}`).sort()
  victoria = await startVictoriaMetrics(['-search.disableCache'])

  // the shipped remote_write section, its URL pointed at this VictoriaMetrics
  const shipped = await readFile(join(MONITORING, 'remote-write.yml'), 'utf8')
  const remoteWrite = shipped.replaceAll('http://127.0.0.1:8428', victoria.url)
  expect(remoteWrite).not.toBe(shipped)
  startedAt = Date.now() / 1000
  prometheus = await startPrometheus({
    config: [
      'global:',
      '  scrape_interval: 1s',
      '  evaluation_interval: 1s',
      'scrape_configs:',
      "  - job_name: 'wes-p2p'",
      '    scrape_interval: 1s',
      '    scrape_timeout: 1s',
      `    file_sd_configs: [{ files: ['${devnet.targetsFile}'] }]`,
      remoteWrite,
    ].join('\n'),
  })
  await prometheus.queryUntil('up{job="wes-p2p"} == 1', (r) => r.length === 3, 90_000)
}, 180_000)

afterAll(async () => {
  await prometheus?.stop()
  await victoria?.stop()
  await devnet?.stop()
}, 60_000)

describe('Prometheus remote_write into a real VictoriaMetrics', () => {
  it('the series of every node arrive: up and every p2p_ metric, per instance', async () => {
    const vm = victoria as QueryServer
    const prom = prometheus as QueryServer
    const up = await vm.queryUntil(
      'up{job="wes-p2p"}',
      (r) => r.length === 3 && r.every((s) => s.value[1] === '1'),
    )
    expect(up.map((s) => s.metric.instance).sort()).toEqual(instances)
    // as many p2p_ series per node in VictoriaMetrics as in Prometheus (a series may appear
    // between two scrapes, so wait for the counts to meet)
    const count = 'count by (instance) ({__name__=~"p2p_.+", job="wes-p2p"})'
    const counts = async (server: QueryServer): Promise<Record<string, number>> =>
      Object.fromEntries(
        (await server.query(count)).map((s) => [s.metric.instance, Number(s.value[1])]),
      )
    const both = await until(
      async () => ({ prometheus: await counts(prom), victoria: await counts(vm) }),
      (c) =>
        Object.keys(c.prometheus).length === 3 &&
        JSON.stringify(c.prometheus) === JSON.stringify(c.victoria),
      'the same p2p_ series counts in both',
      90_000,
    )
    expect(Object.keys(both.victoria).sort()).toEqual(instances)
    for (const n of Object.values(both.victoria)) expect(n).toBeGreaterThan(50)
    // the names too: every p2p_ metric name of Prometheus is in VictoriaMetrics
    const names = async (server: QueryServer): Promise<string[]> =>
      (await server.query('count by (__name__) ({__name__=~"p2p_.+", job="wes-p2p"})'))
        .map((s) => s.metric.__name__ ?? '')
        .sort()
    expect(await names(vm)).toEqual(await names(prom))
  }, 180_000)

  it("the dashboard's queries, as shipped: the same series, and the same values but where a window is older than the data", async () => {
    const vm = victoria as QueryServer
    const prom = prometheus as QueryServer
    const at = await settledTime(prom, 30)
    const queries = await dashboardQueries()
    expect(queries.length).toBeGreaterThan(40)
    const differences: Difference[] = []
    const explained: Difference[] = []
    let answered = 0
    for (const { where, expr } of queries) {
      const [fromPrometheus, fromVictoria] = [await prom.query(expr, at), await vm.query(expr, at)]
      if (fromPrometheus.some((s) => !Number.isNaN(Number(s.value[1])))) answered++
      const found = compare(where, expr, fromPrometheus, fromVictoria, 0)
      // every window of the query reaches back before Prometheus's first scrape: there
      // VictoriaMetrics counts a counter's first sample from 0 (the series began in the window)
      // and Prometheus counts only between samples; values differ, the series must not
      const young = windows(expr).length > 0 && windows(expr).every((w) => at - w < startedAt)
      for (const d of found) {
        if (young && d.prometheus !== undefined && d.victoria !== undefined) explained.push(d)
        else differences.push(d)
      }
    }
    console.log(
      `${queries.length} queries at ${at}; ${answered} with values; differing only as ` +
        `explained (window older than the data):\n${[...new Set(explained.map((d) => d.expr))].join('\n')}`,
    )
    // most panels show something on three live nodes (mDNS, relays, hole punches do not)
    expect(answered).toBeGreaterThan(30)
    expect(differences).toEqual([])
  }, 240_000)

  it("the dashboard's range queries with 1m windows on older series: VictoriaMetrics's rate() of Prometheus's samples", async () => {
    const vm = victoria as QueryServer
    const prom = prometheus as QueryServer
    // every series older than the 1m window plus a few scrapes
    const at = await settledTime(prom, 80)
    expect(at - 60).toBeGreaterThan(startedAt)
    const queries = (await dashboardQueries())
      .filter(({ expr }) => windows(expr).length > 0)
      .map(({ where, expr }) => ({ where, expr: expr.replace(/\[(\d+[smh])\]/g, '[1m]') }))
    expect(queries.length).toBeGreaterThan(15)
    const differences: Difference[] = []
    const young: Difference[] = []
    const plain: { expr: string; relative: number }[] = []
    for (const { where, expr } of queries) {
      const fromVictoria = await vm.query(expr, at)
      const fromPrometheus = await prom.query(expr, at)
      const existing = new Set(fromPrometheus.map(key))
      // the same samples, through VictoriaMetrics's definition, evaluated by Prometheus
      const semantics = withoutExtrapolation(expr)
      const found = compare(
        where,
        semantics,
        await prom.query(semantics, at),
        fromVictoria,
        TOLERANCE,
      )
      for (const d of found) {
        // a series born inside the window (a first major GC) has no sample 1m back, so the
        // definition has nothing to subtract; Prometheus's own rate() has it, as VictoriaMetrics
        if (d.prometheus === undefined && existing.has(d.series)) young.push(d)
        else differences.push(d)
      }
      // and how far Prometheus's own answer is, for the record
      for (const d of compare(where, expr, fromPrometheus, fromVictoria, 0)) {
        const [a = 0, b = 0] = [d.prometheus, d.victoria]
        plain.push({ expr, relative: Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b)) })
      }
    }
    plain.sort((x, y) => y.relative - x.relative)
    console.log(
      `${queries.length} range queries at ${at} with [1m]; Prometheus's own rate() vs ` +
        `VictoriaMetrics, largest relative differences:\n` +
        plain
          .slice(0, 5)
          .map((d) => `${d.relative.toFixed(3)} ${d.expr}`)
          .join('\n') +
        `\nseries younger than the window: ${young.map((d) => `${d.where} ${d.series}`).join('; ') || 'none'}`,
    )
    expect(differences).toEqual([])
  }, 240_000)
})
