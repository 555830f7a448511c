/**
 * B1 data path: a 256 MiB libp2p stream between two wes-node runtimes as `wes-node start`
 * composes them, with all monitoring on (wire bandwidth meter, per-protocol byte counting,
 * connection and dial metrics, libp2p's own metrics forwarded into the registry, the diagnostics
 * server scraped once per second of the pair's streaming) against the same stream between two bare libp2p nodes with
 * the same services and no metrics component: tcp and the circuit relay transport, noise, yamux,
 * identify, ping, kad-dht, AutoNAT v2, DCUtR, so that the pairs differ by the monitoring alone.
 * A fourth pair, minimal libp2p (tcp, noise, yamux, identify, ping), shows what those services
 * cost on their own. Each pair runs in a process of its own
 * (workers/stream-pair.ts), as each kind of node does in the field, and the scrapes come from
 * this process, as Prometheus' do. The stream of a round is cut into slices that alternate between
 * the pairs, so each pair's bytes move in the same seconds as the others'. Each monitored round
 * checks, from the receiver's registry, that every one of those counted the stream. Ceilings from
 * the same run: raw Node.js TCP and node:crypto chacha20-poly1305.
 */

import { figure, pairedFigure } from './lib/figure.js'
import { PairProcess } from './lib/pair-process.js'
import { Scraper } from './lib/scraper.js'
import { median } from './lib/stats.js'
import { PAIR_VARIANTS } from './lib/stream-pair.js'
import type { Counted, PairVariant } from './lib/stream-pair.js'
import { BLOB_PROTOCOL, chachaBlob, mibPerSecond, tcpBlob } from './lib/transfer.js'
import { collectGarbage, round } from './lib/util.js'
import type { Benchmark } from './lib/types.js'

const MiB = 2 ** 20
/** B1's warm-up stream, streamed by each pair before the timed slices (workers/stream-pair.ts). */
const WARMUP_BYTES = 8 * MiB
/** Scrapes of each monitored pair before its timed slices: the scrape path runs warm, as it does in a node scraped for days. */
const WARM_SCRAPES = 5
const BASELINE_LABEL = "bare libp2p with wes-node's services, no metrics"
const MINIMAL_LABEL = 'minimal libp2p (tcp, noise, yamux, identify, ping), no metrics'

/**
 * Throws unless the receiver counted the round's stream everywhere the node counts: a round
 * of a node with part of its monitoring off would measure less than `wes-node start` runs
 * (`libp2pMetrics` false: the variant without libp2p's own metrics, which must then have none).
 */
function checkCounted(c: Counted, streamedBytes: number, libp2pMetrics: boolean): void {
  const missing = [
    c.protocolBytes < streamedBytes && 'p2p_protocol_bytes_total (per-protocol counting)',
    libp2pMetrics &&
      c.libp2pBytes < streamedBytes &&
      "libp2p_data_transfer_bytes_total (libp2p's metrics)",
    c.inboundConnections < 1 && 'p2p_connections_opened_total (connection metrics)',
    !libp2pMetrics && c.libp2pSeries > 0 && "no libp2p_* series (libp2p's metrics off)",
  ].filter((m) => m !== false)
  if (missing.length > 0)
    throw new Error(
      `the monitored receiver did not count the stream in ${missing.join(', ')}: ${JSON.stringify(c)}`,
    )
}

