/**
 * B1 data path: a 256 MiB libp2p stream between two wes-node runtimes with all monitoring on
 * (wire bandwidth meter, metrics, diagnostics server scraped every second) against the same
 * stream between two bare libp2p nodes (tcp, noise, yamux, identify, ping; no metrics
 * component). Ceilings from the same run: raw Node.js TCP and node:crypto chacha20-poly1305.
 */

import { figure } from './lib/figure.js'
import { createBareNode } from './lib/nodes.js'
import { createSubjectRuntime } from './lib/subject.js'
import { Scraper } from './lib/scraper.js'
import { interleaved, median } from './lib/stats.js'
import { chachaBlob, handleBlobs, mibPerSecond, streamBlob, tcpBlob } from './lib/transfer.js'
import { TempDirs, collectGarbage, round, sleep, waitFor } from './lib/util.js'
import type { Benchmark } from './lib/types.js'
import type { Libp2p } from '@libp2p/interface'

const MiB = 2 ** 20

/** Dials `b` from `a` and waits until identify has run both ways, so its bytes stay out of the timing. */
async function connect(a: Libp2p, b: Libp2p): Promise<void> {
  await a.dial(b.getMultiaddrs()[0] ?? b.peerId, { signal: AbortSignal.timeout(10_000) })
  await waitFor(
    async () =>
      (await a.peerStore.get(b.peerId)).protocols.length > 0 &&
      (await b.peerStore.get(a.peerId)).protocols.length > 0,
    'identify',
    { timeoutMs: 10_000 },
  ).catch(() => undefined)
}

export const b1DataPath: Benchmark = {
  id: 'B1',
  title: 'Data path throughput',
  async run({ quick, log }) {
    const totalBytes = (quick ? 32 : 256) * MiB
    const warmupBytes = (quick ? 4 : 8) * MiB
    const rounds = quick ? 2 : 5
    const dirs = new TempDirs()
    const wire: Array<{ payload: number; inBytes: number }> = []
    let scrapes = 0
    let scrapeFailures = 0
    const scrapeLatencies: number[] = []

    try {
      const samples = await interleaved(
        rounds,
        {
          subject: async () => {
            const sender = await createSubjectRuntime(await dirs.make())
            const receiver = await createSubjectRuntime(await dirs.make())
            await Promise.all([sender.start(), receiver.start()])
            const scraper = new Scraper([sender, receiver].map((r) => r.diagnostics?.url ?? ''))
            try {
              await handleBlobs(receiver.node.libp2p)
              await connect(sender.node.libp2p, receiver.node.libp2p)
              scraper.start()
              await streamBlob(sender.node.libp2p, receiver.node.libp2p, warmupBytes)
              collectGarbage()
              const before = receiver.node.bandwidth.totals().inTotalBytes
              const ms = await streamBlob(sender.node.libp2p, receiver.node.libp2p, totalBytes)
              wire.push({
                payload: totalBytes,
                inBytes: receiver.node.bandwidth.totals().inTotalBytes - before,
              })
              return mibPerSecond(totalBytes, ms)
            } finally {
              scraper.stop()
              scrapes += scraper.scrapes
              scrapeFailures += scraper.failures
              scrapeLatencies.push(...scraper.latenciesMs)
              await Promise.all([sender.stop(), receiver.stop()])
            }
          },
          baseline: async () => {
            const sender = await createBareNode()
            const receiver = await createBareNode()
            try {
              await handleBlobs(receiver)
              await connect(sender, receiver)
              await streamBlob(sender, receiver, warmupBytes)
              collectGarbage()
              const ms = await streamBlob(sender, receiver, totalBytes)
              return mibPerSecond(totalBytes, ms)
            } finally {
              await Promise.all([sender.stop(), receiver.stop()])
            }
          },
          tcp: async () => {
            await tcpBlob(warmupBytes)
            collectGarbage()
            return mibPerSecond(totalBytes, await tcpBlob(totalBytes))
          },
          chacha: async () => {
            chachaBlob(warmupBytes)
            collectGarbage()
            return mibPerSecond(totalBytes, chachaBlob(totalBytes).sealMs)
          },
          chachaBothEnds: async () => {
            collectGarbage()
            return mibPerSecond(totalBytes, chachaBlob(totalBytes).sealOpenMs)
          },
        },
        (variant, r, value) =>
          log(`B1 round ${r + 1}/${rounds} ${variant}: ${value.toFixed(1)} MiB/s`),
      )
      await sleep(0)

      const size = `${totalBytes / MiB} MiB`
      // each round's subject and baseline ran seconds apart: their ratio cancels slow load drift
      const paired = samples.subject.map((v, i) => v / (samples.baseline[i] as number))
      const overhead = wire.map((w) => w.inBytes / w.payload - 1)
      return {
        figures: [
          figure({
            key: 'B1.libp2p-throughput',
            label: `libp2p stream, ${size}, monitoring on`,
            unit: 'MiB/s',
            better: 'higher',
            ours: median(samples.subject),
            baseline: median(samples.baseline),
            baselineLabel: 'bare libp2p, no metrics',
            targets: [{ subject: 'ratio', op: '>=', limit: 0.95 }],
            samples: {
              ours: samples.subject.map((v) => round(v)),
              baseline: samples.baseline.map((v) => round(v)),
            },
          }),
          figure({
            key: 'B1.tcp-ceiling',
            label: `ceiling: raw Node.js TCP, ${size}`,
            unit: 'MiB/s',
            better: 'higher',
            ours: median(samples.tcp),
            samples: { ours: samples.tcp.map((v) => round(v)) },
          }),
          figure({
            key: 'B1.chacha-seal-ceiling',
            label: `ceiling: chacha20-poly1305 seal, ${size} in 64 KiB`,
            unit: 'MiB/s',
            better: 'higher',
            ours: median(samples.chacha),
            samples: { ours: samples.chacha.map((v) => round(v)) },
          }),
          figure({
            key: 'B1.chacha-seal-open-ceiling',
            label: `ceiling: chacha20-poly1305 seal + open, ${size}`,
            unit: 'MiB/s',
            better: 'higher',
            ours: median(samples.chachaBothEnds),
            samples: { ours: samples.chachaBothEnds.map((v) => round(v)) },
          }),
        ],
        notes: [
          `${rounds} rounds, variants interleaved (order reversed every other round); fresh nodes each round, ` +
            `an untimed ${warmupBytes / MiB} MiB stream first, then the timed ${size} stream from opening it to the ` +
            `receiver's byte count. Both ends run in this one process, so every byte is sealed and opened on one core.`,
          `During the monitored rounds the diagnostics of both nodes were scraped every second ` +
            `(/metrics, /debug/p2p/stats, /debug/p2p/health): ${scrapes} requests, ${scrapeFailures} failed, ` +
            `median ${round(median(scrapeLatencies), 2)} ms each.`,
          `Per-round ratios (subject / baseline of the same round): ${paired.map((p) => p.toFixed(2)).join(', ')}; ` +
            `median ${median(paired).toFixed(2)}. The table's ratio is the ratio of the medians.`,
          wire.length > 0
            ? `The receiver's bandwidth meter counted ${(median(overhead) * 100).toFixed(2)}% more bytes than the ` +
              `payload (noise and yamux framing): it counts wire bytes, as specified.`
            : 'No monitored round finished.',
        ],
      }
    } finally {
      await dirs.removeAll()
    }
  },
}
