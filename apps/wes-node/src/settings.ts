/**
 * The settings of `wes-node start`, in one table: each row is a flag as the user types it, its
 * help, its `WES_*` variable and where it lands in the options (and the config file). The
 * commander options, the environment layer and the README's flag table all follow this table,
 * so none of them can drift from another.
 *
 * This module stays free of runtime imports: `wes-node diag` and `--version` load it too, and
 * must not pay for loading libp2p.
 *
 * Over 300 lines on purpose: it is a table, one row per setting, and grows by rows.
 */

import { homedir } from 'node:os'
import { sep } from 'node:path'

export type SettingKind = 'string' | 'list' | 'boolean' | 'integer'

/** A flag of `wes-node start` and its environment variable. */
export interface FlagSpec {
  /**
   * The flag as typed: `--dht-mode`. A boolean that defaults to true is spelt as its negation
   * (`--no-mdns`), one that defaults to false as itself (`--relay-server`).
   */
  flag: string
  /** The value's placeholder in help (`mode`, `multiaddr...` for a list); none for a boolean. */
  value?: string
  /** One line of help, without the environment variable or the default (both are added). */
  help: string
  /** The environment variable. */
  env: string
  /** Said after the variable in help (`or the token itself in WES_DIAGNOSTICS_TOKEN`). */
  envNote?: string
}

/** A flag that sets one option. */
export interface Setting extends FlagSpec {
  /** Dotted path in the options object and the config file (`dht.mode`). */
  path: string
  kind: SettingKind
  /** The only values the flag accepts (checked while parsing); `@wes/p2p-core` checks the rest. */
  choices?: readonly string[]
}

/** The environment variable that names a config file. */
export const CONFIG_ENV = 'WES_CONFIG'

/** `--config <file>`: a flag of its own, as it names the file the other settings come from. */
export const CONFIG_FLAG: FlagSpec = {
  flag: '--config',
  value: 'file',
  help: 'JSON config file',
  env: CONFIG_ENV,
}

// The same lists as @wes/p2p-core's DHT_MODES, LOG_LEVELS and LOG_FORMATS (a unit test holds
// them equal): parsing a flag must not load libp2p.
const DHT_MODES = ['auto', 'client', 'server'] as const
const LOG_LEVELS = ['silent', 'error', 'warn', 'info', 'debug', 'trace'] as const
const LOG_FORMATS = ['text', 'json'] as const

export const SETTINGS: readonly Setting[] = [
  {
    flag: '--data-dir',
    value: 'dir',
    help: 'where the node keeps its identity',
    env: 'WES_DATA_DIR',
    path: 'dataDir',
    kind: 'string',
  },
  {
    flag: '--listen',
    value: 'multiaddr...',
    help: 'listen multiaddrs',
    env: 'WES_LISTEN',
    path: 'listen',
    kind: 'list',
  },
  {
    flag: '--bootstrap',
    value: 'multiaddr...',
    help: 'bootstrap peers, each with /p2p/<peer id>',
    env: 'WES_BOOTSTRAP',
    path: 'bootstrap',
    kind: 'list',
  },
  {
    flag: '--no-mdns',
    help: 'do not discover peers on the LAN with mDNS',
    env: 'WES_MDNS',
    path: 'mdns',
    kind: 'boolean',
  },
  {
    flag: '--dht-mode',
    value: 'mode',
    help: 'kad-dht mode',
    env: 'WES_DHT_MODE',
    path: 'dht.mode',
    kind: 'string',
    choices: DHT_MODES,
  },
  {
    flag: '--dht-protocol',
    value: 'protocol',
    help: 'kad-dht protocol id',
    env: 'WES_DHT_PROTOCOL',
    path: 'dht.protocol',
    kind: 'string',
  },
  {
    flag: '--no-autonat',
    help: 'do not run AutoNAT',
    env: 'WES_AUTONAT',
    path: 'autonat',
    kind: 'boolean',
  },
  {
    flag: '--no-relay',
    help: 'do not use circuit relay v2',
    env: 'WES_RELAY',
    path: 'relay.enabled',
    kind: 'boolean',
  },
  {
    flag: '--relay-server',
    help: 'serve as a circuit relay for other peers',
    env: 'WES_RELAY_SERVER',
    path: 'relay.server',
    kind: 'boolean',
  },
  {
    flag: '--diagnostics-addr',
    value: 'host:port',
    help: 'diagnostics HTTP address',
    env: 'WES_DIAGNOSTICS_ADDR',
    path: 'diagnosticsAddr',
    kind: 'string',
  },
  {
    flag: '--no-diagnostics',
    help: 'do not serve /metrics and /debug/p2p/*',
    env: 'WES_DIAGNOSTICS',
    path: 'diagnosticsEnabled',
    kind: 'boolean',
  },
  {
    flag: '--diagnostics-token-file',
    value: 'file',
    help: 'require this bearer token on every diagnostics route',
    env: 'WES_DIAGNOSTICS_TOKEN_FILE',
    envNote: 'or the token itself in WES_DIAGNOSTICS_TOKEN',
    path: 'diagnosticsTokenFile',
    kind: 'string',
  },
  {
    flag: '--no-libp2p-metrics',
    help: "do not add libp2p's own libp2p_* metrics to /metrics",
    env: 'WES_LIBP2P_METRICS',
    path: 'libp2pMetrics',
    kind: 'boolean',
  },
  {
    flag: '--no-process-metrics',
    help: 'do not add the standard process_* and nodejs_* runtime metrics to /metrics',
    env: 'WES_PROCESS_METRICS',
    path: 'processMetrics',
    kind: 'boolean',
  },
  {
    flag: '--log-level',
    value: 'level',
    help: "log level; trace adds libp2p's own debug lines",
    env: 'WES_LOG_LEVEL',
    path: 'logLevel',
    kind: 'string',
    choices: LOG_LEVELS,
  },
  {
    flag: '--log-format',
    value: 'format',
    help: 'text for people, json (one object a line) for log shippers',
    env: 'WES_LOG_FORMAT',
    path: 'logFormat',
    kind: 'string',
    choices: LOG_FORMATS,
  },
  {
    flag: '--max-connections',
    value: 'n',
    help: 'connection limit',
    env: 'WES_MAX_CONNECTIONS',
    path: 'maxConnections',
    kind: 'integer',
  },
  {
    flag: '--max-inbound-pending',
    value: 'n',
    help: 'inbound connections that may be in their handshake at once; more are refused',
    env: 'WES_MAX_INBOUND_PENDING',
    path: 'maxInboundPending',
    kind: 'integer',
  },
  {
    flag: '--min-peers',
    value: 'n',
    help: 'retry bootstrap while fewer peers are connected; health is degraded below it',
    env: 'WES_MIN_PEERS',
    path: 'discovery.minPeers',
    kind: 'integer',
  },
  {
    flag: '--health-bootstrap-failing-ms',
    value: 'ms',
    help: 'health reports bootstrap_unreachable once every bootstrap peer has failed this long',
    env: 'WES_HEALTH_BOOTSTRAP_FAILING_MS',
    path: 'health.bootstrapFailingMs',
    kind: 'integer',
  },
  {
    flag: '--health-mdns-silent-ms',
    value: 'ms',
    help: 'health reports mdns_no_responses after this long without an mDNS answer',
    env: 'WES_HEALTH_MDNS_SILENT_MS',
    path: 'health.mdnsSilentMs',
    kind: 'integer',
  },
  {
    flag: '--health-routing-grace-ms',
    value: 'ms',
    help: 'health reports an empty DHT routing table from this long after start',
    env: 'WES_HEALTH_ROUTING_GRACE_MS',
    path: 'health.routingGraceMs',
    kind: 'integer',
  },
  {
    flag: '--ready-min-peers',
    value: 'n',
    help: '/readyz answers 200 from this many peers on (0: once the node runs)',
    env: 'WES_READY_MIN_PEERS',
    path: 'health.readyMinPeers',
    kind: 'integer',
  },
]

