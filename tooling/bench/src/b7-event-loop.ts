/**
 * B7 event loop: p99 event-loop delay (perf_hooks monitorEventLoopDelay, preloaded into the
 * subject) of `wes-node start` with 200 connected peers (in another process) while its
 * diagnostics are scraped every second, against the same process in windows without scrapes.
 * A window lasts one ping period (the node pings every connection once every 10 s, spread over
 * the period), so each window holds the same periodic work.
 */

import { figure } from './lib/figure.js'
import { Scraper } from './lib/scraper.js'
import { interleaved, median, percentile } from './lib/stats.js'
import { SubjectProcess, connectPeers } from './lib/subject-process.js'
import type { ProbeReport } from './lib/subject-process.js'
import { TempDirs, round, sleep } from './lib/util.js'
import type { Benchmark } from './lib/types.js'

const PEERS = 200

/** The node pings every connection once per this period (libp2p's default, kept). */
const PING_INTERVAL_MS = 10_000

export const b7EventLoop: Benchmark = {
  id: 'B7',
  title: 'Event loop under scrapes',
  async run({ quick, log }) {
    const rounds = quick ? 1 : 3
    const windowMs = PING_INTERVAL_MS
    const dirs = new TempDirs()
    const subject = await SubjectProcess.start('wes-node', await dirs.make())
    const reports: Record<'scraped' | 'quiet', ProbeReport[]> = { scraped: [], quiet: [] }
    const scrapeLatencies: number[] = []
    let scrapes = 0
    let failures = 0
    try {
      const connectStart = performance.now()
      const peers = await connectPeers(subject, PEERS)
      log(`B7 ${PEERS} peers connected in ${Math.round(performance.now() - connectStart)} ms`)
      try {
        await sleep(2_000)
        const window = async (scraped: boolean): Promise<number> => {
          const scraper = new Scraper([subject.diagnosticsUrl ?? ''])
          await subject.probe('reset')
          if (scraped) scraper.start()
          await sleep(windowMs)
          scraper.stop()
          const report = await subject.probe('report')
          reports[scraped ? 'scraped' : 'quiet'].push(report)
          scrapes += scraper.scrapes
          failures += scraper.failures
          scrapeLatencies.push(...scraper.latenciesMs)
          return report.eventLoop.p99Ms
        }
        const samples = await interleaved(
          rounds,
          { scraped: async () => window(true), quiet: async () => window(false) },
          (variant, r, value) =>
            log(
              `B7 round ${r + 1}/${rounds} ${variant}: event-loop delay p99 ${round(value, 2)} ms`,
            ),
        )
        return {
          figures: [
            figure({
              key: 'B7.event-loop-p99',
              label: `event-loop delay p99, ${PEERS} peers, scraped every second`,
              unit: 'ms',
              better: 'lower',
              ours: median(samples.scraped),
              baseline: median(samples.quiet),
              baselineLabel: 'same process, not scraped',
              targets: [{ subject: 'value', op: '<', limit: 20 }],
              samples: {
                ours: samples.scraped.map((v) => round(v, 2)),
                baseline: samples.quiet.map((v) => round(v, 2)),
              },
            }),
            figure({
              key: 'B7.event-loop-max',
              label: `event-loop delay max, ${PEERS} peers, scraped every second`,
              unit: 'ms',
              better: 'lower',
              ours: median(reports.scraped.map((r) => r.eventLoop.maxMs)),
              baseline: median(reports.quiet.map((r) => r.eventLoop.maxMs)),
              baselineLabel: 'same process, not scraped',
            }),
            figure({
              key: 'B7.scrape-latency-p99',
              label: `scrape request latency p99 (client side), ${PEERS} peers`,
              unit: 'ms',
              better: 'lower',
              ours: percentile(scrapeLatencies, 99),
            }),
          ],
          notes: [
            `Per window, max event-loop delay / longest GC pause: scraped ${reports.scraped
              .map((r) => `${round(r.eventLoop.maxMs, 1)} / ${round(r.gc.maxMs, 1)}`)
              .join(', ')} ms; not scraped ${reports.quiet
              .map((r) => `${round(r.eventLoop.maxMs, 1)} / ${round(r.gc.maxMs, 1)}`)
              .join(', ')} ms.`,
            `The subject is wes-node start (mDNS off) with a 5 ms-resolution monitorEventLoopDelay preloaded ` +
              `(--import); ${PEERS} bare libp2p peers in another process hold one connection each. ${rounds} ` +
              `round(s) of a ${windowMs / 1000} s window (one connection-monitor period) scraped every second (/metrics, /debug/p2p/stats, ` +
              `/debug/p2p/health from the benchmark process) and a ${windowMs / 1000} s window without scrapes, ` +
              `interleaved; the histogram is reset at the start of each window. ${scrapes} scrape requests, ` +
              `${failures} failed, median ${round(median(scrapeLatencies), 2)} ms.`,
          ],
        }
      } finally {
        await peers.stop()
      }
    } finally {
      await subject.stop()
      await dirs.removeAll()
    }
  },
}