export const b1DataPath: Benchmark = {
  id: 'B1',
  title: 'Data path throughput',
  async run({ quick, log }) {
    const sliceBytes = (quick ? 8 : 32) * MiB
    const slices = quick ? 4 : 8
    const totalBytes = slices * sliceBytes
    const rounds = quick ? 2 : 11
    const wire: Array<{ payload: number; inBytes: number }> = []
    let scrapes = 0
    let scrapeFailures = 0
    const scrapeLatencies: number[] = []
    const receiverCounts: Counted[] = []
    const samples = {
      subject: [] as number[],
      withoutLibp2pMetrics: [] as number[],
      baseline: [] as number[],
      minimal: [] as number[],
      tcp: [] as number[],
      chacha: [] as number[],
      chachaBothEnds: [] as number[],
    }
    // MiB per second of the pair's process' CPU (both ends, every thread): unlike MiB/s, it does
    // not depend on how much of the cores the machine's other processes took during the stream
    const perCpuSecond = {
      subject: [] as number[],
      withoutLibp2pMetrics: [] as number[],
      baseline: [] as number[],
      minimal: [] as number[],
    }
    const sampleOf: Record<PairVariant, keyof typeof perCpuSecond> = {
      monitored: 'subject',
      'monitored-without-libp2p-metrics': 'withoutLibp2pMetrics',
      bare: 'baseline',
      minimal: 'minimal',
    }

    /** One round: the pairs, fresh, their slices alternating. */
    const pairRound = async (r: number): Promise<void> => {
      const pairs = new Map<PairVariant, PairProcess>()
      const scrapers = new Map<PairVariant, Scraper>()
      try {
        for (const variant of PAIR_VARIANTS) {
          const pair = await PairProcess.start(variant)
          pairs.set(variant, pair)
          if (pair.diagnostics.length > 0) {
            const warm = new Scraper(pair.diagnostics)
            for (let i = 0; i < WARM_SCRAPES; i++) await warm.scrape()
            warm.stop()
            const scraper = new Scraper(pair.diagnostics)
            scraper.start()
            scraper.pause()
            scrapers.set(variant, scraper)
          }
        }
        const ms = new Map<PairVariant, number>(PAIR_VARIANTS.map((v) => [v, 0]))
        const cpuMs = new Map<PairVariant, number>(PAIR_VARIANTS.map((v) => [v, 0]))
        let wireIn = 0
        for (let i = 0; i < slices; i++) {
          const order = (i + r) % 2 === 0 ? PAIR_VARIANTS : [...PAIR_VARIANTS].reverse()
          for (const variant of order) {
            const scraper = scrapers.get(variant)
            scraper?.resume()
            const streamed = await (pairs.get(variant) as PairProcess).stream(sliceBytes)
            scraper?.pause()
            // a scrape under way is served before the next pair streams, not during its slice
            await scraper?.settled()
            ms.set(variant, (ms.get(variant) as number) + streamed.ms)
            cpuMs.set(variant, (cpuMs.get(variant) as number) + streamed.cpuMs)
            if (variant === 'monitored') wireIn += streamed.wireInBytes
          }
        }
        for (const variant of PAIR_VARIANTS) {
          const value = mibPerSecond(totalBytes, ms.get(variant) as number)
          samples[sampleOf[variant]].push(value)
          perCpuSecond[sampleOf[variant]].push(
            mibPerSecond(totalBytes, cpuMs.get(variant) as number),
          )
          log(`B1 round ${r + 1}/${rounds} ${sampleOf[variant]}: ${value.toFixed(1)} MiB/s`)
        }
        wire.push({ payload: totalBytes, inBytes: wireIn })
        for (const [variant, scraper] of scrapers) {
          await scraper.settled()
          scraper.stop()
          scrapes += scraper.scrapes
          scrapeFailures += scraper.failures
          scrapeLatencies.push(...scraper.latenciesMs)
          const counts = await (pairs.get(variant) as PairProcess).stop()
          if (counts === undefined) throw new Error(`the ${variant} pair reported no counts`)
          checkCounted(counts, WARMUP_BYTES + totalBytes, variant === 'monitored')
          if (variant === 'monitored') receiverCounts.push(counts)
        }
      } finally {
        for (const scraper of scrapers.values()) scraper.stop()
        await Promise.all([...pairs.values()].map(async (pair) => pair.kill()))
      }
    }

    const ceilings: Record<'tcp' | 'chacha' | 'chachaBothEnds', () => Promise<number>> = {
      tcp: async () => {
        await tcpBlob(WARMUP_BYTES)
        collectGarbage()
        return mibPerSecond(totalBytes, await tcpBlob(totalBytes))
      },
      chacha: async () => {
        chachaBlob(WARMUP_BYTES)
        collectGarbage()
        return mibPerSecond(totalBytes, chachaBlob(totalBytes).sealMs)
      },
      chachaBothEnds: async () => {
        collectGarbage()
        return mibPerSecond(totalBytes, chachaBlob(totalBytes).sealOpenMs)
      },
    }

    for (let r = 0; r < rounds; r++) {
      await pairRound(r)
      for (const [name, ceiling] of Object.entries(ceilings)) {
        const value = await ceiling()
        samples[name as keyof typeof ceilings].push(value)
        log(`B1 round ${r + 1}/${rounds} ${name}: ${value.toFixed(1)} MiB/s`)
      }
    }

    const size = `${totalBytes / MiB} MiB`
    // the slices of a round took turns: their ratio cancels load drift
    const perRound = (ours: number[], baseline: number[]): number[] =>
      ours.map((v, i) => v / (baseline[i] as number))
    const listed = (ratios: number[]): string => ratios.map((p) => p.toFixed(2)).join(', ')
    const paired = perRound(samples.subject, samples.baseline)
    const overhead = wire.map((w) => w.inBytes / w.payload - 1)
    return {
      figures: [
        pairedFigure(
          {
            key: 'B1.libp2p-throughput',
            label: `libp2p stream, ${size}, monitoring on (per-protocol bytes, libp2p metrics)`,
            unit: 'MiB/s',
            better: 'higher',
            baselineLabel: BASELINE_LABEL,
            targets: [{ subject: 'ratio', op: '>=', limit: 0.95 }],
          },
          samples.subject,
          samples.baseline,
        ),
        pairedFigure(
          {
            key: 'B1.libp2p-throughput-without-libp2p-metrics',
            label: `libp2p stream, ${size}, monitoring on but libp2p's own metrics off`,
            unit: 'MiB/s',
            better: 'higher',
            baselineLabel: BASELINE_LABEL,
          },
          samples.withoutLibp2pMetrics,
          samples.baseline,
        ),
        pairedFigure(
          {
            key: 'B1.libp2p-cpu-efficiency',
            label: `libp2p stream, ${size}, per CPU-second, monitoring on (per-protocol bytes, libp2p metrics)`,
            unit: 'MiB/CPU-s',
            better: 'higher',
            baselineLabel: BASELINE_LABEL,
          },
          perCpuSecond.subject,
          perCpuSecond.baseline,
        ),
        pairedFigure(
          {
            key: 'B1.libp2p-cpu-efficiency-without-libp2p-metrics',
            label: `libp2p stream, ${size}, per CPU-second, libp2p's own metrics off`,
            unit: 'MiB/CPU-s',
            better: 'higher',
            baselineLabel: BASELINE_LABEL,
          },
          perCpuSecond.withoutLibp2pMetrics,
          perCpuSecond.baseline,
        ),
        pairedFigure(
          {
            key: 'B1.libp2p-throughput-against-minimal',
            label: `libp2p stream, ${size}, monitoring on, against minimal libp2p`,
            unit: 'MiB/s',
            better: 'higher',
            baselineLabel: MINIMAL_LABEL,
          },
          samples.subject,
          samples.minimal,
        ),
        pairedFigure(
          {
            key: 'B1.libp2p-services-throughput',
            label: `libp2p stream, ${size}, no metrics: wes-node's services (kad-dht, AutoNAT v2, circuit relay, DCUtR) against none`,
            unit: 'MiB/s',
            better: 'higher',
            baselineLabel: MINIMAL_LABEL,
          },
          samples.baseline,
          samples.minimal,
        ),
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
        `${rounds} rounds; in each, ${PAIR_VARIANTS.length} fresh pairs (${PAIR_VARIANTS.join(', ')}), each in a process of its own (both ends of a pair in ` +
          `one process, so every byte is sealed and opened on one core), stream an untimed ` +
          `${WARMUP_BYTES / MiB} MiB first, then ${slices} timed slices of ${sliceBytes / MiB} MiB each, the ` +
          `pairs taking turns slice by slice (order reversed every other slice and round), the garbage ` +
          `collected before each slice; a slice is timed from opening its stream to the receiver's byte ` +
          `count. The ceilings run in this process after each round.`,
        receiverCounts.length > 0
          ? `Every monitored round checked the receiver's registry (as prom-client renders it) after the timed slices: ` +
            `p2p_protocol_bytes_total{direction="in",protocol="${BLOB_PROTOCOL}"} and libp2p's ` +
            `libp2p_data_transfer_bytes_total counted at least the ${(WARMUP_BYTES + totalBytes) / MiB} MiB ` +
            `streamed, p2p_connections_opened_total counted the inbound connection, and the registry held ` +
            `${median(receiverCounts.map((c) => c.libp2pSeries))} libp2p_* series (libp2p's own metrics).`
          : 'No monitored round finished.',
        `The diagnostics of both nodes of each monitored pair were scraped from this process ` +
          `(/metrics, /debug/p2p/stats, /debug/p2p/health), ${WARM_SCRAPES} times untimed before the slices ` +
          `and then once per second of the pair's own streaming (the scrape clock stops while another ` +
          `pair streams): ${scrapes} requests, ${scrapeFailures} failed, median ` +
          `${round(median(scrapeLatencies), 2)} ms each.`,
        `Per-round ratios (subject / baseline of the same round): ${listed(paired)}; ` +
          `median ${median(paired).toFixed(2)}. The table's ratios are medians of per-round ratios. Per CPU-second ` +
          `(the pair's process' CPU time during its slices, both ends and every thread): ` +
          `${listed(perRound(perCpuSecond.subject, perCpuSecond.baseline))}. ` +
          `Against minimal libp2p, per round: monitored ` +
          `${listed(perRound(samples.subject, samples.minimal))}; ` +
          `bare with wes-node's services ` +
          `${listed(perRound(samples.baseline, samples.minimal))}.`,
        wire.length > 0
          ? `The receiver's bandwidth meter counted ${(median(overhead) * 100).toFixed(2)}% more bytes than the ` +
            `payload (noise and yamux framing): it counts wire bytes, as specified.`
          : 'No monitored round finished.',
      ],
    }
  },
}
