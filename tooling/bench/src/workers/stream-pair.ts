/**
 * One of B1's stream pairs in a process of its own, so that V8 compiles the data path for this
 * pair's code alone, as it does in a node that runs nothing else (in one process, the wrapped
 * streams of a monitored pair and the plain ones of a bare pair share, and slow, the same
 * compiled code). `node --expose-gc stream-pair.js <variant> [<directory>]`, variant one of
 * {@link PAIR_VARIANTS}, the nodes' data directories made in `directory`; it builds the pair, streams the warm-up, and answers over IPC:
 *
 * - `{type: 'ready', diagnostics: [url, url]}` once (no URL for a bare pair);
 * - `{type: 'stream', bytes}`: collects the garbage, streams `bytes` from sender to receiver,
 *   answers `{type: 'streamed', ms, cpuMs, wireInBytes}` (this process's CPU time, every thread);
 * - `{type: 'stop'}`: reads what the receiver's registry counted, stops both nodes, answers
 *   `{type: 'stopped', counted}`; the parent then ends the process.
 *
 * Bounded: each stream has the limits of `streamBlob`, the parent kills this process when it
 * stops answering, and a lost parent (IPC closed) stops it.
 */

import { barePair, counted, monitoredPair } from '../lib/stream-pair.js'
import { streamBlob } from '../lib/transfer.js'
import { TempDirs, collectGarbage } from '../lib/util.js'
import type { MonitoredPair, PairVariant, StreamPair } from '../lib/stream-pair.js'

const MiB = 2 ** 20
const WARMUP_BYTES = 8 * MiB

const variant = process.argv[2] as PairVariant
// the nodes' data directories go under the parent's directory, which the parent removes even
// when this process was killed before it could
const dirs = new TempDirs(process.argv[3])
let stopping = false
/** Set once the pair is ready; a parent lost before then ends this process at once. */
let stopOnDisconnect: () => Promise<void> = async () => {
  await dirs.removeAll().catch(() => {})
  process.exit(1)
}
process.on('disconnect', () => void stopOnDisconnect())
// the parent's kill after a failure: the nodes stop and their data directories go, as on a lost parent
process.on('SIGTERM', () => void (stopping ? process.exit(0) : stopOnDisconnect()))
let pair: StreamPair | MonitoredPair
if (variant === 'bare') pair = await barePair(WARMUP_BYTES, 'wes-node')
else if (variant === 'minimal') pair = await barePair(WARMUP_BYTES, 'minimal')
else if (variant === 'monitored' || variant === 'monitored-without-libp2p-metrics') {
  pair = await monitoredPair({
    dirs,
    warmupBytes: WARMUP_BYTES,
    libp2pMetrics: variant === 'monitored',
    // the parent scrapes, from its own process, as Prometheus would
    scrape: false,
  })
} else {
  throw new Error(`unknown pair variant ${String(variant)}`)
}
const monitored = 'runtimes' in pair ? pair : undefined

const send = async (message: object): Promise<void> =>
  new Promise((resolve, reject) => {
    process.send?.(message, (err: Error | null) => (err == null ? resolve() : reject(err)))
  })

stopOnDisconnect = async () => {
  stopping = true
  // bounded: a node that does not stop within 10 s is left to the exit
  setTimeout(() => process.exit(1), 10_000).unref()
  try {
    await pair.stop()
    await dirs.removeAll()
  } finally {
    process.exit(0)
  }
}

process.on('message', (message: { type?: string; bytes?: number }) => {
  void (async () => {
    if (message.type === 'stream' && !stopping) {
      collectGarbage()
      const before = monitored?.runtimes.receiver.node.bandwidth.totals().inTotalBytes ?? 0
      const cpu = process.cpuUsage()
      const ms = await streamBlob(pair.sender, pair.receiver, message.bytes ?? 0)
      const used = process.cpuUsage(cpu)
      const after = monitored?.runtimes.receiver.node.bandwidth.totals().inTotalBytes ?? 0
      await send({
        type: 'streamed',
        ms,
        cpuMs: (used.user + used.system) / 1000,
        wireInBytes: after - before,
      })
    } else if (message.type === 'stop' && !stopping) {
      const receiverCounted =
        monitored !== undefined ? await counted(monitored.runtimes.receiver.registry) : undefined
      stopping = true
      await pair.stop()
      await dirs.removeAll()
      // the parent ends this process once it has the answer (an exit here could overtake it)
      await send({ type: 'stopped', counted: receiverCounted })
    }
  })().catch((err: unknown) => {
    process.stderr.write(`stream-pair ${variant}: ${String((err as Error)?.stack ?? err)}\n`)
    process.exit(1)
  })
})

await send({
  type: 'ready',
  diagnostics: monitored
    ? [monitored.runtimes.sender, monitored.runtimes.receiver].map((r) => r.diagnostics?.url ?? '')
    : [],
})
