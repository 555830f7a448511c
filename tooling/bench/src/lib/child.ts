/** Child processes of the benchmarks: the wes-node CLI, workers, and what they print. */

import { spawn } from 'node:child_process'
import type { ChildProcess, SpawnOptions } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { createInterface } from 'node:readline'
import { WES_NODE_BIN, distFile } from './util.js'

/** A child whose stdout lines are kept and can be waited for. */
export class Child {
  readonly lines: string[] = []
  readonly stderr: string[] = []
  readonly exited: Promise<number | null>
  private waiters: Array<() => void> = []

  constructor(readonly process: ChildProcess) {
    if (process.stdout != null) {
      createInterface({ input: process.stdout }).on('line', (line) => {
        this.lines.push(line)
        for (const wake of this.waiters.splice(0)) wake()
      })
    }
    process.stderr?.on('data', (chunk: Buffer) => {
      if (this.stderr.length < 200) this.stderr.push(chunk.toString('utf8'))
    })
    this.exited = new Promise((resolve) => {
      process.once('exit', (code, signal) => {
        resolve(code ?? (signal != null ? -1 : null))
        for (const wake of this.waiters.splice(0)) wake()
      })
    })
  }

  get pid(): number {
    return this.process.pid ?? -1
  }

  /** The first stdout line `match` accepts (now or later); rejects after `timeoutMs` or on exit. */
  async line(match: (line: string) => boolean, timeoutMs: number, what: string): Promise<string> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const found = this.lines.find(match)
      if (found !== undefined) return found
      if (this.process.exitCode !== null || this.process.signalCode !== null) {
        throw new Error(`${what}: the process exited (${this.stderr.join('').slice(-500)})`)
      }
      const left = deadline - Date.now()
      if (left <= 0)
        throw new Error(
          `${what}: nothing after ${timeoutMs} ms (${this.stderr.join('').slice(-500)})`,
        )
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left)
        this.waiters.push(() => {
          clearTimeout(timer)
          resolve()
        })
      })
    }
  }

  /** The value after `prefix` on the first line that starts with it, e.g. `diagnostics: `. */
  async value(prefix: string, timeoutMs = 20_000): Promise<string> {
    return (await this.line((l) => l.startsWith(prefix), timeoutMs, `waiting for "${prefix}"`))
      .slice(prefix.length)
      .trim()
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code. */
  async stop(graceMs = 10_000): Promise<number | null> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) return this.exited
    this.process.kill('SIGTERM')
    const timer = setTimeout(() => this.process.kill('SIGKILL'), graceMs)
    try {
      return await this.exited
    } finally {
      clearTimeout(timer)
    }
  }
}

/** Starts `node <args>` on this Node (the workspace's Node 24). */
export function spawnNode(args: string[], options: SpawnOptions = {}): Child {
  return new Child(spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options }))
}

export interface WesNodeInit {
  dataDir: string
  diagnosticsAddr?: string
  /** Node flags before the bin, e.g. `--import probe.js`. */
  nodeArgs?: string[]
  extraArgs?: string[]
  ipc?: boolean
}

/** `wes-node start` on loopback with free ports and mDNS off (the flags B4, B5 and B7 use). */
export function spawnWesNode(init: WesNodeInit): Child {
  const args = [
    ...(init.nodeArgs ?? []),
    WES_NODE_BIN,
    'start',
    '--listen',
    '/ip4/127.0.0.1/tcp/0',
    '--diagnostics-addr',
    init.diagnosticsAddr ?? '127.0.0.1:0',
    '--no-mdns',
    '--data-dir',
    init.dataDir,
    ...(init.extraArgs ?? []),
  ]
  return spawnNode(args, init.ipc === true ? { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] } : {})
}

/** Resident set size of a process in bytes, from /proc (Linux). */
export async function rssBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1]
  if (kb === undefined) throw new Error(`no VmRSS for pid ${pid}`)
  return Number(kb) * 1024
}

/** Path of a worker script of this package. */
export function worker(name: string): string {
  return distFile(`workers/${name}.js`)
}

/** CPU time (user + system) a process has used, in ms, from /proc (Linux, 10 ms ticks). */
export async function cpuMs(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8')
  // fields after the command name, which is in parentheses and may contain spaces
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const ticks = Number(fields[11]) + Number(fields[12])
  return ticks * 10
}
