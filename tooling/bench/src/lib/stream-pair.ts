/**
 * The two ends of B1's stream, ready to time: the receiver handles blobs, the sender has dialled
 * it and identify ran both ways, a warm-up stream went through and the garbage was collected. A
 * monitored pair is two wes-node runtimes, scraped every second from the same process unless
 * `scrape: false` (B1 scrapes from its own process instead); a bare pair is two libp2p nodes
 * without metrics, with wes-node's services or minimal ones.
 */

import { createBareNode } from './nodes.js'
import type { BareServices } from './nodes.js'
import { Scraper } from './scraper.js'
import { createSubjectRuntime } from './subject.js'
import { sampleValue } from './series.js'
import { BLOB_PROTOCOL, connectIdentified, handleBlobs, streamBlob } from './transfer.js'
import { collectGarbage } from './util.js'
import type { TempDirs } from './util.js'
import type { Libp2p } from '@libp2p/interface'
import type { Registry } from 'prom-client'
import type { Runtime } from 'wes-node'

/**
 * B1's pairs: two wes-node runtimes as `wes-node start` composes them, the same without
 * libp2p's own metrics, two bare libp2p nodes with the services wes-node runs (the baseline:
 * what differs from the monitored pair is the monitoring), and two minimal libp2p nodes (what
 * those services cost).
 */
export const PAIR_VARIANTS = [
  'monitored',
  'monitored-without-libp2p-metrics',
  'bare',
  'minimal',
] as const
export type PairVariant = (typeof PAIR_VARIANTS)[number]

/** What a receiver's registry counted of a pair's streams, read as a scrape reads it. */
export interface Counted {
  /** `p2p_protocol_bytes_total{direction="in",protocol=<blob>}`. */
  protocolBytes: number
  /** `libp2p_data_transfer_bytes_total{protocol="<blob> received"}` (libp2p's metrics). */
  libp2pBytes: number
  /** `p2p_connections_opened_total{direction="inbound",transport="tcp"}`. */
  inboundConnections: number
  /** `libp2p_*` series in the text. */
  libp2pSeries: number
}

export async function counted(registry: Registry): Promise<Counted> {
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

export interface StreamPair {
  sender: Libp2p
  receiver: Libp2p
  /** Stops both ends (and the scraper of a monitored pair). */
  stop(): Promise<void>
}

export interface MonitoredPair extends StreamPair {
  runtimes: { sender: Runtime; receiver: Runtime }
  /** Scrapes both runtimes every second from before the warm-up; `undefined` with `scrape: false`. */
  scraper: Scraper | undefined
}

export interface MonitoredPairInit {
  dirs: TempDirs
  warmupBytes: number
  /** libp2p's own metrics forwarded into the registry. @default true */
  libp2pMetrics?: boolean
  /** @default true */
  scrape?: boolean
}

/** Makes `pair` ready to time (see the file's comment); stops it when that fails. */
async function ready<Pair extends StreamPair>(
  pair: Pair,
  warmupBytes: number,
  beforeWarmup?: () => void,
): Promise<Pair> {
  try {
    await handleBlobs(pair.receiver)
    await connectIdentified(pair.sender, pair.receiver)
    beforeWarmup?.()
    await streamBlob(pair.sender, pair.receiver, warmupBytes)
    collectGarbage()
    return pair
  } catch (err) {
    await pair.stop()
    throw err
  }
}

/** Two wes-node runtimes as `wes-node start` composes them, ready to time. */
export async function monitoredPair(init: MonitoredPairInit): Promise<MonitoredPair> {
  const { dirs, libp2pMetrics = true } = init
  const sender = await createSubjectRuntime(await dirs.make(), { libp2pMetrics })
  const receiver = await createSubjectRuntime(await dirs.make(), { libp2pMetrics })
  await Promise.all([sender.start(), receiver.start()])
  const scraper =
    init.scrape === false
      ? undefined
      : new Scraper([sender, receiver].map((r) => r.diagnostics?.url ?? ''))
  const pair: MonitoredPair = {
    sender: sender.node.libp2p,
    receiver: receiver.node.libp2p,
    runtimes: { sender, receiver },
    scraper,
    async stop() {
      scraper?.stop()
      await Promise.all([sender.stop(), receiver.stop()])
    },
  }
  return ready(pair, init.warmupBytes, () => scraper?.start())
}

/** Two bare libp2p nodes with `services` (minimal by default), ready to time. */
export async function barePair(
  warmupBytes: number,
  services: BareServices = 'minimal',
): Promise<StreamPair> {
  const sender = await createBareNode({ services })
  const receiver = await createBareNode({ services })
  return ready(
    {
      sender,
      receiver,
      async stop() {
        await Promise.all([sender.stop(), receiver.stop()])
      },
    },
    warmupBytes,
  )
}
