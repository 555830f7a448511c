/**
 * B9 the devnet at scale (issue #13): `wes-node devnet --nodes N --prometheus` on loopback for
 * N = 10, 25 and 50 in one run. For each N: the time from spawn until every node has a peer and
 * a routing-table entry, Prometheus's `scrape_duration_seconds` per target, the RSS of every node
 * (and of the devnet process), the CPU every process uses over an idle window, and the load
 * average; the figures of 25 and 50 nodes carry their ratio to 10 nodes (the growth).
 *
 * Slow (50 nodes take minutes to start on 2 cores), so it is opt-in: `pnpm bench -- --only B9`.
 */

import { spawn } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { Agent } from 'node:http'
import { loadavg } from 'node:os'
import { join } from 'node:path'
import { Child, cpuMs, rssBytes } from './lib/child.js'
import { figure } from './lib/figure.js'
import { TempDirs, WES_NODE_BIN, httpGet, round, sleep } from './lib/util.js'
import type { Benchmark } from './lib/types.js'
import type { Figure } from './lib/types.js'

/** What B9 needs of `devnet.json` (the format of apps/wes-node/src/cmds/devnet/state.ts). */
export interface DevnetPids {
  controlPid: number
  prometheus: { url: string; pid: number } | null
  nodes: Array<{ index: number; pid: number; diagnosticsUrl: string; diagnosticsPort: number }>
}

/** Reads the pids and URLs out of a `devnet.json` text; throws naming the first field that is wrong. */
export function parseDevnetState(text: string): DevnetPids {
  const state = JSON.parse(text) as Record<string, unknown>
  const pid = (value: unknown, what: string): number => {
    if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0)
      throw new Error(`devnet.json: ${what} is not a pid (${JSON.stringify(value)})`)
    return value
  }
  if (!Array.isArray(state.nodes)) throw new Error('devnet.json: no nodes array')
  const prometheus = state.prometheus as { url?: unknown; pid?: unknown } | null | undefined
  return {
    controlPid: pid(state.control_pid, 'control_pid'),
    prometheus:
      prometheus == null
        ? null
        : {
            url: String(prometheus.url),
            pid: pid(prometheus.pid, 'prometheus.pid'),
          },
    nodes: (state.nodes as Array<Record<string, unknown>>).map((node, i) => {
      if (typeof node.diagnostics_url !== 'string' || typeof node.diagnostics_port !== 'number')
        throw new Error(`devnet.json: node ${i + 1} has no diagnostics_url/diagnostics_port`)
      return {
        index: typeof node.index === 'number' ? node.index : i + 1,
        pid: pid(node.pid, `nodes[${i}].pid`),
        diagnosticsUrl: node.diagnostics_url,
        diagnosticsPort: node.diagnostics_port,
      }
    }),
  }
}

/** One sample of Prometheus's instant-vector answer: the labels and the value. */
export interface VectorSample {
  labels: Record<string, string>
  value: number
}

/** The samples of a Prometheus `/api/v1/query` answer (`resultType: vector`); throws on an error answer. */
export function parseVector(body: string): VectorSample[] {
  const answer = JSON.parse(body) as {
    status?: string
    error?: string
    data?: {
      resultType?: string
      result?: Array<{ metric: Record<string, string>; value: [number, string] }>
    }
  }
  if (answer.status !== 'success')
    throw new Error(`prometheus: ${answer.error ?? body.slice(0, 200)}`)
  if (answer.data?.resultType !== 'vector')
    throw new Error(`prometheus: expected a vector, got ${answer.data?.resultType}`)
  return (answer.data.result ?? []).map((r) => ({ labels: r.metric, value: Number(r.value[1]) }))
}

