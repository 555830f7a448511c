/**
 * Child processes of the suite: the real `wes-node` bin, and the subject harness (the same CLI
 * run in-process with an IPC channel for heap figures and process warnings). Every child is
 * registered with the case that started it and killed when that case ends. Every child starts
 * through `launch()`, which owns its `error` event: a spawn that fails (ENOENT, EACCES, EPERM)
 * fails the case that asked for it, with one line, and never the runner.
 */

import { fork, spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { rmSync } from 'node:fs'
import {
  chmod,
  copyFile,
  cp,
  mkdir,
  mkdtemp,
  readFile,
  readdir,
  realpath,
  rm,
  stat,
  symlink,
} from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe } from './runner.js'
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
  /** The exit code, or the signal name when killed by one; rejects when it never started. */
  exited(timeoutMs?: number): Promise<number | string>
  readonly exitInfo: { code: number | null; signal: string | null } | undefined
  /** Sends `signal` and waits for the exit, at most `timeoutMs`. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | string>
  /** Messages received over IPC (subject harness only). */
  messages: Array<Record<string, unknown>>
  request?(message: Record<string, unknown>, timeoutMs?: number): Promise<Record<string, unknown>>
}

/** A Node binary and a `wes-node` bin to run instead of the workspace's own. */
export interface CliPaths {
  execPath: string
  bin: string
}

export interface SpawnOptions {
  env?: Record<string, string>
  /** Run inside this network namespace (`ip netns exec`). */
  netns?: string
  cwd?: string
  uid?: number
  gid?: number
  /** @default the workspace's: `{ execPath: process.execPath, bin: BIN }` */
  cli?: CliPaths
}

function baseEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? tmpdir(),
    ...extra,
  }
}

/**
 * Starts a child with `start` and wraps it. `what` names it in the one line a failed start
 * gives (`cannot start wes-node as uid 65534: spawn /x/node EACCES`).
 */
function launch(what: string, ctx: CaseContext | undefined, start: () => ChildProcess): CliProcess {
  let child: ChildProcess
  try {
    child = start()
  } catch (err) {
    // spawn() throws for what libuv reports at once (EPERM for a uid, EINVAL...)
    throw new Error(`cannot start ${what}: ${describe(err)}`, { cause: err })
  }
  return wrap(child, what, ctx)
}

