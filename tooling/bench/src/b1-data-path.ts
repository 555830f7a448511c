/**
 * B1 data path: a 256 MiB libp2p stream between two wes-node runtimes as `wes-node start`
 * composes them, with all monitoring on (wire bandwidth meter, per-protocol byte counting,
 * connection and dial metrics, libp2p's own metrics forwarded into the registry, the diagnostics
 * server scraped every second) against the same stream between two bare libp2p nodes (tcp,
 * noise, yamux, identify, ping; no metrics component). Each monitored round checks, from the
 * receiver's `/metrics`, that every one of those counted the stream. Ceilings from the same run:
 * raw Node.js TCP and node:crypto chacha20-poly1305.
 */

import { figure } from './lib/figure.js'
import { sampleValue } from './lib/series.js'
import { interleaved, median } from './lib/stats.js'
import { barePair, monitoredPair } from './lib/stream-pair.js'
import { BLOB_PROTOCOL, chachaBlob, mibPerSecond, streamBlob, tcpBlob } from './lib/transfer.js'
import { TempDirs, collectGarbage, round, sleep } from './lib/util.js'
import type { Benchmark } from './lib/types.js'
import type { Registry } from 'prom-client'

const MiB = 2 ** 20

function mibPerCpuSecond(bytes: number, cpu: NodeJS.CpuUsage): number {
  return mibPerSecond(bytes, (cpu.user + cpu.system) / 1000)
}

/** What the receiver's registry counted of a round's streams, read as a scrape reads it. */
interface Counted {
  /** `p2p_protocol_bytes_total{direction="in",protocol=<blob>}`. */
  protocolBytes: number
  /** `libp2p_data_transfer_bytes_total{protocol="<blob> received"}` (libp2p's metrics). */
  libp2pBytes: number
  /** `p2p_connections_opened_total{direction="inbound",transport="tcp"}`. */
  inboundConnections: number
  /** `libp2p_*` series in the text. */
  libp2pSeries: number
}