/** What one devnet size measured. */
export interface SizeResult {
  nodes: number
  /** Spawn of `wes-node devnet` until its table is printed (every node answers health). */
  tableMs: number
  /** Spawn until every node has >= 1 peer and routing_table_size >= 1; null when some never did. */
  readyMs: number | null
  /** Nodes with >= 1 peer and routing_table_size >= 1 when the wait ended. */
  nodesReady: number
  /** The nodes that were not, as `node-<i> <peers>/<routing entries>` (`?`: did not answer). */
  notReady: string[]
  /** RSS of each node, MiB, by node index order. */
  nodeRssMiB: number[]
  devnetRssMiB: number
  prometheusRssMiB: number | null
  /** CPU of each node over the idle window, percent of one core. */
  nodeCpuPercent: number[]
  devnetCpuPercent: number
  prometheusCpuPercent: number | null
  /** Peers of node 1 (everyone's bootstrap peer). */
  node1Peers: number
  /** Mean `scrape_duration_seconds` per target over the scrapes so far, ms. */
  scrapeMs: number[]
  /** The same for node 1's target. */
  node1ScrapeMs: number | null
  loadAtReady: number
  loadAtEnd: number
}

/** One row of the growth table: the figures of a size and their ratio to the first size. */
export interface GrowthRow {
  nodes: number
  /** NaN when not every node got a peer and a routing entry in time. */
  readyMs: number
  rssPerNodeMiB: number
  totalRssMiB: number
  cpuPerNodePercent: number
  totalCpuPercent: number
  scrapeMeanMs: number
  scrapeMaxMs: number
  /** Ratios to the first row: the size itself, the ready time, total RSS and total CPU. */
  growth: { nodes: number; readyMs: number; totalRssMiB: number; totalCpuPercent: number }
}

const sum = (values: number[]): number => values.reduce((a, b) => a + b, 0)

/** The arithmetic mean; NaN for no values. */
export const mean = (values: number[]): number =>
  values.length === 0 ? NaN : sum(values) / values.length

/** The growth table over sizes in the order given (the first is the reference). */
export function growthTable(sizes: SizeResult[]): GrowthRow[] {
  const rows = sizes.map((s) => {
    const totalRss = sum(s.nodeRssMiB) + s.devnetRssMiB
    const totalCpu = sum(s.nodeCpuPercent) + s.devnetCpuPercent
    return {
      nodes: s.nodes,
      readyMs: s.readyMs ?? NaN,
      rssPerNodeMiB: mean(s.nodeRssMiB),
      totalRssMiB: totalRss,
      cpuPerNodePercent: mean(s.nodeCpuPercent),
      totalCpuPercent: totalCpu,
      scrapeMeanMs: s.scrapeMs.length > 0 ? mean(s.scrapeMs) : NaN,
      scrapeMaxMs: s.scrapeMs.length > 0 ? Math.max(...s.scrapeMs) : NaN,
    }
  })
  const first = rows[0]
  return rows.map((row) => ({
    ...row,
    growth: {
      nodes: first === undefined ? NaN : row.nodes / first.nodes,
      readyMs: first === undefined ? NaN : row.readyMs / first.readyMs,
      totalRssMiB: first === undefined ? NaN : row.totalRssMiB / first.totalRssMiB,
      totalCpuPercent: first === undefined ? NaN : row.totalCpuPercent / first.totalCpuPercent,
    },
  }))
}

/** The growth table as markdown, for the run's notes. */
export function growthMarkdown(rows: GrowthRow[]): string {
  const f = (v: number, d = 1): string => (Number.isFinite(v) ? v.toFixed(d) : 'n/a')
  return [
    '| nodes | ready s | RSS/node MiB | RSS all MiB | CPU/node % | CPU all % | scrape mean / max ms | growth: nodes, ready, RSS, CPU |',
    '| ----: | ------: | -----------: | ----------: | ---------: | --------: | -------------------- | ------------------------------ |',
    ...rows.map(
      (r) =>
        `| ${r.nodes} | ${f(r.readyMs / 1000)} | ${f(r.rssPerNodeMiB)} | ${f(r.totalRssMiB, 0)} | ` +
        `${f(r.cpuPerNodePercent, 2)} | ${f(r.totalCpuPercent)} | ${f(r.scrapeMeanMs, 2)} / ${f(r.scrapeMaxMs, 2)} | ` +
        `${f(r.growth.nodes, 1)}x, ${f(r.growth.readyMs, 2)}x, ${f(r.growth.totalRssMiB, 2)}x, ${f(r.growth.totalCpuPercent, 2)}x |`,
    ),
  ].join('\n')
}