/** Every flag of `wes-node start`, in the order help and the README list them. */
export const START_FLAGS: readonly FlagSpec[] = [CONFIG_FLAG, ...SETTINGS]

/** Whether a flag sets an option (every flag but `--config`). */
export function isSetting(spec: FlagSpec): spec is Setting {
  return 'path' in spec
}

/** Whether a boolean flag is spelt as a negation (`--no-mdns`), so its option defaults to true. */
export function isNegated(spec: FlagSpec): boolean {
  return spec.flag.startsWith('--no-')
}

/**
 * The name commander gives a flag's value (`--dht-mode` -> `dhtMode`, `--no-mdns` -> `mdns`),
 * the same rule as commander's `Option.attributeName()`.
 */
export function attributeName(flag: string): string {
  return flag
    .replace(/^--(no-)?/, '')
    .split('-')
    .map((word, i) => (i === 0 ? word : `${word.charAt(0).toUpperCase()}${word.slice(1)}`))
    .join('')
}

/** The value at a dotted `path` of `source`, or undefined. */
export function getPath(source: unknown, path: string): unknown {
  let node = source
  for (const key of path.split('.')) {
    if (typeof node !== 'object' || node === null || !Object.hasOwn(node, key)) return undefined
    node = (node as Record<string, unknown>)[key]
  }
  return node
}

/**
 * A setting's default as help and the README show it (`~/.wes-node`, `true`), read from the
 * node's defaults; undefined when there is none (an empty list counts as none).
 */
export function defaultText(setting: Setting, defaults: object): string | undefined {
  const value = getPath(defaults, setting.path)
  if (value === undefined || value === null) return undefined
  if (Array.isArray(value)) return value.length === 0 ? undefined : value.join(', ')
  if (typeof value === 'string') return homeRelative(value)
  return String(value)
}

function homeRelative(path: string): string {
  const home = homedir()
  if (path === home) return '~'
  return path.startsWith(`${home}${sep}`) ? `~${path.slice(home.length)}` : path
}

const TRUE = new Set(['1', 'true', 'yes', 'on'])
const FALSE = new Set(['0', 'false', 'no', 'off'])

/**
 * Parses a textual setting value (from the environment or a flag argument). Throws an `Error`
 * whose message says what was expected; the caller adds where the value came from.
 */
export function parseSettingValue(kind: SettingKind, raw: string): unknown {
  switch (kind) {
    case 'string':
      return raw
    case 'list':
      return raw
        .split(/[\s,]+/)
        .map((item) => item.trim())
        .filter((item) => item !== '')
    case 'boolean': {
      const value = raw.trim().toLowerCase()
      if (TRUE.has(value)) return true
      if (FALSE.has(value)) return false
      throw new Error(`${JSON.stringify(raw)} (expected true or false)`)
    }
    case 'integer': {
      const value = raw.trim()
      if (!/^-?\d+$/.test(value)) throw new Error(`${JSON.stringify(raw)} (expected an integer)`)
      return Number(value)
    }
  }
}

/** Sets `value` at a dotted `path` of `target`, creating intermediate objects. */
export function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.')
  let node = target
  for (const key of keys.slice(0, -1)) {
    const next = node[key]
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {}
    node = node[key] as Record<string, unknown>
  }
  node[keys[keys.length - 1] as string] = value
}
