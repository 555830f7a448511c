/** B1's stream pairs, each in a process of its own (workers/stream-pair.ts), driven over IPC. */

import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { spawnNode, worker } from './child.js'
import type { Child } from './child.js'
import type { Counted, PairVariant } from './stream-pair.js'

/** One timed stream of a pair. */
export interface Streamed {
  ms: number
  /** CPU time of the pair's process during the stream, every thread. */
  cpuMs: number
  /** What the receiver's bandwidth meter counted (monitored pairs; 0 for bare pairs). */
  wireInBytes: number
}

/** How long a pair's process has after SIGTERM to stop its nodes (its own bound is 10 s). */
const KILL_GRACE_MS = 11_000

export class PairProcess {
  private constructor(
    readonly variant: PairVariant,
    private readonly child: Child,
    /** Where the pair's nodes keep their data; removed with the process. */
    private readonly dir: string,
    /** The diagnostics of the sender and the receiver (none for bare pairs). */
    readonly diagnostics: string[],
  ) {}

  /** Starts a pair and waits until it streamed its warm-up. */
  static async start(variant: PairVariant): Promise<PairProcess> {
    const dir = await mkdtemp(join(tmpdir(), 'wes-bench-pair-'))
    const child = spawnNode(['--expose-gc', worker('stream-pair'), variant, dir], {
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    })
    // a send to a process that died emits 'error' on it; each ask() reports that death itself
    child.process.on('error', () => {})
    try {
      const ready = await ask<{ diagnostics: string[] }>(child, undefined, 'ready', 30_000)
      return new PairProcess(variant, child, dir, ready.diagnostics)
    } catch (err) {
      await child.stop(2_000)
      await rm(dir, { recursive: true, force: true })
      throw err
    }
  }

  /** Streams `bytes` from the sender to the receiver; the garbage is collected first. */
  async stream(bytes: number): Promise<Streamed> {
    return ask<Streamed>(this.child, { type: 'stream', bytes }, 'streamed', 60_000)
  }

  /** What the receiver counted (monitored pairs), with both nodes stopped and the process gone. */
  async stop(): Promise<Counted | undefined> {
    try {
      return (await ask<{ counted?: Counted }>(this.child, { type: 'stop' }, 'stopped', 20_000))
        .counted
    } finally {
      await this.kill()
    }
  }

  /** Ends the process if it still runs (after a failure): its nodes stop and its directories go. */
  async kill(): Promise<void> {
    await this.child.stop(KILL_GRACE_MS)
    await rm(this.dir, { recursive: true, force: true })
  }
}

/**
 * Sends `message` (if any) to the child and waits for its next message of `type`; rejects after
 * `timeoutMs`, when the send fails, or when the child is gone (then with what it last wrote on
 * stderr, read to the end).
 */
async function ask<T>(
  child: Child,
  message: object | undefined,
  type: string,
  timeoutMs: number,
): Promise<T> {
  const proc = child.process
  const gone = (): Error =>
    new Error(`stream pair exited before ${type} (${child.stderr.join('').slice(-500)})`)
  return new Promise<T>((resolve, reject) => {
    const done = (): void => {
      clearTimeout(timer)
      proc.off('message', onMessage)
      proc.off('close', onClose)
    }
    const fail = (err: Error): void => {
      done()
      reject(err)
    }
    const timer = setTimeout(() => {
      fail(
        new Error(
          `stream pair: no ${type} within ${timeoutMs} ms (${child.stderr.join('').slice(-500)})`,
        ),
      )
    }, timeoutMs)
    const onMessage = (answer: { type?: string } & T): void => {
      if (answer.type !== type) return
      done()
      resolve(answer)
    }
    // 'close', not 'exit': by then the child's stderr has been read to the end
    const onClose = (): void => fail(gone())
    proc.on('message', onMessage)
    proc.on('close', onClose)
    if (proc.exitCode !== null || proc.signalCode !== null || !proc.connected) {
      fail(gone())
      return
    }
    if (message !== undefined) {
      proc.send(message, (err: Error | null) => {
        if (err != null) fail(gone())
      })
    }
  })
}
