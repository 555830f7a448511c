/**
 * B2 scrape cost: how long `/metrics` and `/debug/p2p/stats` take to render with 0, 50 and 200
 * real libp2p peers connected to the subject. `/metrics` is rendered in-process as the route
 * renders it (`renderExposition()` of the registry the runtime `wes-node start` composes: the
 * node's metrics, libp2p's and the runtime `process_*`/`nodejs_*` metrics, about 300 series)
 * against prom-client's own `registry.metrics()` of a frozen copy: the same series with the same
 * values, nothing to collect, so the ratio is what collecting costs beyond formatting (and what
 * our writer saves against prom-client's). The runtime metrics' own
 * cost (issue #14) is the same live registry rendered with and without them, side by side. The
 * stats route is an in-process keep-alive HTTP request to the diagnostics server, against a bare
 * Koa route answering the same JSON.
 */

import { PROCESS_METRICS, renderExposition } from '@wes/diagnostics'
import { Registry } from 'prom-client'
import type { Metric } from 'prom-client'
import { startBareKoa } from './lib/bare-koa.js'
import { figure } from './lib/figure.js'
import { PeerSwarm } from './lib/nodes.js'
import { seriesCount } from './lib/series.js'
import { createSubjectRuntime } from './lib/subject.js'
import { median, percentile } from './lib/stats.js'
import {
  TempDirs,
  collectGarbage,
  httpGet,
  keepAliveAgent,
  round,
  sleep,
  waitFor,
} from './lib/util.js'
import type { Figure } from './lib/types.js'
import type { Benchmark } from './lib/types.js'

const PEER_COUNTS = [0, 50, 200] as const

/**
 * A registry that renders what `source` renders now, every series and value (histograms too),
 * with nothing to collect: each metric hands prom-client the values it read once.
 */
async function frozenCopy(source: Registry): Promise<Registry> {
  const copy = new Registry()
  for (const values of await source.getMetricsAsJSON()) {
    const frozen = { name: values.name, get: async () => values }
    copy.registerMetric(frozen as unknown as Metric)
  }
  return copy
}

/** The same live metric objects as `source`, those whose name `keep` accepts. */
function liveSubset(source: Registry, keep: (name: string) => boolean): Registry {
  const subset = new Registry()
  for (const metric of source.getMetricsAsArray()) {
    const { name } = metric as unknown as { name: string }
    if (keep(name)) subset.registerMetric(metric as unknown as Metric)
  }
  return subset
}

/** `/metrics` in the text format, as the route writes it. */
const render = (registry: Registry): Promise<string> => renderExposition(registry, 'prometheus')

const isRuntimeMetric = (name: string): boolean => Object.hasOwn(PROCESS_METRICS, name)

async function timeAsync(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now()
  await fn()
  return (performance.now() - start) * 1000
}