const TABLE_DEADLINE_MS = 300_000
const READY_DEADLINE_MS = 300_000
const SCRAPES_WANTED = 3
const SCRAPE_DEADLINE_MS = 120_000
const IDLE_WINDOW_MS = 20_000
const STOP_DEADLINE_MS = 60_000

const MiB = 1024 * 1024

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

/**
 * The pid of Prometheus itself: devnet.json has that of the `sh` that runs it (it forwards the
 * devnet's end to Prometheus), whose one child Prometheus is. The wrapper's own pid when it has none.
 */
async function prometheusPid(wrapperPid: number): Promise<number> {
  try {
    const children = (await readFile(`/proc/${wrapperPid}/task/${wrapperPid}/children`, 'utf8'))
      .trim()
      .split(/\s+/)
      .filter((pid) => pid !== '')
      .map(Number)
    for (const pid of children) {
      const comm = (await readFile(`/proc/${pid}/comm`, 'utf8')).trim()
      if (comm === 'prometheus') return pid
    }
  } catch {
    // gone or not Linux: the wrapper is all there is to measure
  }
  return wrapperPid
}

/** JSON of a GET, or undefined when the node does not answer 200 (yet). */
async function getJson(url: string, agent: Agent): Promise<Record<string, unknown> | undefined> {
  try {
    const res = await httpGet(url, agent, 5_000)
    return res.status === 200 ? (JSON.parse(res.body) as Record<string, unknown>) : undefined
  } catch {
    return undefined
  }
}

/** Peers and routing-table size of a node, or undefined when it does not answer. */
async function nodeState(
  base: string,
  agent: Agent,
): Promise<{ peers: number; routing: number } | undefined> {
  const stats = await getJson(`${base}/debug/p2p/stats`, agent)
  const routing = await getJson(`${base}/debug/p2p/routing`, agent)
  if (stats === undefined || routing === undefined) return undefined
  return { peers: Number(stats.peers), routing: Number(routing.routing_table_size) }
}

async function query(prometheusUrl: string, expr: string, agent: Agent): Promise<VectorSample[]> {
  const res = await httpGet(
    `${prometheusUrl}/api/v1/query?query=${encodeURIComponent(expr)}`,
    agent,
    10_000,
  )
  return parseVector(res.body)
}

