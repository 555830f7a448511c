/**
 * B5 memory: resident set size of `wes-node start` idle and with 100 connected peers (the
 * subject in its own process, the peers in another), and memory per connection, against a bare
 * libp2p node (tcp, noise, yamux, identify, ping) in its own process under the same procedure.
 */

import { rssBytes } from './lib/child.js'
import { figure } from './lib/figure.js'
import { interleaved, median } from './lib/stats.js'
import { SubjectProcess, connectPeers } from './lib/subject-process.js'
import type { SubjectKind } from './lib/subject-process.js'
import { TempDirs, round, sleep } from './lib/util.js'
import type { Benchmark } from './lib/types.js'

const PEERS = 100
const MiB = 2 ** 20

interface MemorySample {
  idleRss: number
  loadedRss: number
  /** V8 heap used after a full GC: live objects only. */
  idleHeap: number
  loadedHeap: number
}

/** Median of five RSS readings 200 ms apart. */
async function steadyRss(pid: number): Promise<number> {
  const readings: number[] = []
  for (let i = 0; i < 5; i++) {
    readings.push(await rssBytes(pid))
    await sleep(200)
  }
  return median(readings)
}

async function measure(
  kind: SubjectKind,
  dataDir: string,
  settleMs: number,
): Promise<MemorySample> {
  const subject = await SubjectProcess.start(kind, dataDir)
  try {
    await sleep(settleMs)
    const idleRss = await steadyRss(subject.child.pid)
    const idle = (await subject.probe('report', { gc: true })).memory
    const peers = await connectPeers(subject, PEERS)
    try {
      await sleep(settleMs)
      const loadedRss = await steadyRss(subject.child.pid)
      const loaded = (await subject.probe('report', { gc: true })).memory
      return {
        idleRss,
        loadedRss,
        idleHeap: idle.heapUsed,
        loadedHeap: loaded.heapUsed,
      }
    } finally {
      await peers.stop()
    }
  } finally {
    await subject.stop()
  }
}

export const b5Memory: Benchmark = {
  id: 'B5',
  title: 'Memory',
  async run({ quick, log }) {
    const rounds = quick ? 1 : 2
    const settleMs = quick ? 1_500 : 3_000
    const dirs = new TempDirs()
    const details: Record<SubjectKind, MemorySample[]> = { 'wes-node': [], 'bare-libp2p': [] }
    try {
      await interleaved(
        rounds,
        {
          ours: async () => {
            const sample = await measure('wes-node', await dirs.make(), settleMs)
            details['wes-node'].push(sample)
            return sample.loadedRss
          },
          bare: async () => {
            const sample = await measure('bare-libp2p', await dirs.make(), settleMs)
            details['bare-libp2p'].push(sample)
            return sample.loadedRss
          },
        },
        (variant, r, value) =>
          log(
            `B5 round ${r + 1}/${rounds} ${variant}: ${round(value / MiB, 1)} MiB RSS with ${PEERS} peers`,
          ),
      )
      const med = (kind: SubjectKind, pick: (s: MemorySample) => number): number =>
        median(details[kind].map(pick))
      const perConnection = (s: MemorySample): number => (s.loadedRss - s.idleRss) / PEERS / 1024
      const heapPerConnection = (s: MemorySample): number =>
        (s.loadedHeap - s.idleHeap) / PEERS / 1024
      return {
        figures: [
          figure({
            key: 'B5.rss-idle',
            label: 'RSS idle',
            unit: 'MiB',
            better: 'lower',
            ours: med('wes-node', (s) => s.idleRss / MiB),
            baseline: med('bare-libp2p', (s) => s.idleRss / MiB),
            baselineLabel: 'bare libp2p process',
          }),
          figure({
            key: 'B5.rss-100-peers',
            label: `RSS with ${PEERS} connected peers`,
            unit: 'MiB',
            better: 'lower',
            ours: med('wes-node', (s) => s.loadedRss / MiB),
            baseline: med('bare-libp2p', (s) => s.loadedRss / MiB),
            baselineLabel: 'bare libp2p process',
          }),
          figure({
            key: 'B5.rss-per-connection',
            label: 'RSS per connection',
            unit: 'KiB',
            better: 'lower',
            ours: med('wes-node', perConnection),
            baseline: med('bare-libp2p', perConnection),
            baselineLabel: 'bare libp2p process',
            samples: {
              ours: details['wes-node'].map((s) => round(perConnection(s), 1)),
              baseline: details['bare-libp2p'].map((s) => round(perConnection(s), 1)),
            },
          }),
          figure({
            key: 'B5.heap-per-connection',
            label: 'V8 heap used per connection, after a full GC',
            unit: 'KiB',
            better: 'lower',
            ours: med('wes-node', heapPerConnection),
            baseline: med('bare-libp2p', heapPerConnection),
            baselineLabel: 'bare libp2p process',
          }),
        ],
        notes: [
          `${rounds} round(s), subjects alternating. Each subject is a new process (wes-node start with mDNS off, ` +
            `or a bare libp2p node), read after ${settleMs / 1000} s idle and again ${settleMs / 1000} s after ${PEERS} ` +
            'peers in another process connected to it (each from its own 127.0.x.y address). RSS is the median ' +
            'of five /proc readings; heap figures come from process.memoryUsage() in the subject right after two ' +
            'full GCs (the subject runs with --expose-gc), so heap used is live objects only.',
        ],
      }
    } finally {
      await dirs.removeAll()
    }
  },
}
