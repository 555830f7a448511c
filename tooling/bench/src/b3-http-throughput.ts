/**
 * B3 HTTP throughput: autocannon, 50 connections, on `/debug/p2p/stats`, `/debug/p2p/health`
 * and `/metrics` of a diagnostics server whose source is a live node, against a bare Koa route
 * answering a JSON of the same shape, in the same server process. autocannon runs in a child
 * process: in the server's process it would share (and halve) the one event loop being measured.
 */

import autocannon from 'autocannon'
import { startBareKoa } from './lib/bare-koa.js'
import { spawnNode, worker } from './lib/child.js'
import { figure } from './lib/figure.js'
import { createSubjectRuntime } from './lib/subject.js'
import { interleaved, median } from './lib/stats.js'
import { TempDirs, collectGarbage, httpGet, round } from './lib/util.js'
import type { Benchmark } from './lib/types.js'

interface LoadResult {
  requestsPerSecond: number
  requests: number
  latencyP50Ms: number
  latencyP99Ms: number
  non2xx: number
  errors: number
  timeouts: number
}

const CONNECTIONS = 50

async function load(url: string, seconds: number): Promise<LoadResult> {
  const child = spawnNode([worker('load'), url, String(CONNECTIONS), String(seconds)])
  const line = await child.line(
    (l) => l.startsWith('{'),
    (seconds + 30) * 1000,
    `autocannon on ${url}`,
  )
  await child.exited
  return JSON.parse(line) as LoadResult
}

export const b3HttpThroughput: Benchmark = {
  id: 'B3',
  title: 'HTTP throughput',
  async run({ quick, log }) {
    const seconds = quick ? 3 : 10
    const rounds = quick ? 1 : 3
    const dirs = new TempDirs()
    const runtime = await createSubjectRuntime(await dirs.make())
    await runtime.start()
    const base = runtime.diagnostics?.url ?? ''
    const statsBody = JSON.parse((await httpGet(`${base}/debug/p2p/stats`)).body) as object
    const koa = await startBareKoa(() => statsBody)
    const details: Record<string, LoadResult[]> = {}
    const cpuPerRequest: Record<string, number[]> = {}
    try {
      const measure = (name: string, url: string) => async (): Promise<number> => {
        collectGarbage()
        const cpuBefore = process.cpuUsage()
        const result = await load(url, seconds)
        const cpu = process.cpuUsage(cpuBefore)
        // server CPU per request: steadier than req/s while other processes share the cores
        ;(cpuPerRequest[name] ??= []).push((cpu.user + cpu.system) / Math.max(1, result.requests))
        ;(details[name] ??= []).push(result)
        if (result.non2xx + result.errors + result.timeouts > 0) {
          throw new Error(
            `${name}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts`,
          )
        }
        return result.requestsPerSecond
      }
      const samples = await interleaved(
        rounds,
        {
          bare: measure('bare', `${koa.url}/debug/p2p/stats`),
          stats: measure('stats', `${base}/debug/p2p/stats`),
          health: measure('health', `${base}/debug/p2p/health`),
          metrics: measure('metrics', `${base}/metrics`),
        },
        (variant, r, value) =>
          log(`B3 round ${r + 1}/${rounds} ${variant}: ${Math.round(value)} req/s`),
      )

      // One short run with autocannon inside this process, to show why it runs in a child.
      const inProcessSeconds = quick ? 2 : 3
      collectGarbage()
      const inProcess = await autocannon({
        url: `${koa.url}/debug/p2p/stats`,
        connections: CONNECTIONS,
        duration: inProcessSeconds,
      })
      const separate = details.bare?.at(-1)

      const bare = median(samples.bare)
      const row = (key: string, path: string, values: number[], limit: number) =>
        figure({
          key: `B3.${key}`,
          label: `${path}, ${CONNECTIONS} connections`,
          unit: 'req/s',
          better: 'higher',
          ours: median(values),
          baseline: bare,
          baselineLabel: 'bare Koa route, same JSON',
          targets: [{ subject: 'ratio', op: '>=', limit }],
          samples: {
            ours: values.map((v) => round(v)),
            baseline: samples.bare.map((v) => round(v)),
          },
        })
      const latency = (name: string): string => {
        const runs = details[name] ?? []
        return `${round(median(runs.map((r) => r.latencyP50Ms)), 1)} / ${round(median(runs.map((r) => r.latencyP99Ms)), 1)} ms`
      }
      return {
        figures: [
          row('stats', '/debug/p2p/stats', samples.stats, 0.8),
          row('health', '/debug/p2p/health', samples.health, 0.8),
          row('metrics', '/metrics', samples.metrics, 0.5),
          ...(['stats', 'health', 'metrics'] as const).map((name) =>
            figure({
              key: `B3.cpu-per-request-${name}`,
              label: `server CPU per request, ${name === 'metrics' ? '/metrics' : `/debug/p2p/${name}`}`,
              unit: 'µs',
              better: 'lower',
              ours: median(cpuPerRequest[name] ?? []),
              baseline: median(cpuPerRequest.bare ?? []),
              baselineLabel: 'bare Koa route, same JSON',
              samples: { ours: (cpuPerRequest[name] ?? []).map((v) => round(v, 1)) },
            }),
          ),
          figure({
            key: 'B3.bare-in-process',
            label: `bare Koa, autocannon in the server's process (${inProcessSeconds} s)`,
            unit: 'req/s',
            better: 'higher',
            ours: inProcess.requests.average,
            baseline: separate?.requestsPerSecond ?? null,
            baselineLabel: 'autocannon in a child process',
          }),
        ],
        notes: [
          `${rounds} round(s) of ${seconds} s per route, routes interleaved (order reversed every other round); ` +
            'autocannon runs in a child process, the diagnostics server and the bare Koa server in the benchmark ' +
            'process with a started node (no peers) as the source. Both processes share the 2 cores.',
          `Latency p50 / p99 under load: bare ${latency('bare')}, stats ${latency('stats')}, ` +
            `health ${latency('health')}, metrics ${latency('metrics')}.`,
          `With autocannon inside the server process the bare route served ${Math.round(inProcess.requests.average)} ` +
            `req/s against ${Math.round(separate?.requestsPerSecond ?? 0)} req/s from a child process: the load ` +
            'generator takes the event loop it measures, so every figure here comes from the child-process setup.',
        ],
      }
    } finally {
      await koa.stop()
      await runtime.stop()
      await dirs.removeAll()
    }
  },
}