/** Starts a devnet of `n` nodes in `dir`, measures it, stops it; never leaves a process behind. */
async function measureSize(
  n: number,
  dir: string,
  log: (message: string) => void,
): Promise<SizeResult> {
  const started = performance.now()
  const devnet = new Child(
    spawn(
      process.execPath,
      [
        WES_NODE_BIN,
        'devnet',
        '--nodes',
        String(n),
        '--dir',
        dir,
        '--base-port',
        '0',
        '--diag-base-port',
        '0',
        '--prometheus',
        '--prometheus-port',
        '0',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    ),
  )
  let pids: DevnetPids | undefined
  const agent = new Agent({ keepAlive: true, maxSockets: 4 })
  try {
    await devnet.line((l) => l.startsWith('devnet running'), TABLE_DEADLINE_MS, `devnet of ${n}`)
    const tableMs = performance.now() - started
    pids = parseDevnetState(await readFile(join(dir, 'devnet.json'), 'utf8'))
    log(`B9 ${n} nodes: table after ${(tableMs / 1000).toFixed(1)} s`)

    // every node: >= 1 peer and >= 1 routing-table entry (polled, all nodes per pass); a devnet
    // where some node never gets there is measured all the same, with those nodes named
    const ready = new Set<number>()
    const last = new Map<number, string>()
    const readyDeadline = started + READY_DEADLINE_MS
    while (ready.size < pids.nodes.length && performance.now() < readyDeadline) {
      if (devnet.process.exitCode !== null) throw new Error(`devnet of ${n} exited`)
      for (const node of pids.nodes) {
        if (ready.has(node.index)) continue
        const state = await nodeState(node.diagnosticsUrl, agent)
        last.set(node.index, state === undefined ? '?' : `${state.peers}/${state.routing}`)
        if (state !== undefined && state.peers >= 1 && state.routing >= 1) ready.add(node.index)
      }
      if (ready.size < pids.nodes.length) await sleep(250)
    }
    const readyMs = ready.size === pids.nodes.length ? performance.now() - started : null
    const notReady = pids.nodes
      .filter((node) => !ready.has(node.index))
      .map((node) => `node-${node.index} ${last.get(node.index) ?? '?'}`)
    const loadAtReady = loadavg()[0] ?? NaN
    log(
      readyMs !== null
        ? `B9 ${n} nodes: all ready after ${(readyMs / 1000).toFixed(1)} s (load ${loadAtReady.toFixed(2)})`
        : `B9 ${n} nodes: ${ready.size} ready after ${READY_DEADLINE_MS / 1000} s; not: ${notReady.join(', ')} (peers/routing entries)`,
    )

    // the idle window: CPU of every process, then RSS at its end
    const all = [
      ...pids.nodes.map((node) => node.pid),
      pids.controlPid,
      ...(pids.prometheus !== null ? [await prometheusPid(pids.prometheus.pid)] : []),
    ]
    const cpuBefore = await Promise.all(all.map(async (pid) => cpuMs(pid)))
    const windowStart = performance.now()
    await sleep(IDLE_WINDOW_MS)
    const cpuAfter = await Promise.all(all.map(async (pid) => cpuMs(pid)))
    const windowMs = performance.now() - windowStart
    const cpuPercent = cpuAfter.map((after, i) => ((after - (cpuBefore[i] ?? 0)) / windowMs) * 100)
    const rss = await Promise.all(all.map(async (pid) => (await rssBytes(pid)) / MiB))
    const node1 = pids.nodes[0]
    const node1State =
      node1 !== undefined ? await nodeState(node1.diagnosticsUrl, agent) : undefined

    // Prometheus: the mean scrape duration per target once every target has SCRAPES_WANTED scrapes
    let scrapeMs: number[] = []
    let node1ScrapeMs: number | null = null
    if (pids.prometheus !== null) {
      const url = pids.prometheus.url
      const scrapeDeadline = performance.now() + SCRAPE_DEADLINE_MS
      for (;;) {
        const counts = await query(
          url,
          'count_over_time(scrape_duration_seconds{job="wes-p2p"}[10m])',
          agent,
        ).catch(() => [])
        if (counts.length >= n && counts.every((c) => c.value >= SCRAPES_WANTED)) break
        if (performance.now() > scrapeDeadline)
          throw new Error(
            `${n} nodes: Prometheus had ${counts.length} targets with ${SCRAPES_WANTED} scrapes after ${SCRAPE_DEADLINE_MS / 1000} s`,
          )
        await sleep(1_000)
      }
      const means = await query(
        url,
        'avg_over_time(scrape_duration_seconds{job="wes-p2p"}[10m])',
        agent,
      )
      scrapeMs = means.map((m) => m.value * 1000)
      const node1Port = node1 !== undefined ? `:${node1.diagnosticsPort}` : ''
      const node1Sample = means.find((m) => (m.labels.instance ?? '').endsWith(node1Port))
      node1ScrapeMs = node1Sample !== undefined ? node1Sample.value * 1000 : null
    }
    const k = pids.nodes.length
    const result: SizeResult = {
      nodes: n,
      tableMs,
      readyMs,
      nodesReady: ready.size,
      notReady,
      nodeRssMiB: rss.slice(0, k),
      devnetRssMiB: rss[k] ?? NaN,
      prometheusRssMiB: pids.prometheus !== null ? (rss[k + 1] ?? NaN) : null,
      nodeCpuPercent: cpuPercent.slice(0, k),
      devnetCpuPercent: cpuPercent[k] ?? NaN,
      prometheusCpuPercent: pids.prometheus !== null ? (cpuPercent[k + 1] ?? NaN) : null,
      node1Peers: node1State?.peers ?? NaN,
      scrapeMs,
      node1ScrapeMs,
      loadAtReady,
      loadAtEnd: loadavg()[0] ?? NaN,
    }
    return result
  } finally {
    agent.destroy()
    await stopDevnet(devnet, pids, dir, log)
  }
}

/** SIGTERM to the devnet, wait until every pid of devnet.json is gone, SIGKILL what is left. */
async function stopDevnet(
  devnet: Child,
  known: DevnetPids | undefined,
  dir: string,
  log: (message: string) => void,
): Promise<void> {
  // the state file may have been written after a failure to read it above
  let pids = known
  if (pids === undefined) {
    try {
      pids = parseDevnetState(await readFile(join(dir, 'devnet.json'), 'utf8'))
    } catch {
      // no state yet: only the devnet process itself is ours to stop
    }
  }
  const owned = [
    ...(pids?.nodes.map((node) => node.pid) ?? []),
    ...(pids?.prometheus != null ? [pids.prometheus.pid] : []),
  ]
  const stopStart = performance.now()
  await devnet.stop(STOP_DEADLINE_MS)
  while (owned.some(alive) && performance.now() - stopStart < STOP_DEADLINE_MS) await sleep(200)
  const left = owned.filter(alive)
  for (const pid of left) {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // gone meanwhile
    }
  }
  if (left.length > 0)
    log(`B9: killed ${left.length} process(es) the devnet left: ${left.join(' ')}`)
}

