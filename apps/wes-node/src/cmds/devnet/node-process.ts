import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { mkdir, open, readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { CliError, EXIT_FAILURE } from '../../errors.js'
import { nodeDataDir, nodeLogFile, nodeName } from './files.js'
import type { DevnetNode } from './state.js'

/** The `wes-node` bin and the parent watch a node is started with (from `src/` or `dist/`). */
const BIN = fileURLToPath(new URL('../../../bin/wes-node.js', import.meta.url))
const PARENT_WATCH = new URL('../../../dist/cmds/devnet/parent-watch.js', import.meta.url).href

/** Bounds of a node's start and stop. */
export const NODE_PROCESS_TIMEOUTS = {
  /** From spawn to its printed diagnostics URL (module loading is slow on a loaded machine). */
  startMs: 90_000,
  /** From SIGTERM to exit before SIGKILL. */
  stopGraceMs: 10_000,
} as const

export interface NodeProcessInit {
  dir: string
  index: number
  /** 0: a free port of the system's. */
  p2pPort: number
  /** 0: a free port of the system's. */
  diagnosticsPort: number
  /** Multiaddr of the bootstrap peer; none for the first node. */
  bootstrap?: string
  /**
   * A network namespace to run it in (`ip netns exec`: the child is the node itself). It then
   * listens on every address of the namespace (libp2p announces a public-looking address only
   * once AutoNAT confirmed it, so one given alone would leave the node listed as listening on
   * nothing) and {@link host} is the address it is dialled at.
   */
  netns?: string
  /** The IPv4 address it is dialled at (in `multiaddr`). @default '127.0.0.1' */
  host?: string
}

/** A running devnet node: its `wes-node start` child process. */
export interface NodeProcess {
  readonly node: DevnetNode
  /** Resolves with the exit code (or the signal's name) once the process has exited. */
  readonly exited: Promise<number | string>
  /**
   * Closes the node's stdin (it then stops as on SIGTERM, see `parent-watch.ts`), then SIGKILL
   * after `graceMs`; resolves once the process is gone.
   */
  stop(graceMs?: number): Promise<void>
}

/** The arguments of node `init.index`'s `wes-node start` (after the Node.js options). */
export function nodeArgs(init: NodeProcessInit): string[] {
  return [
    'start',
    '--data-dir',
    nodeDataDir(init.dir, init.index),
    '--listen',
    `/ip4/${init.netns === undefined ? '127.0.0.1' : '0.0.0.0'}/tcp/${init.p2pPort}`,
    '--diagnostics-addr',
    `127.0.0.1:${init.diagnosticsPort}`,
    // loopback: no multicast; node 1 is everyone's bootstrap peer
    '--no-mdns',
    // on loopback AutoNAT never confirms an address, so auto mode would stay a DHT client
    '--dht-mode',
    'server',
    // a devnet of 2 or 3 has fewer peers than the default minimum of 3: one peer is healthy here
    '--min-peers',
    '1',
    ...(init.bootstrap !== undefined ? ['--bootstrap', init.bootstrap] : []),
  ]
}

/** The environment of a node: this one without `WES_*`, so the flags alone decide. */
function nodeEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('WES_')))
}

async function logTail(path: string): Promise<string> {
  const text = await readFile(path, 'utf8').catch(() => '')
  const lines = text.trim().split('\n').filter(Boolean)
  return lines.slice(-3).join(' | ')
}

/**
 * Starts node `init.index` as a child process (`wes-node start`, its log appended to
 * `node-<i>/node.log`) and resolves once it printed its peer ID and diagnostics URL. Its stdin is
 * a pipe from this process: when this process is gone the node stops (`parent-watch.ts`).
 *
 * @throws {CliError} when the node exits or does not come up within `timeoutMs`
 */
export async function startNodeProcess(
  init: NodeProcessInit,
  timeoutMs: number = NODE_PROCESS_TIMEOUTS.startMs,
): Promise<NodeProcess> {
  const dataDir = nodeDataDir(init.dir, init.index)
  const logFile = nodeLogFile(init.dir, init.index)
  await mkdir(dataDir, { recursive: true, mode: 0o700 })
  const log = await open(logFile, 'a')
  const host = init.host ?? '127.0.0.1'
  const command = [process.execPath, '--import', PARENT_WATCH, BIN, ...nodeArgs(init)]
  // `ip netns exec` execs the command in place: the pid, stdin pipe and signals stay the node's
  if (init.netns !== undefined) command.unshift('ip', 'netns', 'exec', init.netns)
  let child: ChildProcess
  try {
    child = spawn(command[0] as string, command.slice(1), {
      env: nodeEnv(),
      stdio: ['pipe', 'pipe', log.fd],
    })
  } finally {
    await log.close()
  }
  const { stdin, stdout } = child
  if (stdin === null || stdout === null) throw new Error('spawn without pipes')
  const exited = new Promise<number | string>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'))
  })
  // the pipe breaks when the node exits first: that is seen on `exited`
  stdin.on('error', () => undefined)

  let out = ''
  stdout.setEncoding('utf8')
  const printed = new Promise<{ peerId: string; p2pPort: number; diagnosticsPort: number }>(
    (resolve) => {
      stdout.on('data', (chunk: string) => {
        out += chunk
        const peerId = /^peer id: (\S+)$/m.exec(out)?.[1]
        const diagnostics = /^diagnostics: http:\/\/127\.0\.0\.1:(\d+)/m.exec(out)?.[1]
        // a node in a namespace lists its loopback address too, with the same port
        const listen = /^listening on: \/ip4\/127\.0\.0\.1\/tcp\/(\d+)/m.exec(out)?.[1]
        if (peerId !== undefined && diagnostics !== undefined && listen !== undefined) {
          resolve({ peerId, p2pPort: Number(listen), diagnosticsPort: Number(diagnostics) })
        }
      })
    },
  )

  const stop = async (graceMs: number = NODE_PROCESS_TIMEOUTS.stopGraceMs): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return
    stdin.end()
    let timer: NodeJS.Timeout | undefined
    const killed = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        child.kill('SIGKILL')
        resolve()
      }, graceMs)
    })
    await Promise.race([exited, killed])
    clearTimeout(timer)
    await exited
  }

  let timer: NodeJS.Timeout | undefined
  const outcome = await Promise.race([
    printed,
    exited.then((code) => ({ exit: code })),
    new Promise<{ timeout: true }>((resolve) => {
      timer = setTimeout(() => resolve({ timeout: true }), timeoutMs)
    }),
  ])
  clearTimeout(timer)
  const name = nodeName(init.index)
  if ('exit' in outcome || 'timeout' in outcome) {
    await stop(2_000)
    const why =
      'exit' in outcome ? `exited (${outcome.exit})` : `did not start within ${timeoutMs} ms`
    throw new CliError(
      `${name} ${why}; ${logFile}: ${await logTail(logFile)}`,
      EXIT_FAILURE,
      'ERR_NODE_START',
    )
  }
  const node: DevnetNode = {
    index: init.index,
    name,
    peer_id: outcome.peerId,
    pid: child.pid ?? null,
    listen_port: outcome.p2pPort,
    diagnostics_port: outcome.diagnosticsPort,
    multiaddr: `/ip4/${host}/tcp/${outcome.p2pPort}/p2p/${outcome.peerId}`,
    diagnostics_url: `http://127.0.0.1:${outcome.diagnosticsPort}`,
    data_dir: dataDir,
    log_file: logFile,
  }
  return { node, exited, stop }
}
