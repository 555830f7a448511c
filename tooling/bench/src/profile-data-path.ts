/**
 * What B1's monitored round spends its CPU on, against bare libp2p:
 * `node --expose-gc dist/profile-data-path.js [--rounds 4] [--mib 256] [--no-scrape]`. Each round
 * streams once between two wes-node runtimes (both scraped every second, as in B1) and once
 * between two bare libp2p nodes with wes-node's services (B1's baseline), alternating; only the timed stream is profiled (the in-process
 * inspector, 0.2 ms sampling), and each line gives MiB per CPU-second and milliseconds per
 * category of lib/cpu-profile.ts (scrape, metric updates, network, GC, ...). Bounded: each stream
 * has B1's limits and every node is stopped in `finally`.
 */

import { Session } from 'node:inspector/promises'
import { CpuProfileReader } from './lib/cpu-profile.js'
import type { CpuProfile } from './lib/cpu-profile.js'
import { barePair, monitoredPair } from './lib/stream-pair.js'
import { streamBlob } from './lib/transfer.js'
import { TempDirs, round } from './lib/util.js'

const MiB = 2 ** 20
/** B1's warm-up, full size. */
const WARMUP_BYTES = 8 * MiB

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(name)
  const value = at >= 0 ? Number(process.argv[at + 1]) : fallback
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a whole number`)
  return value
}

const rounds = option('--rounds', 4)
const totalBytes = option('--mib', 256) * MiB
const scrape = !process.argv.includes('--no-scrape')

const session = new Session()
session.connect()
await session.post('Profiler.enable')
await session.post('Profiler.setSamplingInterval', { interval: 200 })
const dirs = new TempDirs()

async function profiledRound(kind: 'monitored' | 'bare'): Promise<string> {
  const pair =
    kind === 'bare'
      ? await barePair(WARMUP_BYTES, 'wes-node')
      : await monitoredPair({ dirs, warmupBytes: WARMUP_BYTES, scrape })
  const { sender, receiver } = pair
  try {
    await session.post('Profiler.start')
    const cpu = process.cpuUsage()
    const ms = await streamBlob(sender, receiver, totalBytes)
    const used = process.cpuUsage(cpu)
    const { profile } = (await session.post('Profiler.stop')) as unknown as { profile: CpuProfile }
    const cpuMs = (used.user + used.system) / 1000
    const reader = new CpuProfileReader(profile)
    const byCategory = reader.between(profile.startTime, Number.POSITIVE_INFINITY)
    return (
      `${kind}: ${round(ms)} ms, CPU ${round(cpuMs)} ms, ` +
      `${round(totalBytes / MiB / (cpuMs / 1000), 1)} MiB per CPU-second | ` +
      [...byCategory]
        .sort((a, b) => b[1] - a[1])
        .map(([category, us]) => `${category} ${round(us / 1000)}`)
        .join(', ')
    )
  } finally {
    await pair.stop()
  }
}

try {
  for (let r = 0; r < rounds; r++) {
    for (const kind of r % 2 === 0
      ? (['monitored', 'bare'] as const)
      : (['bare', 'monitored'] as const)) {
      process.stdout.write(`round ${r + 1} ${await profiledRound(kind)}\n`)
    }
  }
} finally {
  session.disconnect()
  await dirs.removeAll()
}
process.exit(0)