const msFigures = (s: SizeResult, ref: SizeResult | undefined): Figure[] => {
  const base = (value: number | undefined): number | null =>
    ref === undefined || ref === s || value === undefined ? null : value
  const baselineLabel = ref === undefined || ref === s ? null : `${ref.nodes} nodes, same run`
  const rssAll = sum(s.nodeRssMiB) + s.devnetRssMiB
  const cpuAll = sum(s.nodeCpuPercent) + s.devnetCpuPercent
  const refRssAll = ref !== undefined ? sum(ref.nodeRssMiB) + ref.devnetRssMiB : undefined
  const refCpuAll = ref !== undefined ? sum(ref.nodeCpuPercent) + ref.devnetCpuPercent : undefined
  const key = `B9.n${s.nodes}`
  return [
    figure({
      key: `${key}.ready`,
      label: `${s.nodes} nodes: spawn until every node has a peer and a routing entry`,
      unit: 's',
      better: 'lower',
      ours: s.readyMs !== null ? s.readyMs / 1000 : null,
      baseline: base(ref?.readyMs != null ? ref.readyMs / 1000 : undefined),
      baselineLabel,
    }),
    figure({
      key: `${key}.rss-node`,
      label: `${s.nodes} nodes: RSS per node (mean)`,
      unit: 'MiB',
      better: 'lower',
      ours: mean(s.nodeRssMiB),
      baseline: base(ref !== undefined ? mean(ref.nodeRssMiB) : undefined),
      baselineLabel,
      samples: { ours: s.nodeRssMiB.map((v) => round(v, 1)) },
    }),
    figure({
      key: `${key}.rss-all`,
      label: `${s.nodes} nodes: RSS of all nodes and the devnet process`,
      unit: 'MiB',
      better: 'lower',
      ours: rssAll,
      baseline: base(refRssAll),
      baselineLabel,
    }),
    figure({
      key: `${key}.cpu-all`,
      label: `${s.nodes} nodes: idle CPU of all nodes and the devnet process (${IDLE_WINDOW_MS / 1000} s window)`,
      unit: '% of a core',
      better: 'lower',
      ours: cpuAll,
      baseline: base(refCpuAll),
      baselineLabel,
      samples: { ours: s.nodeCpuPercent.map((v) => round(v, 2)) },
    }),
    figure({
      key: `${key}.cpu-node1`,
      label: `${s.nodes} nodes: idle CPU of node 1 (the bootstrap of all)`,
      unit: '% of a core',
      better: 'lower',
      ours: s.nodeCpuPercent[0] ?? null,
      baseline: base(ref?.nodeCpuPercent[0]),
      baselineLabel,
    }),
    figure({
      key: `${key}.scrape-mean`,
      label: `${s.nodes} nodes: Prometheus scrape_duration_seconds, mean over targets`,
      unit: 'ms',
      better: 'lower',
      ours: s.scrapeMs.length > 0 ? mean(s.scrapeMs) : null,
      baseline: base(ref !== undefined && ref.scrapeMs.length > 0 ? mean(ref.scrapeMs) : undefined),
      baselineLabel,
      samples: { ours: s.scrapeMs.map((v) => round(v, 2)) },
    }),
    figure({
      key: `${key}.scrape-max`,
      label: `${s.nodes} nodes: Prometheus scrape_duration_seconds, max over targets`,
      unit: 'ms',
      better: 'lower',
      ours: s.scrapeMs.length > 0 ? Math.max(...s.scrapeMs) : null,
      baseline: base(
        ref !== undefined && ref.scrapeMs.length > 0 ? Math.max(...ref.scrapeMs) : undefined,
      ),
      baselineLabel,
    }),
  ]
}

