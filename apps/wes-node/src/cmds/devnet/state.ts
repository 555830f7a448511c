import { CliError, EXIT_FAILURE } from '../../errors.js'
import { devnetPath, readIfExists, writeFileAtomic } from './files.js'
import type { DevnetLab } from './lab.js'

/** One node of a devnet, as `devnet.json` lists it (snake_case keys: a public format). */
export interface DevnetNode {
  /** 1, 2, ...: the node's name is `node-<index>`. */
  index: number
  name: string
  peer_id: string
  /** Pid of its `wes-node start` process; null once it stopped. */
  pid: number | null
  listen_port: number
  diagnostics_port: number
  /**
   * `/ip4/127.0.0.1/tcp/<listen_port>/p2p/<peer_id>`: dial or bootstrap from it (on a lab
   * devnet: the node's lab address, reachable from the lab's hosts only).
   */
  multiaddr: string
  /**
   * `http://127.0.0.1:<diagnostics_port>`: what `diag --addr` and Prometheus read (on a lab
   * devnet: forwarded into the node's host).
   */
  diagnostics_url: string
  /** On a lab devnet: the node's network namespace (`ip netns exec <netns> ...`). */
  netns?: string
  data_dir: string
  log_file: string
}

/** `devnet.json`: what runs in a devnet directory, for other shells and scripts. */
export interface DevnetState {
  /** The format's version; changes only additively while it is 1. */
  version: 1
  dir: string
  /** Pid of the `wes-node devnet` process that owns the nodes; null once it stopped. */
  control_pid: number | null
  control_socket: string
  started_at: string
  /** The Prometheus the devnet started (`--prometheus`), or null. */
  prometheus: { url: string; pid: number | null } | null
  /** The network lab the nodes run on (`--lab`); absent on loopback. */
  lab?: DevnetLab
  nodes: DevnetNode[]
}

/** Writes `devnet.json` atomically. */
export async function writeState(state: DevnetState): Promise<void> {
  await writeFileAtomic(devnetPath(state.dir, 'state'), `${JSON.stringify(state, null, 2)}\n`)
}

/** Reads `devnet.json` of `dir`; undefined when there is none; a `CliError` when it is unreadable. */
export async function readState(dir: string): Promise<DevnetState | undefined> {
  const path = devnetPath(dir, 'state')
  const text = await readIfExists(path)
  if (text === undefined) return undefined
  let state: unknown
  try {
    state = JSON.parse(text)
  } catch {
    throw new CliError(`${path} is not valid JSON`, EXIT_FAILURE, 'ERR_DEVNET_STATE')
  }
  const shaped = state as Partial<DevnetState> | null
  if (shaped?.version !== 1 || !Array.isArray(shaped.nodes)) {
    throw new CliError(
      `${path} is not a devnet state file (version 1)`,
      EXIT_FAILURE,
      'ERR_DEVNET_STATE',
    )
  }
  return shaped as DevnetState
}

/** The state of `dir` or a `CliError` (exit 1) saying there is no devnet there. */
export async function requireState(dir: string): Promise<DevnetState> {
  const state = await readState(dir)
  if (state === undefined) {
    throw new CliError(
      `no devnet in ${dir} (${devnetPath(dir, 'state')} not found); start one with wes-node devnet --dir ${dir}`,
      EXIT_FAILURE,
      'ERR_NO_DEVNET',
    )
  }
  return state
}
