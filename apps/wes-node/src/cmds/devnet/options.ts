import { resolve } from 'node:path'
import { UsageError } from '../../errors.js'

/** Limits and defaults of `wes-node devnet`. */
export const DEVNET_LIMITS = {
  /** Nodes one devnet runs at most (one `wes-node start` process each). */
  maxNodes: 100,
} as const

/**
 * The network-lab topologies `--lab` runs a devnet on (`@wes/netlab`): those whose hosts all
 * reach each other directly, so node 1 can be everyone's bootstrap peer at any size.
 */
export const DEVNET_LAB_TOPOLOGIES = {
  'public-network': 'hosts node1..N with public-looking addresses 6.0.0.1..N on one segment',
  lan: 'hosts peer1..N on one LAN with multicast, 10.1.0.1..N',
} as const

export type DevnetLabTopology = keyof typeof DEVNET_LAB_TOPOLOGIES

/** The defaults of {@link DevnetOptions}. */
export const DEFAULT_DEVNET_OPTIONS = {
  nodes: 3,
  dir: 'wes-devnet',
  basePort: 29000,
  diagBasePort: 29100,
  prometheus: false,
  prometheusPort: 9090,
} as const

/** What `wes-node devnet` runs, checked. */
export interface DevnetOptions {
  /** Nodes to start, 1 to {@link DEVNET_LIMITS.maxNodes}. @default 3 */
  nodes: number
  /** The devnet directory, absolute: state, targets, config and one data directory per node. */
  dir: string
  /**
   * p2p TCP port of node 1 on 127.0.0.1; node i listens on `basePort + i - 1`. 0: each node takes
   * a free port of the system's. @default 29000
   */
  basePort: number
  /** Diagnostics port of node 1, consecutive like {@link basePort}; 0 likewise. @default 29100 */
  diagBasePort: number
  /** Also start Prometheus on the written config. @default false */
  prometheus: boolean
  /** Prometheus's port on 127.0.0.1; 0: a free one. @default 9090 */
  prometheusPort: number
  /**
   * Run the nodes as hosts of this network-lab topology (root) instead of on loopback: each node
   * listens on its host's lab address (port `basePort + i - 1` there) and its diagnostics are
   * forwarded to `127.0.0.1:diagBasePort + i - 1` on the machine. Undefined: loopback.
   */
  lab?: DevnetLabTopology
}

/** The flags as commander hands them over (strings: every check is here, in one place). */
export interface DevnetFlags {
  nodes?: string
  dir?: string
  basePort?: string
  diagBasePort?: string
  prometheus?: boolean
  prometheusPort?: string
  lab?: string
}

/** An integer from `min` to `max` written in plain digits, or a `UsageError` naming the flag. */
export function integerFlag(raw: string, flag: string, min: number, max: number): number {
  const trimmed = raw.trim()
  const value = Number(trimmed)
  if (!/^\d{1,6}$/.test(trimmed) || value < min || value > max) {
    throw new UsageError(`${flag} must be an integer from ${min} to ${max}, got "${raw}"`)
  }
  return value
}

/** A port flag: 0 (any free port) or a first port whose `count` consecutive ports all exist. */
function portFlag(raw: string | undefined, flag: string, fallback: number, count: number): number {
  if (raw === undefined) return fallback
  const last = 65_536 - count
  const port = integerFlag(raw, flag, 0, 65_535)
  if (port !== 0 && (port < 1024 || port > last)) {
    throw new UsageError(
      `${flag} must be 0 (any free port) or from 1024 to ${last} (${count} consecutive ports), got "${raw}"`,
    )
  }
  return port
}

/** The ports `[first, first + count)`, or none when `first` is 0 (the system picks). */
export function portRange(first: number, count: number): number[] {
  return first === 0 ? [] : Array.from({ length: count }, (_, i) => first + i)
}

/** `--lab <topology>`: one of {@link DEVNET_LAB_TOPOLOGIES}, or a `UsageError` listing them. */
function labFlag(raw: string | undefined): DevnetLabTopology | undefined {
  if (raw === undefined) return undefined
  const names = Object.keys(DEVNET_LAB_TOPOLOGIES)
  const name = raw.trim()
  if (!Object.hasOwn(DEVNET_LAB_TOPOLOGIES, name)) {
    throw new UsageError(
      `--lab must name a topology a devnet runs on (one of: ${names.join(', ')}), got "${raw}"`,
    )
  }
  return name as DevnetLabTopology
}

/**
 * Flags into options, every value checked (`UsageError`, exit 2): the node count, the ports and
 * that the p2p and diagnostics ranges do not overlap; `dir` is made absolute against `cwd`.
 * Whether the ports are free is checked when the devnet starts (`ports.ts`).
 */
export function resolveDevnetOptions(flags: DevnetFlags, cwd: string): DevnetOptions {
  const nodes =
    flags.nodes === undefined
      ? DEFAULT_DEVNET_OPTIONS.nodes
      : integerFlag(flags.nodes, '--nodes', 1, DEVNET_LIMITS.maxNodes)
  // room for nodes added later (`devnet add`) up to the limit
  const room = DEVNET_LIMITS.maxNodes
  const basePort = portFlag(flags.basePort, '--base-port', DEFAULT_DEVNET_OPTIONS.basePort, room)
  const diagBasePort = portFlag(
    flags.diagBasePort,
    '--diag-base-port',
    DEFAULT_DEVNET_OPTIONS.diagBasePort,
    room,
  )
  if (basePort !== 0 && diagBasePort !== 0 && Math.abs(basePort - diagBasePort) < room) {
    throw new UsageError(
      `--base-port ${basePort} and --diag-base-port ${diagBasePort} must be at least ${room} apart (room for ${room} nodes each)`,
    )
  }
  const prometheus = flags.prometheus === true
  if (flags.prometheusPort !== undefined && !prometheus) {
    throw new UsageError('--prometheus-port needs --prometheus')
  }
  const prometheusPort =
    flags.prometheusPort === undefined
      ? DEFAULT_DEVNET_OPTIONS.prometheusPort
      : integerFlag(flags.prometheusPort, '--prometheus-port', 0, 65_535)
  for (const [flag, first] of [
    ['--base-port', basePort],
    ['--diag-base-port', diagBasePort],
  ] as const) {
    if (first !== 0 && prometheus && prometheusPort >= first && prometheusPort < first + room) {
      throw new UsageError(
        `--prometheus-port ${prometheusPort} is inside the range of ${flag} (${first} to ${first + room - 1})`,
      )
    }
  }
  const lab = labFlag(flags.lab)
  const rawDir = flags.dir ?? DEFAULT_DEVNET_OPTIONS.dir
  if (rawDir.trim() === '') throw new UsageError('--dir must not be empty')
  return {
    nodes,
    dir: resolve(cwd, rawDir),
    basePort,
    diagBasePort,
    prometheus,
    prometheusPort,
    ...(lab !== undefined ? { lab } : {}),
  }
}