async function counted(registry: Registry): Promise<Counted> {
  const text = await registry.metrics()
  return {
    protocolBytes:
      sampleValue(text, 'p2p_protocol_bytes_total', { direction: 'in', protocol: BLOB_PROTOCOL }) ??
      0,
    libp2pBytes:
      sampleValue(text, 'libp2p_data_transfer_bytes_total', {
        protocol: `${BLOB_PROTOCOL} received`,
      }) ?? 0,
    inboundConnections:
      sampleValue(text, 'p2p_connections_opened_total', {
        direction: 'inbound',
        transport: 'tcp',
      }) ?? 0,
    libp2pSeries: text.split('\n').filter((l) => l.startsWith('libp2p_')).length,
  }
}

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
    const totalBytes = (quick ? 32 : 256) * MiB
    const warmupBytes = (quick ? 4 : 8) * MiB
    const rounds = quick ? 2 : 7
    const dirs = new TempDirs()
    const wire: Array<{ payload: number; inBytes: number }> = []
    let scrapes = 0
    let scrapeFailures = 0
    const scrapeLatencies: number[] = []
    const receiverCounts: Counted[] = []
    // MiB per second of this process's CPU (both ends, every thread): unlike MiB/s, it does not
    // depend on how much of the cores the machine's other processes took during the stream
    const perCpuSecond = {
      subject: [] as number[],
      withoutLibp2pMetrics: [] as number[],
      baseline: [] as number[],
    }

    /** One round between two wes-node runtimes; `libp2pMetrics` false drops libp2p's own metrics. */
    const monitoredRound = async (libp2pMetrics: boolean): Promise<number> => {
      const pair = await monitoredPair({ dirs, warmupBytes, libp2pMetrics })
      const { receiver } = pair.runtimes
      try {
        const before = receiver.node.bandwidth.totals().inTotalBytes
        const cpu = process.cpuUsage()
        const ms = await streamBlob(pair.sender, pair.receiver, totalBytes)
        perCpuSecond[libp2pMetrics ? 'subject' : 'withoutLibp2pMetrics'].push(
          mibPerCpuSecond(totalBytes, process.cpuUsage(cpu)),
        )
        const counts = await counted(receiver.registry)
        checkCounted(counts, warmupBytes + totalBytes, libp2pMetrics)
        if (libp2pMetrics) {
          wire.push({
            payload: totalBytes,
            inBytes: receiver.node.bandwidth.totals().inTotalBytes - before,
          })
          receiverCounts.push(counts)
        }
        return mibPerSecond(totalBytes, ms)
      } finally {
        await pair.stop()
        scrapes += pair.scraper?.scrapes ?? 0
        scrapeFailures += pair.scraper?.failures ?? 0
        scrapeLatencies.push(...(pair.scraper?.latenciesMs ?? []))
      }
    }

    try {
      const samples = await interleaved(
        rounds,
        {
          subject: async () => monitoredRound(true),
          withoutLibp2pMetrics: async () => monitoredRound(false),
          baseline: async () => {
            const pair = await barePair(warmupBytes)
            try {
              const cpu = process.cpuUsage()
              const ms = await streamBlob(pair.sender, pair.receiver, totalBytes)
              perCpuSecond.baseline.push(mibPerCpuSecond(totalBytes, process.cpuUsage(cpu)))
              return mibPerSecond(totalBytes, ms)
            } finally {
              await pair.stop()
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
            label: `libp2p stream, ${size}, monitoring on (per-protocol bytes, libp2p metrics)`,
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
            key: 'B1.libp2p-throughput-without-libp2p-metrics',
            label: `libp2p stream, ${size}, monitoring on but libp2p's own metrics off`,
            unit: 'MiB/s',
            better: 'higher',
            ours: median(samples.withoutLibp2pMetrics),
            baseline: median(samples.baseline),
            baselineLabel: 'bare libp2p, no metrics',
            samples: {
              ours: samples.withoutLibp2pMetrics.map((v) => round(v)),
              baseline: samples.baseline.map((v) => round(v)),
            },
          }),
          figure({
            key: 'B1.libp2p-cpu-efficiency',
            label: `libp2p stream, ${size}, per CPU-second, monitoring on (per-protocol bytes, libp2p metrics)`,
            unit: 'MiB/CPU-s',
            better: 'higher',
            ours: median(perCpuSecond.subject),
            baseline: median(perCpuSecond.baseline),
            baselineLabel: 'bare libp2p, no metrics',
            samples: {
              ours: perCpuSecond.subject.map((v) => round(v)),
              baseline: perCpuSecond.baseline.map((v) => round(v)),
            },
          }),
          figure({
            key: 'B1.libp2p-cpu-efficiency-without-libp2p-metrics',
            label: `libp2p stream, ${size}, per CPU-second, libp2p's own metrics off`,
            unit: 'MiB/CPU-s',
            better: 'higher',
            ours: median(perCpuSecond.withoutLibp2pMetrics),
            baseline: median(perCpuSecond.baseline),
            baselineLabel: 'bare libp2p, no metrics',
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
          receiverCounts.length > 0
            ? `Every monitored round checked the receiver's /metrics after the timed stream: ` +
              `p2p_protocol_bytes_total{direction="in",protocol="${BLOB_PROTOCOL}"} and libp2p's ` +
              `libp2p_data_transfer_bytes_total counted at least the ${(warmupBytes + totalBytes) / MiB} MiB ` +
              `streamed, p2p_connections_opened_total counted the inbound connection, and the registry held ` +
              `${median(receiverCounts.map((c) => c.libp2pSeries))} libp2p_* series (libp2p's own metrics).`
            : 'No monitored round finished.',
          `During the monitored rounds the diagnostics of both nodes were scraped every second ` +
            `(/metrics, /debug/p2p/stats, /debug/p2p/health): ${scrapes} requests, ${scrapeFailures} failed, ` +
            `median ${round(median(scrapeLatencies), 2)} ms each.`,
          `Per-round ratios (subject / baseline of the same round): ${paired.map((p) => p.toFixed(2)).join(', ')}; ` +
            `median ${median(paired).toFixed(2)}. The table's ratio is the ratio of the medians. Per CPU-second ` +
            `(this process's CPU time during the timed stream, both ends and every thread): ` +
            `${perCpuSecond.subject.map((v, i) => (v / (perCpuSecond.baseline[i] as number)).toFixed(2)).join(', ')}.`,
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