export const b2ScrapeCost: Benchmark = {
  id: 'B2',
  title: 'Scrape cost',
  async run({ quick, log }) {
    const renders = quick ? 400 : 3000
    const requests = quick ? 200 : 1500
    const blocks = 10
    const dirs = new TempDirs()
    const runtime = await createSubjectRuntime(await dirs.make())
    const swarm = new PeerSwarm()
    const figures: Figure[] = []
    const notes: string[] = []
    try {
      await runtime.start()
      const listen = runtime.node.getMultiaddrs()[0] ?? ''
      const diagnosticsUrl = runtime.diagnostics?.url ?? ''
      const agent = keepAliveAgent()

      for (const peers of PEER_COUNTS) {
        const setupStart = performance.now()
        await swarm.grow(peers - swarm.peers.length, listen)
        await waitFor(
          () => runtime.node.snapshot().peerIds.length === peers,
          `${peers} peers on the subject`,
          {
            timeoutMs: 60_000,
          },
        )
        log(`B2 ${peers} peers connected in ${Math.round(performance.now() - setupStart)} ms`)
        await sleep(1_000)

        const bare = await frozenCopy(runtime.registry)
        // /metrics without the runtime metrics, and the runtime metrics alone: the same objects
        const withoutRuntime = liveSubset(runtime.registry, (name) => !isRuntimeMetric(name))
        const runtimeOnly = liveSubset(runtime.registry, isRuntimeMetric)
        const [oursText, bareText, withoutRuntimeText, runtimeText] = await Promise.all([
          render(runtime.registry),
          bare.metrics(),
          render(withoutRuntime),
          render(runtimeOnly),
        ])
        const statsBody = JSON.parse(
          (await httpGet(`${diagnosticsUrl}/debug/p2p/stats`, agent)).body,
        ) as object
        const koa = await startBareKoa(() => statsBody)
        const bareAgent = keepAliveAgent()
        const samples = {
          ours: [] as number[],
          bare: [] as number[],
          withoutRuntime: [] as number[],
          runtimeOnly: [] as number[],
          oursStats: [] as number[],
          bareStats: [] as number[],
        }
        try {
          for (let block = 0; block < blocks; block++) {
            collectGarbage()
            const steps = [
              async () => {
                for (let i = 0; i < renders / blocks; i++)
                  samples.ours.push(await timeAsync(() => render(runtime.registry)))
              },
              async () => {
                for (let i = 0; i < renders / blocks; i++)
                  samples.bare.push(await timeAsync(() => bare.metrics()))
              },
              async () => {
                for (let i = 0; i < renders / blocks; i++)
                  samples.withoutRuntime.push(await timeAsync(() => render(withoutRuntime)))
              },
              async () => {
                for (let i = 0; i < renders / blocks; i++)
                  samples.runtimeOnly.push(await timeAsync(() => render(runtimeOnly)))
              },
              async () => {
                for (let i = 0; i < requests / blocks; i++) {
                  samples.oursStats.push(
                    await timeAsync(() => httpGet(`${diagnosticsUrl}/debug/p2p/stats`, agent)),
                  )
                }
              },
              async () => {
                for (let i = 0; i < requests / blocks; i++) {
                  samples.bareStats.push(
                    await timeAsync(() => httpGet(`${koa.url}/debug/p2p/stats`, bareAgent)),
                  )
                }
              },
            ]
            for (const step of block % 2 === 0 ? steps : steps.reverse()) await step()
          }
        } finally {
          bareAgent.destroy()
          await koa.stop()
        }

        const snapshotUs: number[] = []
        for (let i = 0; i < 500; i++) {
          const start = performance.now()
          runtime.node.snapshot()
          snapshotUs.push((performance.now() - start) * 1000)
        }

        const at200 = peers === 200
        const maxTarget = { subject: 'value' as const, op: '<' as const, limit: 5_000 }
        figures.push(
          figure({
            key: `B2.metrics-p50-${peers}`,
            label: `/metrics render p50, ${peers} peers`,
            unit: 'µs',
            better: 'lower',
            ours: percentile(samples.ours, 50),
            baseline: percentile(samples.bare, 50),
            baselineLabel: 'frozen copy, same series',
          }),
          figure({
            key: `B2.metrics-p99-${peers}`,
            label: `/metrics render p99, ${peers} peers`,
            unit: 'µs',
            better: 'lower',
            ours: percentile(samples.ours, 99),
            baseline: percentile(samples.bare, 99),
            baselineLabel: 'frozen copy, same series',
            targets: [{ subject: 'ratio', op: '<=', limit: 1.2 }, ...(at200 ? [maxTarget] : [])],
          }),
          figure({
            key: `B2.runtime-metrics-p50-${peers}`,
            label: `/metrics render p50 with the runtime metrics, ${peers} peers`,
            unit: 'µs',
            better: 'lower',
            ours: percentile(samples.ours, 50),
            baseline: percentile(samples.withoutRuntime, 50),
            baselineLabel: 'same registry without them',
          }),
          figure({
            key: `B2.runtime-metrics-series-${peers}`,
            label: `/metrics series with the runtime metrics, ${peers} peers`,
            unit: 'series',
            better: 'lower',
            ours: seriesCount(oursText),
            baseline: seriesCount(withoutRuntimeText),
            baselineLabel: 'same registry without them',
          }),
          figure({
            key: `B2.stats-p50-${peers}`,
            label: `/debug/p2p/stats HTTP p50, ${peers} peers`,
            unit: 'µs',
            better: 'lower',
            ours: percentile(samples.oursStats, 50),
            baseline: percentile(samples.bareStats, 50),
            baselineLabel: 'bare Koa route, same JSON',
          }),
          figure({
            key: `B2.stats-p99-${peers}`,
            label: `/debug/p2p/stats HTTP p99, ${peers} peers`,
            unit: 'µs',
            better: 'lower',
            ours: percentile(samples.oursStats, 99),
            baseline: percentile(samples.bareStats, 99),
            baselineLabel: 'bare Koa route, same JSON',
            targets: at200 ? [maxTarget] : [],
          }),
        )
        notes.push(
          `${peers} peers: /metrics text ${oursText.length} bytes, ${seriesCount(oursText)} series ` +
            `(frozen copy ${bareText.length} bytes); without the runtime metrics ${withoutRuntimeText.length} bytes, ` +
            `${seriesCount(withoutRuntimeText)} series; the runtime metrics alone ${runtimeText.length} bytes, ` +
            `${seriesCount(runtimeText)} series, render p50 ${round(percentile(samples.runtimeOnly, 50), 1)} µs, ` +
            `p99 ${round(percentile(samples.runtimeOnly, 99), 1)} µs (with everything: p50 ${round(percentile(samples.ours, 50), 1)} µs, ` +
            `without them ${round(percentile(samples.withoutRuntime, 50), 1)} µs); ` +
            `node.snapshot() alone p50 ${round(median(snapshotUs), 1)} µs, p99 ${round(percentile(snapshotUs, 99), 1)} µs; ` +
            `${samples.ours.length} renders and ${samples.oursStats.length} requests per variant.`,
        )
      }
      agent.destroy()
      return {
        figures,
        notes: [
          `Renders and requests run one at a time in ${blocks} interleaved blocks per variant (order reversed ` +
            'every other block); the peers are bare libp2p nodes in the same process, each dialling the subject ' +
            'from its own 127.0.x.y address (libp2p accepts at most 5 inbound connections per second per host).',
          ...notes,
        ],
      }
    } finally {
      await swarm.stop()
      await runtime.stop()
      await dirs.removeAll()
    }
  },
}
