/**
 * Names what stalls the event loop of `wes-node start` in B7's setting:
 * `node dist/stalls.js [--peers 200] [--rounds 3] [--min-ms 20] [--hottest 0] [--node-flag <flag>]...
 * [--keep-profile <dir>]`. Runs the subject (with each `--node-flag`, e.g. `--no-flush-bytecode`)
 * under
 * `--cpu-prof` with the stall recorder preloaded, connects the peers (another process), then
 * alternates 10 s windows scraped every second and not scraped, as B7 does. Every stall of at
 * least `--min-ms` is printed with what the CPU profile shows during it: milliseconds per category
 * (a scrape, libp2p's ping round, GC, ...), and the part the process did not run at all (the
 * machine's other processes had the cores). Bounded: the peers (worker processes, each peer from
 * its own 127.0.x.y address) connect within 3 minutes, each window lasts 10 s, the subject and
 * the peers are stopped in `finally`.
 */

import { readFile, readdir } from 'node:fs/promises'
import { pathToFileURL } from 'node:url'
import { worker } from './lib/child.js'
import { CpuProfileReader } from './lib/cpu-profile.js'
import type { CpuProfile } from './lib/cpu-profile.js'
import { Scraper } from './lib/scraper.js'
import { nowUs } from './lib/served.js'
import { startScaleSwarm } from './lib/scale-swarm.js'
import { SubjectProcess } from './lib/subject-process.js'
import { TempDirs, round, sleep, waitFor } from './lib/util.js'

interface Recorded {
  stalls: Array<{ endUs: number; ms: number }>
  gcs: Array<{ startUs: number; ms: number; kind: number }>
  requests: Array<{ startUs: number; ms: number; url: string }>
}

interface Window {
  scraped: boolean
  fromUs: number
  toUs: number
}

const WINDOW_MS = 10_000
/** The stall timer's tick (stall-recorder.ts): a stall began this much before it was seen. */
const TICK_US = 2_000

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(name)
  const value = at >= 0 ? Number(process.argv[at + 1]) : fallback
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a number`)
  return value
}

const peers = option('--peers', 200)
const rounds = option('--rounds', 3)
const minMs = option('--min-ms', 20)
/** Frames with the most self time to print under each stall. */
const hottest = option('--hottest', 0)
const nodeFlags = process.argv.flatMap((arg, i) =>
  arg === '--node-flag' ? [process.argv[i + 1] ?? ''] : [],
)

const dirs = new TempDirs()
const keepAt = process.argv.indexOf('--keep-profile')
const profileDir = keepAt >= 0 ? (process.argv[keepAt + 1] ?? '.') : await dirs.make('wes-stalls-')
const subject = await SubjectProcess.start('wes-node', await dirs.make(), {
  maxConnections: peers + 200,
  nodeArgs: [
    ...nodeFlags,
    '--cpu-prof',
    `--cpu-prof-dir=${profileDir}`,
    '--cpu-prof-interval=500',
    '--import',
    pathToFileURL(worker('stall-recorder')).href,
  ],
})
const windows: Window[] = []
let recorded: Recorded
try {
  const swarm = await startScaleSwarm({
    targets: [subject.listenAddr],
    count: peers,
    workers: peers > 250 ? 4 : 1,
  })
  try {
    await waitFor(async () => (await subject.peers()) >= peers, `${peers} peers on the subject`, {
      timeoutMs: 60_000,
      intervalMs: 500,
    })
    await sleep(2_000)
    await subject.ask<Recorded>('stalls')
    for (let r = 0; r < rounds; r++) {
      for (const scraped of r % 2 === 0 ? [true, false] : [false, true]) {
        const scraper = new Scraper([subject.diagnosticsUrl ?? ''])
        const fromUs = nowUs()
        if (scraped) scraper.start()
        await sleep(WINDOW_MS)
        scraper.stop()
        windows.push({ scraped, fromUs, toUs: nowUs() })
      }
    }
    recorded = await subject.ask<Recorded>('stalls')
  } finally {
    await swarm.stop()
  }
} finally {
  // the profile is written as the subject exits
  await subject.stop()
}
const [file] = (await readdir(profileDir)).filter((f) => f.endsWith('.cpuprofile'))
if (file === undefined) throw new Error(`no CPU profile in ${profileDir}`)
const profile = new CpuProfileReader(
  JSON.parse(await readFile(`${profileDir}/${file}`, 'utf8')) as CpuProfile,
)
await dirs.removeAll()

const lines: string[] = []
const worst: Record<'scraped' | 'quiet', number[]> = { scraped: [], quiet: [] }
for (const [i, w] of windows.entries()) {
  const kind = w.scraped ? 'scraped' : 'quiet'
  const inWindow = recorded.stalls.filter((s) => s.endUs >= w.fromUs && s.endUs <= w.toUs)
  worst[kind].push(Math.max(0, ...inWindow.map((s) => s.ms)))
  const scrapes = recorded.requests.filter(
    (q) => q.url === '/metrics' && q.startUs >= w.fromUs && q.startUs <= w.toUs,
  )
  lines.push(
    `window ${i + 1} (${kind}): ${inWindow.length} stalls over 10 ms` +
      (scrapes.length > 0
        ? `; /metrics served in ${scrapes.map((q) => round(q.ms, 1)).join(', ')} ms`
        : ''),
  )
  for (const stall of inWindow.filter((s) => s.ms >= minMs)) {
    const fromUs = stall.endUs - stall.ms * 1000 - TICK_US
    const byCategory = profile.between(fromUs, stall.endUs)
    const ranMs = [...byCategory.values()].reduce((sum, us) => sum + us, 0) / 1000
    const overlaps = (startUs: number, ms: number): boolean =>
      startUs <= stall.endUs && startUs + ms * 1000 >= fromUs
    const gc = recorded.gcs.filter((g) => overlaps(g.startUs, g.ms))
    const requests = recorded.requests.filter((q) => overlaps(q.startUs, q.ms))
    const parts = [...byCategory]
      .sort((a, b) => b[1] - a[1])
      .map(([category, us]) => `${category} ${round(us / 1000, 1)}`)
    lines.push(
      `  ${round(stall.ms, 1)} ms: ${parts.join(', ')}; not running ${round(Math.max(0, stall.ms - ranMs), 1)}` +
        (gc.length > 0 ? `; GC pauses ${gc.map((g) => round(g.ms, 1)).join(', ')} ms` : '') +
        (requests.length > 0 ? `; requests ${requests.map((q) => q.url).join(', ')}` : ''),
    )
    for (const [frame, us] of profile.hottest(fromUs, stall.endUs, hottest)) {
      lines.push(`      ${round(us / 1000, 1)} ms ${frame.replace(/ \S*node_modules\//, ' ')}`)
    }
  }
}
const served = new Map<string, number[]>()
for (const q of recorded.requests) served.set(q.url, [...(served.get(q.url) ?? []), q.ms])
lines.push(
  `max stall per window, scraped: ${worst.scraped.map((ms) => round(ms, 1)).join(', ')} ms; ` +
    `not scraped: ${worst.quiet.map((ms) => round(ms, 1)).join(', ')} ms`,
  ...[...served].map(
    ([url, ms]) =>
      `${url}: ${ms.length} served, slowest ${round(Math.max(...ms), 2)} ms (request start to response end)`,
  ),
)
process.stdout.write(`${lines.join('\n')}\n`)
process.exit(0)
