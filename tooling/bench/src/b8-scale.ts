/**
 * B8 scale: 1,000 peers connected at once to `wes-node start` and, in the same run, to a bare
 * libp2p node (tcp, noise, yamux, identify, ping; no metrics). The peers run in worker processes,
 * each dialling both subjects from its own 127.0.x.y address and announcing an agent and a
 * protocol of its own. Measured on the subjects, each in a process of its own with the probe
 * preloaded: `/metrics` series and render time (against the same node with 10 peers), the verbose
 * peers JSON at limit 100 and 1,000 (against a bare Koa route answering the same JSON), V8 heap
 * per connection and event-loop delay (against the bare libp2p node with the same peers).
 */

import { startBareKoa } from './lib/bare-koa.js'
import { rssBytes } from './lib/child.js'
import { figure } from './lib/figure.js'
import { startScaleSwarm } from './lib/scale-swarm.js'
import type { ScaleSwarm } from './lib/scale-swarm.js'
import { Scraper } from './lib/scraper.js'
import { ACTIVITY_FAMILIES, seriesByFamily, seriesChanges, seriesCount } from './lib/series.js'
import { interleaved, median, percentile } from './lib/stats.js'
import { SubjectProcess } from './lib/subject-process.js'
import type { ProbeReport } from './lib/subject-process.js'
import { TempDirs, httpGet, keepAliveAgent, round, sleep, waitFor } from './lib/util.js'
import type { HttpResult } from './lib/util.js'
import { readdir } from 'node:fs/promises'
import type { Agent } from 'node:http'
import { getPriority, setPriority } from 'node:os'
import type { Benchmark } from './lib/types.js'

/** Peers of the small set that `/metrics` at full size is compared with. */
const FEW = 10
/** The pause between two timed /metrics requests: renders one after another, as scrapes come. */
const SCRAPE_GAP_MS = 20
const KiB = 1024
/** Bound on one request: a page of 1,000 peers is read from the peer store, peer by peer. */
const REQUEST_TIMEOUT_MS = 30_000

/** Requests sent again after a reset: see {@link get}. */
let resets = 0

/**
 * One GET, bounded; a keep-alive socket the server closed as the request left (ECONNRESET) is
 * retried once on a new socket, as Prometheus would scrape again. Errors name the URL.
 */
