/** B1's stream pairs, each in a process of its own (workers/stream-pair.ts), driven over IPC. */

import { spawnNode, worker } from './child.js'
import type { Child } from './child.js'
import type { Counted, PairVariant } from './stream-pair.js'

/** One timed stream of a pair. */
export interface Streamed {
  ms: number
  /** CPU time of the pair's process during the stream, every thread. */
  cpuMs: number
  /** What the receiver's bandwidth meter counted (monitored pairs; 0 for the bare pair). */
  wireInBytes: number
}

export class PairProcess {
  private constructor(
    readonly variant: PairVariant,
    private readonly child: Child,
    /** The diagnostics of the sender and the receiver (none for the bare pair). */
    readonly diagnostics: string[],
  ) {}

  /** Starts a pair and waits until it streamed its warm-up. */
  static async start(variant: PairVariant): Promise<PairProcess> {
    const child = spawnNode(['--expose-gc', worker('stream-pair'), variant], {
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    })
    try {
      const ready = await answer<{ diagnostics: string[] }>(child, 'ready', 30_000)
      return new PairProcess(variant, child, ready.diagnostics)
    } catch (err) {
      await child.stop(2_000)
      throw err
    }
  }

  /** Streams `bytes` from the sender to the receiver; the garbage is collected first. */
  async stream(bytes: number): Promise<Streamed> {
    this.child.process.send({ type: 'stream', bytes })
    return answer<Streamed>(this.child, 'streamed', 60_000)
  }

  /** What the receiver counted (monitored pairs), with both nodes stopped and the process gone. */
  async stop(): Promise<Counted | undefined> {
    try {
      this.child.process.send({ type: 'stop' })
      return (await answer<{ counted?: Counted }>(this.child, 'stopped', 20_000)).counted
    } finally {
      await this.child.stop(2_000)
    }
  }

  /** Kills the process if it still runs (after a failure). */
  async kill(): Promise<void> {
    await this.child.stop(2_000)
  }
}

/** The child's next message of `type`; rejects after `timeoutMs` or when the child exits. */
async function answer<T>(child: Child, type: string, timeoutMs: number): Promise<T> {
  const proc = child.process
  return new Promise<T>((resolve, reject) => {
    const done = (): void => {
      clearTimeout(timer)
      proc.off('message', onMessage)
      proc.off('exit', onExit)
    }
    const timer = setTimeout(() => {
      done()
      reject(
        new Error(
          `stream pair: no ${type} within ${timeoutMs} ms (${child.stderr.join('').slice(-500)})`,
        ),
      )
    }, timeoutMs)
    const onMessage = (message: { type?: string } & T): void => {
      if (message.type !== type) return
      done()
      resolve(message)
    }
    const onExit = (): void => {
      done()
      reject(new Error(`stream pair exited before ${type} (${child.stderr.join('').slice(-500)})`))
    }
    proc.on('message', onMessage)
    proc.on('exit', onExit)
  })
}
