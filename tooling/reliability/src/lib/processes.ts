/**
 * Child processes of the suite: the real `wes-node` bin, and the subject harness (the same CLI
 * run in-process with an IPC channel for heap figures and process warnings). Every child is
 * registered with the case that started it and killed when that case ends.
 */

import { fork, spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { CaseContext } from './runner.js'

/** The `wes-node` bin of the workspace (resolved through the package, not a relative path). */
export const BIN = join(
  dirname(fileURLToPath(import.meta.resolve('wes-node'))),
  '..',
  'bin',
  'wes-node.js',
)

const SUBJECT = fileURLToPath(new URL('../subject.js', import.meta.url))

/** Every child still alive, killed on exit of the runner whatever happens. */
const alive = new Set<ChildProcess>()

export function killAllChildren(): void {
  for (const child of alive) {
    try {
      child.kill('SIGKILL')
    } catch {
      // already gone
    }
  }
}

export interface CliProcess {
  child: ChildProcess
  pid: number
  stdout(): string
  stderr(): string
  /** Resolves with the first match of `pattern` on stdout. */
  waitFor(
    pattern: RegExp,
    timeoutMs?: number,
    stream?: 'stdout' | 'stderr',
  ): Promise<RegExpExecArray>
  /** The exit code, or the signal name when killed by one. */
  exited(timeoutMs?: number): Promise<number | string>
  readonly exitInfo: { code: number | null; signal: string | null } | undefined
  /** Sends `signal` and waits for the exit, at most `timeoutMs`. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | string>
  /** Messages received over IPC (subject harness only). */
  messages: Array<Record<string, unknown>>
  request?(message: Record<string, unknown>, timeoutMs?: number): Promise<Record<string, unknown>>
}

export interface SpawnOptions {
  env?: Record<string, string>
  /** Run inside this network namespace (`ip netns exec`). */
  netns?: string
  cwd?: string
  uid?: number
  gid?: number
}

function baseEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? tmpdir(),
    ...extra,
  }
}

function wrap(child: ChildProcess, ctx: CaseContext | undefined): CliProcess {
  alive.add(child)
  let out = ''
  let err = ''
  let exitInfo: { code: number | null; signal: string | null } | undefined
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (out += chunk))
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (err += chunk))
  const exit = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => {
      exitInfo = { code, signal }
      alive.delete(child)
      resolve(code ?? signal ?? 'unknown')
    }),
  )
  const messages: Array<Record<string, unknown>> = []
  const waiters = new Map<string, (m: Record<string, unknown>) => void>()
  child.on('message', (m) => {
    const message = m as Record<string, unknown>
    messages.push(message)
    const id = typeof message.id === 'string' ? message.id : undefined
    if (id !== undefined) {
      waiters.get(id)?.(message)
      waiters.delete(id)
    }
  })

  const bounded = <T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(
              `${what} not seen within ${timeoutMs} ms; stdout: ${out.slice(-300)}; stderr: ${err.slice(-300)}`,
            ),
          ),
        timeoutMs,
      )
      promise.then(
        (v) => {
          clearTimeout(timer)
          resolve(v)
        },
        (e: unknown) => {
          clearTimeout(timer)
          reject(e as Error)
        },
      )
    })

  const proc: CliProcess = {
    child,
    pid: child.pid ?? -1,
    stdout: () => out,
    stderr: () => err,
    messages,
    get exitInfo() {
      return exitInfo
    },
    waitFor(pattern, timeoutMs = 20_000, stream = 'stdout') {
      const source = stream === 'stdout' ? child.stdout : child.stderr
      const found = new Promise<RegExpExecArray>((resolve, reject) => {
        const check = (): boolean => {
          const match = pattern.exec(stream === 'stdout' ? out : err)
          if (match !== null) {
            source?.off('data', check)
            resolve(match)
            return true
          }
          return false
        }
        if (check()) return
        source?.on('data', check)
        void exit.then(() => {
          // let the last chunks land before giving up
          setImmediate(() => {
            if (!check())
              reject(
                new Error(
                  `process exited before ${pattern}; stdout: ${out.slice(-300)}; stderr: ${err.slice(-300)}`,
                ),
              )
          })
        })
      })
      return bounded(found, timeoutMs, String(pattern))
    },
    exited(timeoutMs = 20_000) {
      return bounded(exit, timeoutMs, 'exit')
    },
    async stop(signal = 'SIGTERM', timeoutMs = 5_000) {
      if (exitInfo === undefined) child.kill(signal)
      return bounded(exit, timeoutMs, 'exit')
    },
  }
  if (child.send !== undefined && child.connected) {
    let next = 0
    proc.request = (message, timeoutMs = 15_000) => {
      const id = `r${next++}`
      const reply = new Promise<Record<string, unknown>>((resolve) => waiters.set(id, resolve))
      child.send({ ...message, id })
      return bounded(reply, timeoutMs, `reply to ${String(message.type)}`)
    }
  }
  ctx?.defer(async () => {
    if (exitInfo === undefined) {
      child.kill('SIGKILL')
      await bounded(exit, 5_000, 'exit after SIGKILL').catch(() => undefined)
    }
  })
  return proc
}