export const b9Devnet: Benchmark = {
  id: 'B9',
  title: 'Devnet at scale',
  async run({ quick, log }) {
    const sizes = quick ? [3, 6] : [10, 25, 50]
    const dirs = new TempDirs()
    const done: SizeResult[] = []
    const notes: string[] = []
    try {
      for (const n of sizes) {
        const dir = await dirs.make('wes-bench-b9-')
        try {
          const result = await measureSize(n, dir, log)
          done.push(result)
          notes.push(
            `${n} nodes: table after ${(result.tableMs / 1000).toFixed(1)} s, ` +
              (result.readyMs !== null
                ? `all ready after ${(result.readyMs / 1000).toFixed(1)} s; `
                : `${result.nodesReady} of ${n} with a peer and a routing entry after ${READY_DEADLINE_MS / 1000} s ` +
                  `(not: ${result.notReady.join(', ')}, as peers/routing entries at the last poll); `) +
              `node 1 holds ${result.node1Peers} peers, RSS ${result.nodeRssMiB[0]?.toFixed(1)} MiB, idle CPU ${result.nodeCpuPercent[0]?.toFixed(2)}% ` +
              `(other nodes: RSS ${mean(result.nodeRssMiB.slice(1)).toFixed(1)} MiB, CPU ${mean(result.nodeCpuPercent.slice(1)).toFixed(2)}% on average); ` +
              `devnet process RSS ${result.devnetRssMiB.toFixed(1)} MiB, CPU ${result.devnetCpuPercent.toFixed(2)}%; ` +
              `Prometheus RSS ${result.prometheusRssMiB?.toFixed(1) ?? 'n/a'} MiB, CPU ${result.prometheusCpuPercent?.toFixed(2) ?? 'n/a'}%; ` +
              `node 1's scrape ${result.node1ScrapeMs?.toFixed(2) ?? 'n/a'} ms; load average ${result.loadAtReady.toFixed(2)} when ready, ${result.loadAtEnd.toFixed(2)} at the end.`,
          )
        } catch (error) {
          notes.push(`${n} nodes failed: ${(error as Error).message}`)
          log(`B9 ${n} nodes failed: ${(error as Error).message}`)
          break // a larger devnet will not start where this one did not
        } finally {
          await dirs.removeAll()
        }
      }
    } finally {
      await dirs.removeAll()
    }
    const ref = done[0]
    notes.unshift(growthMarkdown(growthTable(done)))
    const figures = done.flatMap((s) => msFigures(s, ref))
    // a size that did not start is a failed run, with what the smaller sizes measured kept
    return done.length < sizes.length
      ? {
          figures,
          notes,
          error: `measured ${done.length} of ${sizes.length} sizes (${sizes.join(', ')} nodes)`,
        }
      : { figures, notes }
  },
}
