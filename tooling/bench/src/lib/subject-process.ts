/** A subject in a process of its own, with the probe preloaded, and its peers in another. */

import { pathToFileURL } from 'node:url'
import { spawnNode, spawnWesNode, worker } from './child.js'
import type { Child } from './child.js'
import { httpGet, waitFor } from './util.js'

export interface ProbeReport {
  eventLoop: { p50Ms: number; p99Ms: number; maxMs: number; meanMs: number; samples: number }
  memory: NodeJS.MemoryUsage
}

export type SubjectKind = 'wes-node' | 'bare-libp2p'

export class SubjectProcess {
  private constructor(
    readonly kind: SubjectKind,
    readonly child: Child,
    readonly listenAddr: string,
    /** The diagnostics URL (wes-node only). */
    readonly diagnosticsUrl: string | undefined,
  ) {}

  /** Starts `wes-node start` (or the bare libp2p worker) with the probe, and waits until it listens. */
  static async start(kind: SubjectKind, dataDir: string): Promise<SubjectProcess> {
    const nodeArgs = ['--expose-gc', '--import', pathToFileURL(worker('probe')).href]
    const child =
      kind === 'wes-node'
        ? spawnWesNode({ dataDir, nodeArgs, ipc: true })
        : spawnNode([...nodeArgs, worker('bare-node')], {
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
    const proc = this.child.process
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('probe did not answer within 5 s')), 5_000)
      const onMessage = (message: { type?: string } & ProbeReport): void => {
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
