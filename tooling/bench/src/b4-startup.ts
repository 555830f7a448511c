/**
 * B4 start-up: `wes-node start` as a child process (free ports, mDNS off) until
 * `/debug/p2p/health` answers 200, with a fresh data directory (a new identity is generated)
 * and with a warm one (the identity is loaded), against `node -e ''`.
 */

import { Agent } from 'node:http'
import { spawnNode, spawnWesNode } from './lib/child.js'
import { figure } from './lib/figure.js'
import { interleaved, median } from './lib/stats.js'
import { TempDirs, WES_NODE_BIN, freePort, httpGet, round, sleep } from './lib/util.js'
import type { Benchmark } from './lib/types.js'

const HEALTH_DEADLINE_MS = 20_000

/** Spawns `wes-node start` and polls its health route every 5 ms; returns ms to the first 200 and to a clean exit. */
async function startUntilHealthy(dataDir: string): Promise<{ readyMs: number; stopMs: number }> {
  const port = await freePort()
  // a fresh socket per poll: a refused connection must not poison a keep-alive pool
  const agent = new Agent({ keepAlive: false })
  const start = performance.now()
  const child = spawnWesNode({ dataDir, diagnosticsAddr: `127.0.0.1:${port}` })
  try {
    for (;;) {
      if (performance.now() - start > HEALTH_DEADLINE_MS)
        throw new Error(`not healthy after ${HEALTH_DEADLINE_MS} ms`)
      if (child.process.exitCode !== null)
        throw new Error(`wes-node exited: ${child.stderr.join('').slice(-300)}`)
      try {
        if (
          (await httpGet(`http://127.0.0.1:${port}/debug/p2p/health`, agent, 1_000)).status === 200
        )
          break
      } catch {
        // not listening yet
      }
      await sleep(5)
    }
    const readyMs = performance.now() - start
    const stopStart = performance.now()
    const code = await child.stop()
    if (code !== 0) throw new Error(`wes-node stopped with exit code ${code}`)
    return { readyMs, stopMs: performance.now() - stopStart }
  } finally {
    await child.stop(2_000)
    agent.destroy()
  }
}

async function runToExit(args: string[]): Promise<number> {
  const start = performance.now()
  const child = spawnNode(args)
  const code = await child.exited
  if (code !== 0) throw new Error(`node ${args.join(' ')} exited with ${code}`)
  return performance.now() - start
}

export const b4Startup: Benchmark = {
  id: 'B4',
  title: 'Start-up',
  async run({ quick, log }) {
    const rounds = quick ? 2 : 7
    const dirs = new TempDirs()
    try {
      const warmDir = await dirs.make()
      await startUntilHealthy(warmDir) // creates the identity the warm runs load
      const stopSamples: number[] = []
      const samples = await interleaved(
        rounds,
        {
          baseline: async () => runToExit(['-e', '']),
          cliLoad: async () => runToExit([WES_NODE_BIN, '--version']),
          fresh: async () => {
            const { readyMs, stopMs } = await startUntilHealthy(await dirs.make())
            stopSamples.push(stopMs)
            return readyMs
          },
          warm: async () => {
            const { readyMs, stopMs } = await startUntilHealthy(warmDir)
            stopSamples.push(stopMs)
            return readyMs
          },
        },
        (variant, r, value) =>
          log(`B4 round ${r + 1}/${rounds} ${variant}: ${Math.round(value)} ms`),
      )
      const baseline = median(samples.baseline)
      const target = [{ subject: 'value' as const, op: '<' as const, limit: 1_000 }]
      return {
        figures: [
          figure({
            key: 'B4.start-fresh',
            label: 'wes-node start to health 200, fresh data dir',
            unit: 'ms',
            better: 'lower',
            ours: median(samples.fresh),
            baseline,
            baselineLabel: "node -e ''",
            targets: target,
            samples: {
              ours: samples.fresh.map((v) => round(v, 1)),
              baseline: samples.baseline.map((v) => round(v, 1)),
            },
          }),
          figure({
            key: 'B4.start-warm',
            label: 'wes-node start to health 200, warm data dir',
            unit: 'ms',
            better: 'lower',
            ours: median(samples.warm),
            baseline,
            baselineLabel: "node -e ''",
            targets: target,
            samples: { ours: samples.warm.map((v) => round(v, 1)) },
          }),
          figure({
            key: 'B4.cli-load',
            label: 'wes-node --version (module loading only)',
            unit: 'ms',
            better: 'lower',
            ours: median(samples.cliLoad),
            baseline,
            baselineLabel: "node -e ''",
            samples: { ours: samples.cliLoad.map((v) => round(v, 1)) },
          }),
          figure({
            key: 'B4.stop',
            label: 'SIGTERM to exit 0',
            unit: 'ms',
            better: 'lower',
            ours: median(stopSamples),
            samples: { ours: stopSamples.map((v) => round(v, 1)) },
          }),
        ],
        notes: [
          `${rounds} rounds of each variant, interleaved; each start is a new process with a free diagnostics port, ` +
            'polled every 5 ms from the moment of spawn (refused, then 503 while the node starts, then 200). ' +
            'The warm data directory holds the identity created by an untimed first start.',
        ],
      }
    } finally {
      await dirs.removeAll()
    }
  },
}
