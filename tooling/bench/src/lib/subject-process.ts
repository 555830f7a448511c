/** A subject in a process of its own, with the probe preloaded, and its peers in another. */

import { pathToFileURL } from 'node:url'
import { spawnNode, spawnWesNode, worker } from './child.js'
import type { Child } from './child.js'
import { httpGet, waitFor } from './util.js'

/** Event-loop delay since the last reset, in ms (the timer's period included, as perf_hooks has it). */
export interface EventLoopDelay {
  p50Ms: number
  p99Ms: number
  maxMs: number
  meanMs: number
  samples: number
}

export interface ProbeReport {
  eventLoop: EventLoopDelay
  /** The same less the main thread's waits for a core (its run delay), by a timer of the same period. */
  eventLoopRunning: EventLoopDelay
  /** Garbage-collection pauses since the last reset. */
  gc: { count: number; totalMs: number; maxMs: number }
  memory: NodeJS.MemoryUsage
  /** Milliseconds the process took to serve each HTTP request since the last reset, by path. */
  served: Record<string, number[]>
  /** Milliseconds of GC pause inside each of them, in the same order. */
  servedGc: Record<string, number[]>
  /**
   * Each `/metrics` render since the last reset (wes-node's tracing channel), and the part of each
   * the thread waited for a core, ms.
   */
  renders: { ms: number[]; waitedMs: number[] }
}

export type SubjectKind = 'wes-node' | 'bare-libp2p'

export interface SubjectProcessInit {
  /** libp2p's `maxConnections` (`--max-connections`); both subjects default to 300. */
  maxConnections?: number
  /** Node flags beside the probe's, e.g. `--cpu-prof`. */
  nodeArgs?: string[]
}

export class SubjectProcess {
  private constructor(
    readonly kind: SubjectKind,
    readonly child: Child,
    readonly listenAddr: string,
    /** The diagnostics URL (wes-node only). */
    readonly diagnosticsUrl: string | undefined,
  ) {}

  /** Starts `wes-node start` (or the bare libp2p worker) with the probe, and waits until it listens. */
  static async start(
    kind: SubjectKind,
    dataDir: string,
    init: SubjectProcessInit = {},
  ): Promise<SubjectProcess> {
    const nodeArgs = [
      '--expose-gc',
      '--import',
      pathToFileURL(worker('probe')).href,
      ...(init.nodeArgs ?? []),
    ]
    const limit =
      init.maxConnections !== undefined ? ['--max-connections', String(init.maxConnections)] : []
    const child =
      kind === 'wes-node'
        ? spawnWesNode({ dataDir, nodeArgs, ipc: true, extraArgs: limit })
        : spawnNode([...nodeArgs, worker('bare-node'), ...limit], {
            stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
          })
    try {
      const listenAddr = await child.value('listening on: ', 30_000)
      const diagnosticsUrl =
        kind === 'wes-node' ? await child.value('diagnostics: ', 5_000) : undefined
      return new SubjectProcess(kind, child, listenAddr, diagnosticsUrl)
    } catch (err) {
      await child.stop(2_000)
      throw err
    }
  }

  /** Asks the probe for a report (or resets its histogram). */
  async probe(type: 'report' | 'reset', options: { gc?: boolean } = {}): Promise<ProbeReport> {
    return this.ask<ProbeReport>(type, options)
  }

  /** Peers the subject is connected to now: its diagnostics say (wes-node), or the worker does. */
  async peers(): Promise<number> {
    if (this.diagnosticsUrl !== undefined) {
      const { body } = await httpGet(`${this.diagnosticsUrl}/debug/p2p/stats`)
      return (JSON.parse(body) as { peers: number }).peers
    }
    return (await this.ask<{ peers: number }>('peers')).peers
  }

  /** One IPC question to the subject, answered by a message of the same type within 5 s. */
  async ask<Answer>(type: string, options: object = {}): Promise<Answer> {
    const proc = this.child.process
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        proc.off('message', onMessage)
        reject(new Error(`the subject did not answer ${type} within 5 s`))
      }, 5_000)
      const onMessage = (message: { type?: string } & Answer): void => {
        if (message.type !== type) return
        clearTimeout(timer)
        proc.off('message', onMessage)
        resolve(message)
      }
      proc.on('message', onMessage)
      proc.send({ type, ...options })
    })
  }

  async stop(): Promise<void> {
    await this.child.stop()
  }
}

/** Starts `count` peers in a worker process and waits until they are connected (and, for wes-node, counted). */
export async function connectPeers(
  subject: SubjectProcess,
  count: number,
  timeoutMs = 90_000,
): Promise<Child> {
  const peers = spawnNode([worker('peers'), subject.listenAddr, String(count)])
  try {
    const line = await peers.line(
      (l) => l.startsWith('connected') || l.startsWith('error'),
      timeoutMs,
      `${count} peers`,
    )
    if (!line.startsWith(`connected ${count}`)) throw new Error(`peers: ${line}`)
    if (subject.diagnosticsUrl !== undefined) {
      const url = `${subject.diagnosticsUrl}/debug/p2p/stats`
      await waitFor(
        async () => (JSON.parse((await httpGet(url)).body) as { peers: number }).peers >= count,
        `${count} peers on the subject`,
        {
          timeoutMs: 20_000,
          intervalMs: 200,
        },
      )
    }
    return peers
  } catch (err) {
    await peers.stop(2_000)
    throw err
  }
}