/** Runs the `wes-node` bin with `args` on this Node (the workspace's Node 24). */
export function spawnCli(
  args: string[],
  ctx: CaseContext | undefined,
  options: SpawnOptions = {},
): CliProcess {
  const command = options.netns !== undefined ? 'ip' : process.execPath
  const argv =
    options.netns !== undefined
      ? ['netns', 'exec', options.netns, process.execPath, BIN, ...args]
      : [BIN, ...args]
  const child = spawn(command, argv, {
    env: baseEnv(options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
    ...(options.uid !== undefined ? { uid: options.uid } : {}),
    ...(options.gid !== undefined ? { gid: options.gid } : {}),
  })
  return wrap(child, ctx)
}

/** Runs the CLI to completion within `timeoutMs`. */
export async function runCli(
  args: string[],
  ctx: CaseContext,
  options: SpawnOptions = {},
  timeoutMs = 20_000,
): Promise<{ code: number | string; stdout: string; stderr: string; ms: number }> {
  const started = performance.now()
  const cli = spawnCli(args, ctx, options)
  const code = await cli.exited(timeoutMs)
  return { code, stdout: cli.stdout(), stderr: cli.stderr(), ms: performance.now() - started }
}

/**
 * Runs `wes-node start <args>` in the subject harness: the real CLI, in a process with
 * `--expose-gc`, that answers `{type: 'heap'}` over IPC and reports every process warning.
 */
export function spawnSubject(
  args: string[],
  ctx: CaseContext,
  env: Record<string, string> = {},
): CliProcess {
  const child = fork(SUBJECT, ['start', ...args], {
    env: baseEnv(env),
    execArgv: ['--expose-gc'],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  })
  return wrap(child, ctx)
}

/** A fresh temporary directory, removed when the case ends. */
export async function tempDir(ctx: CaseContext, prefix = 'wes-rel-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix))
  ctx.defer(() => rm(dir, { recursive: true, force: true }))
  return dir
}

export interface LoopbackFlagsInit {
  /** @default 'warn' */
  logLevel?: string
  /** @default '/ip4/127.0.0.1/tcp/0' */
  listen?: string
  /** `null` leaves the flag out (the node's default address). @default '127.0.0.1:0' */
  diagnosticsAddr?: string | null
}

/** Flags for a node that only talks on loopback, on free ports, with its own data directory. */
export function loopbackFlags(dataDir: string, init: LoopbackFlagsInit | string = {}): string[] {
  const {
    logLevel = 'warn',
    listen = '/ip4/127.0.0.1/tcp/0',
    diagnosticsAddr = '127.0.0.1:0',
  } = typeof init === 'string' ? { logLevel: init } : init
  return [
    '--data-dir',
    dataDir,
    '--listen',
    listen,
    ...(diagnosticsAddr === null ? [] : ['--diagnostics-addr', diagnosticsAddr]),
    '--no-mdns',
    '--log-level',
    logLevel,
  ]
}

export interface RunningNode {
  cli: CliProcess
  peerId: string
  multiaddr: string
  diagUrl: string
  diagPort: number
}

/** Waits for the start-up lines of a `wes-node start` process. */
export async function started(cli: CliProcess, timeoutMs = 30_000): Promise<RunningNode> {
  const diag = await cli.waitFor(/diagnostics: (http:\/\/[^\s]+)/, timeoutMs)
  const id = /peer id: (\S+)/.exec(cli.stdout())
  const addr = /listening on: (\/ip4\/127\.0\.0\.1\/tcp\/\d+\/p2p\/\S+)/.exec(cli.stdout())
  const diagUrl = diag[1] as string
  return {
    cli,
    peerId: id?.[1] ?? '',
    multiaddr: addr?.[1] ?? '',
    diagUrl,
    diagPort: Number(new URL(diagUrl).port),
  }
}