async function get(url: string, agent?: Agent): Promise<HttpResult> {
  try {
    return await httpGet(url, agent, REQUEST_TIMEOUT_MS)
  } catch (err) {
    if ((err as { code?: string }).code === 'ECONNRESET') {
      resets++
      return httpGet(url, agent, REQUEST_TIMEOUT_MS)
    }
    throw new Error(`GET ${url}: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    })
  }
}

/** `count` sequential GETs of `url` over `agent`; milliseconds each. Throws on a non-200. */
async function timeRequests(
  url: string,
  agent: Agent,
  count: number,
  gapMs = 0,
): Promise<number[]> {
  const out: number[] = []
  for (let i = 0; i < count; i++) {
    if (gapMs > 0 && i > 0) await sleep(gapMs)
    const start = performance.now()
    const { status } = await get(url, agent)
    out.push(performance.now() - start)
    if (status !== 200) throw new Error(`GET ${url} answered ${status}`)
  }
  return out
}

/** Waits until every subject counts `count` connected peers (they redial what closes). */
async function subjectsHold(subjects: SubjectProcess[], count: number): Promise<void> {
  let counts: number[] = []
  try {
    await waitFor(
      async () => {
        counts = await Promise.all(subjects.map(async (s) => s.peers()))
        return counts.every((n) => n >= count)
      },
      `${count} peers on every subject`,
      { timeoutMs: 60_000, intervalMs: 500 },
    )
  } catch (err) {
    throw new Error(
      `${err instanceof Error ? err.message : String(err)} (they hold ${counts.join(', ')})`,
      { cause: err },
    )
  }
}

/**
 * Lowers every thread of process `pid` to the lowest priority (nice 19) until the returned
 * function restores what each had; undefined (and nothing changed) when this process may not
 * restore a priority (raising one back needs CAP_SYS_NICE, which root has).
 */
async function yieldCores(pid: number | undefined): Promise<(() => Promise<void>) | undefined> {
  if (pid === undefined) return undefined
  let tids: number[]
  try {
    tids = (await readdir(`/proc/${pid}/task`)).map(Number)
  } catch {
    return undefined
  }
  const before = new Map<number, number>()
  for (const tid of tids) {
    try {
      before.set(tid, getPriority(tid))
    } catch {
      // a thread that ended meanwhile
    }
  }
  // can we undo it? try on the first thread before touching the rest
  const [first] = before
  if (first === undefined) return undefined
  try {
    setPriority(first[0], 19)
    setPriority(first[0], first[1])
  } catch {
    return undefined
  }
  for (const tid of before.keys()) {
    try {
      setPriority(tid, 19)
    } catch {
      before.delete(tid)
    }
  }
  return async () => {
    for (const [tid, priority] of before) {
      try {
        setPriority(tid, priority)
      } catch {
        // a thread that ended meanwhile
      }
    }
  }
}

/** Each render's time less the part its thread waited for a core. */
function running(renders: ProbeReport['renders']): number[] {
  return renders.ms.map((ms, i) => ms - (renders.waitedMs[i] ?? 0))
}

/** The `count` slowest renders as `whole / waited` ms. */
function slowest(renders: ProbeReport['renders'], count: number): string {
  return renders.ms
    .map((ms, i) => [ms, renders.waitedMs[i] ?? Number.NaN] as const)
    .sort((a, b) => b[0] - a[0])
    .slice(0, count)
    .map(([ms, waited]) => `${round(ms, 1)} / ${round(waited, 1)}`)
    .join(', ')
}

/** `n (longest x ms)` of the GC pause milliseconds inside each request. */
function gcShare(gcMs: readonly number[]): string {
  const held = gcMs.filter((ms) => ms > 0)
  return held.length === 0 ? 'none' : `${held.length} (longest ${round(Math.max(...held), 1)} ms)`
}

export const b8Scale: Benchmark = {
  id: 'B8',
  title: 'Scale: 1,000 peers',
  async run({ quick, log }) {
    const peers = quick ? 250 : 1_000
    const requests = quick ? 60 : 200
    const settleMs = quick ? 2_000 : 4_000
    // one ping period (every connection pinged once every 10 s)
    const windowMs = 10_000
    const rounds = quick ? 1 : 3
    const dirs = new TempDirs()
    const init = { maxConnections: peers + 200 }
    const ours = await SubjectProcess.start('wes-node', await dirs.make(), init)
    const swarms: ScaleSwarm[] = []
    let bareProcess: SubjectProcess | undefined
    try {
      const bare = await SubjectProcess.start('bare-libp2p', await dirs.make(), init)
      bareProcess = bare
      const base = ours.diagnosticsUrl ?? ''
      const targets = [ours.listenAddr, bare.listenAddr]
      await sleep(settleMs)
      const idle = {
        ours: (await ours.probe('report', { gc: true })).memory,
        bare: (await bare.probe('report', { gc: true })).memory,
        oursRss: await rssBytes(ours.child.pid),
        bareRss: await rssBytes(bare.child.pid),
      }

      // each subject is measured alone in time, the other at the lowest priority (yieldCores)
      let yielded = true
      /** Whether the bare node's ping rounds skipped every window of wes-node (workers/bare-node.ts). */
      let roundsPaused = true
      const alone = async (
        subject: SubjectProcess,
        other: SubjectProcess,
        during: () => Promise<void>,
      ): Promise<ProbeReport> => {
        const restore = await yieldCores(other.child.process.pid)
        if (restore === undefined) yielded = false
        // the bare node's ping round would make the peers answer 1,000 pings at once meanwhile
        // (workers/bare-node.ts); wes-node's monitor pings a hundredth of them every 100 ms
        const pause = other.kind === 'bare-libp2p'
        if (pause) {
          const answer = await other.ask<{ paused?: boolean }>('monitor', { paused: true })
          if (answer.paused !== true) roundsPaused = false
        }
        try {
          await subject.probe('reset')
          await during()
          return await subject.probe('report')
        } finally {
          if (pause) await other.ask('monitor', { paused: false })
          await restore?.()
        }
      }

      // 10 peers: the series and render time the full set is compared with
      swarms.push(await startScaleSwarm({ targets, count: FEW, workers: 1, timeoutMs: 60_000 }))
      await subjectsHold([ours, bare], FEW)
      await sleep(1_000)
      const fewAgent = keepAliveAgent()
      const fewText = (await get(`${base}/metrics`, fewAgent)).body
      let fewMetricsMs: number[] = []
      const fewReport = await alone(ours, bare, async () => {
        fewMetricsMs = await timeRequests(`${base}/metrics`, fewAgent, requests, SCRAPE_GAP_MS)
      })
      const fewServedMs = fewReport.served['/metrics'] ?? []
      const fewServedGcMs = fewReport.servedGc['/metrics'] ?? []
      const fewRenders = fewReport.renders
      // the server closes an idle keep-alive socket after 5 s: no agent waits for the rest
      fewAgent.destroy()

      const connectStart = performance.now()
      swarms.push(
        await startScaleSwarm({
          targets,
          count: peers - FEW,
          firstIndex: FEW,
          workers: 4,
          // the set-up is not measured (its time is reported): a loaded machine may take minutes
          timeoutMs: quick ? 240_000 : 480_000,
          log,
        }),
      )
      await subjectsHold([ours, bare], peers)
      const connectMs = performance.now() - connectStart
      log(`B8 ${peers} peers connected to both subjects in ${Math.round(connectMs)} ms`)
      await sleep(settleMs)
      const loaded = {
        ours: (await ours.probe('report', { gc: true })).memory,
        bare: (await bare.probe('report', { gc: true })).memory,
        oursRss: await rssBytes(ours.child.pid),
        bareRss: await rssBytes(bare.child.pid),
        // a ping that timed out may have closed a connection the swarm has not dialled again yet
        oursPeers: await ours.peers(),
        barePeers: await bare.peers(),
      }

      // /metrics and the verbose peers page, ours and the bare route, in alternating blocks
      const agent = keepAliveAgent()
      const manyText = (await get(`${base}/metrics`, agent)).body
      // /metrics first and on its own, paced as scrapes: the verbose pages leave megabytes of
      // garbage per request, whose collection would otherwise land in the renders after them
      let metricsMs: number[] = []
      const { served, servedGc, renders } = await alone(ours, bare, async () => {
        metricsMs = await timeRequests(`${base}/metrics`, agent, requests, SCRAPE_GAP_MS)
      })
      const peersUrl = (limit: number): string => `${base}/debug/p2p/peers?verbose=1&limit=${limit}`
      const bodies = {
        100: JSON.parse((await get(peersUrl(100), agent)).body) as {
          total?: number
        },
        1000: JSON.parse((await get(peersUrl(1_000), agent)).body) as {
          total?: number
        },
      }
      const sizes = {
        100: JSON.stringify(bodies[100]).length,
        1000: JSON.stringify(bodies[1000]).length,
      }
      const koa100 = await startBareKoa(() => bodies[100])
      const koa1000 = await startBareKoa(() => bodies[1000])
      const bareAgent = keepAliveAgent()
      const times = {
        metrics: metricsMs,
        peers100: [] as number[],
        peers1000: [] as number[],
        bare100: [] as number[],
        bare1000: [] as number[],
      }
      try {
        const blocks = 10
        const per = Math.ceil(requests / blocks)
        for (let block = 0; block < blocks; block++) {
          const steps = [
            async () => times.peers100.push(...(await timeRequests(peersUrl(100), agent, per))),
            async () => times.bare100.push(...(await timeRequests(koa100.url, bareAgent, per))),
            async () =>
              times.peers1000.push(...(await timeRequests(peersUrl(1_000), agent, per / 2))),
            async () =>
              times.bare1000.push(...(await timeRequests(koa1000.url, bareAgent, per / 2))),
          ]
          for (const step of block % 2 === 0 ? steps : steps.reverse()) await step()
        }
      } finally {
        bareAgent.destroy()
        agent.destroy()
        await Promise.all([koa100.stop(), koa1000.stop()])
      }

      // event-loop delay: each window measures ours (scraped every second, or not), then the bare
      // node for as long, each while the other subject runs at the lowest priority (yieldCores)
      const reports: Record<'scraped' | 'quiet', { ours: ProbeReport; bare: ProbeReport }[]> = {
        scraped: [],
        quiet: [],
      }
      const scrapeLatencies: number[] = []
      const window = async (scraped: boolean): Promise<number> => {
        const o = await alone(ours, bare, async () => {
          const scraper = new Scraper([base])
          if (scraped) scraper.start()
          await sleep(windowMs)
          scraper.stop()
          scrapeLatencies.push(...scraper.latenciesMs)
        })
        const b = await alone(bare, ours, async () => sleep(windowMs))
        reports[scraped ? 'scraped' : 'quiet'].push({ ours: o, bare: b })
        return o.eventLoop.p99Ms
      }
      await interleaved(
        rounds,
        { scraped: async () => window(true), quiet: async () => window(false) },
        (variant, r) => {
          const last = reports[variant].at(-1)
          if (last === undefined) return
          log(
            `B8 round ${r + 1}/${rounds} ${variant}: event-loop delay p99 (less waits for a core) ` +
              `wes-node ${round(last.ours.eventLoop.p99Ms, 2)} (${round(last.ours.eventLoopRunning.p99Ms, 2)}), ` +
              `bare ${round(last.bare.eventLoop.p99Ms, 2)} (${round(last.bare.eventLoopRunning.p99Ms, 2)}) ms`,
          )
        },
      )

      const pick = (
        kind: 'scraped' | 'quiet',
        who: 'ours' | 'bare',
        field: 'p99Ms' | 'maxMs',
        measure: 'eventLoop' | 'eventLoopRunning' = 'eventLoop',
      ): number => median(reports[kind].map((r) => r[who][measure][field]))
      const perConnection = (before: number, after: number, held: number): number =>
        (after - before) / held / KiB
      const fewSeries = seriesByFamily(fewText)
      const manySeries = seriesByFamily(manyText)
      const changes = seriesChanges(fewSeries, manySeries)
      const libp2pSeries = (series: Map<string, number>): number =>
        [...series]
          .filter(([family]) => family.startsWith('libp2p_'))
          .reduce((s, [, n]) => s + n, 0)
      const p = (xs: number[], q: number): number => percentile(xs, q)
      const byPeers = (family: string): boolean => !ACTIVITY_FAMILIES.includes(family)
      /** One entry per window, scraped ones first, each named by its kind. */
      const perWindow = (
        describe: (r: { ours: ProbeReport; bare: ProbeReport }) => string,
      ): string =>
        [...reports.scraped, ...reports.quiet]
          .map((r, i) => `${i < reports.scraped.length ? 'scraped' : 'quiet'} ${describe(r)}`)
          .join('; ')
      const peerStrings = /wes-bench-peer|\/wes-bench\/peer-/.test(manyText)

      return {
        figures: [
          figure({
            key: 'B8.metrics-series',
            label: `/metrics series, ${peers} peers with ${peers} agents and protocols (activity-filled families aside)`,
            unit: '',
            better: 'lower',
            ours: seriesCount(manyText, byPeers),
            baseline: seriesCount(fewText, byPeers),
            baselineLabel: `same node, ${FEW} peers`,
            targets: [{ subject: 'ratio', op: '<=', limit: 1 }],
          }),
          figure({
            key: 'B8.metrics-series-all',
            label: `/metrics series, all families, ${peers} peers`,
            unit: '',
            better: 'lower',
            ours: seriesCount(manyText),
            baseline: seriesCount(fewText),
            baselineLabel: `same node, ${FEW} peers`,
          }),
          figure({
            key: 'B8.metrics-render-p99',
            label: `/metrics render p99 (in the node: every collect and the text, on its tracing channel), ${peers} peers`,
            unit: 'ms',
            better: 'lower',
            ours: p(renders.ms, 99),
            baseline: p(fewRenders.ms, 99),
            baselineLabel: `same node, ${FEW} peers`,
          }),
          figure({
            key: 'B8.metrics-render-running-p99',
            label: `/metrics render p99 less its waits for a core (the thread's run delay), ${peers} peers`,
            unit: 'ms',
            better: 'lower',
            ours: p(running(renders), 99),
            baseline: p(running(fewRenders), 99),
            baselineLabel: `same node, ${FEW} peers`,
            targets: [{ subject: 'value', op: '<', limit: 10 }],
          }),
          figure({
            key: 'B8.metrics-served-p99',
            label: `/metrics served p99 (in the node, request start to response end), ${peers} peers`,
            unit: 'ms',
            better: 'lower',
            ours: p(served['/metrics'] ?? [], 99),
            baseline: p(fewServedMs, 99),
            baselineLabel: `same node, ${FEW} peers`,
          }),
          figure({
            key: 'B8.metrics-p99',
            label: `/metrics HTTP p99 (from the benchmark process), ${peers} peers`,
            unit: 'ms',
            better: 'lower',
            ours: p(times.metrics, 99),
            baseline: p(fewMetricsMs, 99),
            baselineLabel: `same node, ${FEW} peers`,
          }),
          figure({
            key: 'B8.peers-verbose-100-p99',
            label: `/debug/p2p/peers?verbose=1&limit=100 HTTP p99, ${peers} peers`,
            unit: 'ms',
            better: 'lower',
            ours: p(times.peers100, 99),
            baseline: p(times.bare100, 99),
            baselineLabel: 'bare Koa route, same JSON',
          }),
          figure({
            key: 'B8.peers-verbose-1000-p99',
            label: `/debug/p2p/peers?verbose=1&limit=1000 HTTP p99, ${peers} peers`,
            unit: 'ms',
            better: 'lower',
            ours: p(times.peers1000, 99),
            baseline: p(times.bare1000, 99),
            baselineLabel: 'bare Koa route, same JSON',
          }),
          figure({
            key: 'B8.heap-per-connection',
            label: 'V8 heap used per connection, after a full GC',
            unit: 'KiB',
            better: 'lower',
            ours: perConnection(idle.ours.heapUsed, loaded.ours.heapUsed, loaded.oursPeers),
            baseline: perConnection(idle.bare.heapUsed, loaded.bare.heapUsed, loaded.barePeers),
            baselineLabel: 'bare libp2p, same peers',
          }),
          figure({
            key: 'B8.rss-per-connection',
            label: 'RSS per connection',
            unit: 'KiB',
            better: 'lower',
            ours: perConnection(idle.oursRss, loaded.oursRss, loaded.oursPeers),
            baseline: perConnection(idle.bareRss, loaded.bareRss, loaded.barePeers),
            baselineLabel: 'bare libp2p, same peers',
          }),
          figure({
            key: 'B8.event-loop-p99',
            label: `event-loop delay p99, ${peers} peers, scraped every second`,
            unit: 'ms',
            better: 'lower',
            ours: pick('scraped', 'ours', 'p99Ms'),
            baseline: pick('scraped', 'bare', 'p99Ms'),
            baselineLabel: 'bare libp2p, same peers, windows alternating',
            targets: [{ subject: 'value', op: '<', limit: 20 }],
            samples: {
              ours: reports.scraped.map((r) => round(r.ours.eventLoop.p99Ms, 2)),
              baseline: reports.scraped.map((r) => round(r.bare.eventLoop.p99Ms, 2)),
            },
          }),
          figure({
            key: 'B8.event-loop-running-p99',
            label: `event-loop delay p99 less the waits for a core (the thread's run delay), ${peers} peers, scraped every second`,
            unit: 'ms',
            better: 'lower',
            ours: pick('scraped', 'ours', 'p99Ms', 'eventLoopRunning'),
            baseline: pick('scraped', 'bare', 'p99Ms', 'eventLoopRunning'),
            baselineLabel: 'bare libp2p, same peers, windows alternating',
            samples: {
              ours: reports.scraped.map((r) => round(r.ours.eventLoopRunning.p99Ms, 2)),
              baseline: reports.scraped.map((r) => round(r.bare.eventLoopRunning.p99Ms, 2)),
            },
          }),
          figure({
            key: 'B8.event-loop-p99-quiet',
            label: `event-loop delay p99, ${peers} peers, not scraped`,
            unit: 'ms',
            better: 'lower',
            ours: pick('quiet', 'ours', 'p99Ms'),
            baseline: pick('quiet', 'bare', 'p99Ms'),
            baselineLabel: 'bare libp2p, same peers, windows alternating',
          }),
          figure({
            key: 'B8.event-loop-max',
            label: `event-loop delay max, ${peers} peers, scraped every second`,
            unit: 'ms',
            better: 'lower',
            ours: pick('scraped', 'ours', 'maxMs'),
            baseline: pick('scraped', 'bare', 'maxMs'),
            baselineLabel: 'bare libp2p, same peers, windows alternating',
          }),
        ],
        notes: [
          `Both subjects run at once, each in a process of its own with the probe preloaded: wes-node start ` +
            `(mDNS off, --max-connections ${init.maxConnections}) and a bare libp2p node with the same limit. ` +
            `${peers} peers in 4 worker processes (plus one for the first ${FEW}) dial both, each from its own ` +
            `127.0.x.y address, announcing the agent wes-bench-peer/<i> and serving /wes-bench/peer-<i>/1.0.0; ` +
            `they connected in ${round(connectMs / 1000, 1)} s. Each subject pings every peer every 10 s: wes-node ` +
            `a hundredth of its connections every 100 ms (its own monitor), the bare node all of them in one timer ` +
            `tick (libp2p's connection monitor); the peers answer but run no monitor of their ` +
            `own (go-libp2p and rust-libp2p peers do not ping by default either), and dial again any connection ` +
            `that closes.`,
          `Series: ${seriesCount(fewText)} with ${FEW} peers and ${seriesCount(manyText)} with ${peers} ` +
            `(libp2p_* ${libp2pSeries(fewSeries)} and ${libp2pSeries(manySeries)}); ` +
            `${peerStrings ? '**a peer’s agent or protocol appears in /metrics**' : 'no peer’s agent or protocol appears in /metrics'}; ` +
            (Object.keys(changes).length === 0
              ? 'no family changed.'
              : `families that changed (${FEW} → ${peers} peers): ${Object.entries(changes)
                  .map(([family, [a, b]]) => `${family} ${a} → ${b}`)
                  .join(', ')}.`) +
            ` /metrics body ${fewText.length} bytes with ${FEW} peers, ${manyText.length} with ${peers}.`,
          `/metrics renders (every collect and the text, timed on the route's tracing channel) in p50 ` +
            `${round(p(renders.ms, 50), 2)} ms, p99 ${round(p(renders.ms, 99), 2)} ms, max ` +
            `${round(Math.max(0, ...renders.ms), 2)} ms with ${peers} peers (${FEW} peers: p50 ` +
            `${round(p(fewRenders.ms, 50), 2)}, p99 ${round(p(fewRenders.ms, 99), 2)}); the slowest five took ` +
            `${slowest(renders, 5)} ms (whole / waiting for a core: the thread's run delay from ` +
            `/proc/thread-self/schedstat, read at both ends of each render).`,
          `Served (the probe times each request from its start to the response's end in the node, HTTP ` +
            `parsing and the socket write included) p50 ${round(p(served['/metrics'] ?? [], 50), 2)} ms, p99 ` +
            `${round(p(served['/metrics'] ?? [], 99), 2)} ms (${FEW} peers: ${round(p(fewServedMs, 50), 2)}, ` +
            `${round(p(fewServedMs, 99), 2)}); over HTTP from the benchmark process p50 ` +
            `${round(p(times.metrics, 50), 2)} ms (${round(p(fewMetricsMs, 50), 2)} ms with ${FEW}). Verbose peers p50 ${round(p(times.peers100, 50), 2)} ms at limit 100 ` +
            `(${sizes[100]} bytes; bare route ${round(p(times.bare100, 50), 2)} ms) and ` +
            `${round(p(times.peers1000, 50), 2)} ms at limit 1,000 (${sizes[1000]} bytes; bare route ` +
            `${round(p(times.bare1000, 50), 2)} ms); total ${bodies[1000].total ?? 'n/a'}. Requests run one at ` +
            `a time over keep-alive from the benchmark process: first ${times.metrics.length} /metrics ` +
            `${SCRAPE_GAP_MS} ms apart, on their own and with the bare node at the lowest priority` +
            `${roundsPaused ? ' and its ping rounds paused' : ''} (as ` +
            `${fewMetricsMs.length} with ${FEW} peers before the rest connected), then the peers pages in 10 ` +
            `blocks alternating their order, ${times.peers100.length} and ${times.peers1000.length} per variant ` +
            `(a 1,000-peer page leaves megabytes of garbage, whose collection would otherwise land in the ` +
            `renders after it); ${resets} request(s) sent again after the server had closed their keep-alive ` +
            `socket. /metrics requests with a GC pause inside: ${gcShare(servedGc['/metrics'] ?? [])} with ` +
            `${peers} peers, ${gcShare(fewServedGcMs)} with ${FEW}.`,
          `Memory: heap used after two full GCs, idle and ${settleMs / 1000} s after the last peer connected ` +
            `(then holding ${loaded.oursPeers} and ${loaded.barePeers} peers; per connection divides by those): ` +
            `wes-node ${round(idle.ours.heapUsed / 2 ** 20, 1)} → ${round(loaded.ours.heapUsed / 2 ** 20, 1)} MiB, ` +
            `bare ${round(idle.bare.heapUsed / 2 ** 20, 1)} → ${round(loaded.bare.heapUsed / 2 ** 20, 1)} MiB; RSS ` +
            `wes-node ${round(idle.oursRss / 2 ** 20, 1)} → ${round(loaded.oursRss / 2 ** 20, 1)} MiB, bare ` +
            `${round(idle.bareRss / 2 ** 20, 1)} → ${round(loaded.bareRss / 2 ** 20, 1)} MiB.`,
          `Event loop: ${rounds} round(s) of a ${windowMs / 1000} s window with wes-node scraped every second ` +
            `(/metrics, /debug/p2p/stats, /debug/p2p/health) and one without, interleaved; each window of ` +
            `wes-node is followed by one of the bare node as long, with the same peers, and ` +
            (yielded
              ? `during each the other subject ran at the lowest priority (nice 19, every thread), so that ` +
                `neither is measured in the other's bursts (the bare node's ping round holds a core for a ` +
                `second every 10 s, and its peers answer 1,000 pings at once); the swarm's workers and the ` +
                `benchmark keep their priority, so ` +
                (roundsPaused
                  ? `during wes-node's windows the bare node's connection monitor also skipped its rounds ` +
                    `(its timer kept its phase: each window of the bare node holds one whole round). `
                  : `**the bare node's connection monitor could not be paused (workers/bare-node.ts did not ` +
                    `find it), so its rounds fell in wes-node's windows too**. `) +
                `wes-node's monitor cannot be paused from outside: during the bare node's ` +
                `windows it kept pinging a hundredth of its peers every 100 ms. Scrape p99 `
              : `**the other subject could not be lowered in priority (not permitted to restore it), so each ` +
                `was measured beside the other's bursts**. Scrape p99 `) +
            `${round(p(scrapeLatencies, 99), 2)} ms over ${scrapeLatencies.length} requests. Per window, max ` +
            `event-loop delay / longest GC pause, wes-node and bare: ${perWindow(
              (r) =>
                `${round(r.ours.eventLoop.maxMs, 1)} / ${round(r.ours.gc.maxMs, 1)} and ` +
                `${round(r.bare.eventLoop.maxMs, 1)} / ${round(r.bare.gc.maxMs, 1)}`,
            )} ms. GC per window, pauses and their total, wes-node and bare: ${perWindow(
              (r) =>
                `${r.ours.gc.count} / ${round(r.ours.gc.totalMs, 0)} ms and ` +
                `${r.bare.gc.count} / ${round(r.bare.gc.totalMs, 0)} ms`,
            )}.`,
        ],
      }
    } finally {
      await Promise.all(swarms.splice(0).map(async (swarm) => swarm.stop()))
      await Promise.all([ours.stop(), bareProcess?.stop()])
      await dirs.removeAll()
    }
  },
}