function wrap(child: ChildProcess, what: string, ctx: CaseContext | undefined): CliProcess {
  alive.add(child)
  let out = ''
  let err = ''
  let exitInfo: { code: number | null; signal: string | null } | undefined
  let startError: Error | undefined
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (out += chunk))
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (err += chunk))
  for (const stream of [child.stdout, child.stderr])
    stream?.on('error', (e) => ctx?.log(`${what}: output: ${describe(e)}`))
  // Settles once: on 'exit', or on the 'error' of a child that never started (no 'exit' follows).
  const ended = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exitInfo = { code, signal }
      alive.delete(child)
      resolve()
    })
    child.on('error', (e) => {
      if (child.pid === undefined && exitInfo === undefined) {
        startError = new Error(`cannot start ${what}: ${describe(e)}`, { cause: e })
        alive.delete(child)
        resolve()
        return
      }
      // a kill or an IPC send that failed: the case sees its effect (no exit, no reply)
      ctx?.log(`${what}: ${describe(e)}`)
    })
  })
  const exit = ended.then(() => {
    if (startError !== undefined) throw startError
    return exitInfo?.code ?? exitInfo?.signal ?? 'unknown'
  })
  // read through exited(), stop() and waitFor(); unread, a failed start must not surface as an
  // unhandled rejection
  exit.catch(() => undefined)
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
  const running = (): boolean => exitInfo === undefined && startError === undefined

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
        void ended.then(() => {
          // let the last chunks land before giving up
          setImmediate(() => {
            if (!check())
              reject(
                startError ??
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
      if (running()) child.kill(signal)
      return bounded(exit, timeoutMs, 'exit')
    },
  }
  if (child.send !== undefined && child.connected) {
    let next = 0
    proc.request = (message, timeoutMs = 15_000) => {
      const id = `r${next++}`
      const reply = new Promise<Record<string, unknown>>((resolve, reject) => {
        waiters.set(id, resolve)
        child.send({ ...message, id }, (e) => {
          if (e !== null)
            reject(new Error(`${what}: cannot send ${String(message.type)}: ${describe(e)}`))
        })
      })
      return bounded(reply, timeoutMs, `reply to ${String(message.type)}`)
    }
  }
  ctx?.defer(async () => {
    if (running()) {
      child.kill('SIGKILL')
      await bounded(exit, 5_000, 'exit after SIGKILL').catch(() => undefined)
    }
  })
  return proc
}

/** Runs the `wes-node` bin with `args` on this Node (the workspace's Node 24), or `options.cli`. */
export function spawnCli(
  args: string[],
  ctx: CaseContext | undefined,
  options: SpawnOptions = {},
): CliProcess {
  const { execPath, bin } = options.cli ?? { execPath: process.execPath, bin: BIN }
  const command = options.netns !== undefined ? 'ip' : execPath
  const argv =
    options.netns !== undefined
      ? ['netns', 'exec', options.netns, execPath, bin, ...args]
      : [bin, ...args]
  const what = `wes-node${options.uid !== undefined ? ` as uid ${options.uid}` : ''}`
  return launch(what, ctx, () =>
    spawn(command, argv, {
      env: baseEnv(options.env),
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
      ...(options.uid !== undefined ? { uid: options.uid } : {}),
      ...(options.gid !== undefined ? { gid: options.gid } : {}),
    }),
  )
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
  return launch('the subject harness', ctx, () =>
    fork(SUBJECT, ['start', ...args], {
      env: baseEnv(env),
      execArgv: ['--expose-gc'],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    }),
  )
}

/**
 * A copy of the workspace's `wes-node` that any user can run, in a fresh 0755 folder under
 * `os.tmpdir()`, removed when the case ends: this Node binary, and the CLI's package with every
 * package it depends on, at their own paths under the folder (pnpm's links recreated there).
 *
 * Why a copy: a child run as another user (nobody) must traverse every folder on the way to
 * Node and to each module it loads, and a checkout under a private folder (`mktemp -d` makes
 * it 0700) or checked out with umask 077 denies that. The other ways in change what the case
 * tests (a capability that bypasses permissions would read the file made unreadable too) or
 * the machine (a bind mount, an ACL on the user's folders). About 150 MB, 120 of them Node's
 * binary; a few seconds.
 */
/** Files a package ships that Node never loads: source maps, TypeScript, docs (a third). */
const NOT_RUN = /\.(map|ts|mts|cts|md)$/

export async function stageCli(ctx: CaseContext): Promise<CliPaths> {
  const root = await tempDir(ctx, 'wes-rel-stage-')
  const pkg = await realpath(join(dirname(BIN), '..'))
  const { dirs, links } = await packageClosure(pkg)
  await Promise.all(
    [...dirs].map((dir) =>
      cp(dir, join(root, dir), {
        recursive: true,
        verbatimSymlinks: true,
        // its own node_modules holds links to its dependencies: recreated below, not copied
        filter: (src) => src !== join(dir, 'node_modules') && !NOT_RUN.test(src),
      }),
    ),
  )
  for (const [link, target] of links) {
    await mkdir(dirname(join(root, link)), { recursive: true })
    await symlink(join(root, target), join(root, link)).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'EEXIST') throw e
    })
  }
  const execPath = join(root, 'node')
  await copyFile(process.execPath, execPath)
  // readable by all whatever the umask of the checkout was; the tree is ours alone
  const entries = await readdir(root, { recursive: true, withFileTypes: true })
  await Promise.all(
    entries.map(async (entry) => {
      const path = join(entry.parentPath, entry.name)
      if (entry.isDirectory()) await chmod(path, 0o755)
      else if (entry.isFile())
        await chmod(path, ((await stat(path)).mode & 0o111) !== 0 ? 0o755 : 0o644)
    }),
  )
  await chmod(root, 0o755)
  return { execPath, bin: join(root, BIN) }
}

/**
 * The package folders `pkg` needs at run time (its `dependencies`, `optionalDependencies` and
 * `peerDependencies`, transitively, found as Node finds them: the nearest `node_modules` up the
 * tree) and each link through which one was found.
 */
async function packageClosure(
  pkg: string,
): Promise<{ dirs: Set<string>; links: Array<[link: string, target: string]> }> {
  const dirs = new Set([pkg])
  const links: Array<[string, string]> = []
  const queue = [pkg]
  for (let dir = queue.shift(); dir !== undefined; dir = queue.shift()) {
    const manifest = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as Record<
      string,
      Record<string, string> | undefined
    >
    const names = new Set(
      ['dependencies', 'optionalDependencies', 'peerDependencies'].flatMap((field) =>
        Object.keys(manifest[field] ?? {}),
      ),
    )
    for (const name of names) {
      const found = await nearestModule(dir, name)
      // an optional or peer dependency that is not installed: Node would not find it either
      if (found === undefined) continue
      const target = await realpath(found)
      if (found !== target) links.push([found, target])
      if (!dirs.has(target)) {
        dirs.add(target)
        queue.push(target)
      }
    }
  }
  return { dirs, links }
}

async function nearestModule(from: string, name: string): Promise<string | undefined> {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name)
    if (await exists(candidate)) return candidate
    if (dirname(dir) === dir) return undefined
  }
}

function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  )
}

/** Every temporary directory not yet removed: removed on exit of the runner whatever happens. */
const tempDirs = new Set<string>()

export function removeTempDirs(): void {
  for (const dir of tempDirs) {
    try {
      rmSync(dir, { recursive: true, force: true })
    } catch {
      // nothing more to do on the way out
    }
    tempDirs.delete(dir)
  }
}

/** A fresh temporary directory, removed when the case ends (or the runner exits). */
export async function tempDir(ctx: CaseContext, prefix = 'wes-rel-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix))
  tempDirs.add(dir)
  ctx.defer(async () => {
    await rm(dir, { recursive: true, force: true })
    tempDirs.delete(dir)
  })
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
