/**
 * The node's options: their types, defaults, deep merge and validation. Every field is checked
 * once, here (with the field checks of option-checks.ts), with a message that names the dotted
 * field and the rejected value.
 *
 * Over 300 lines on purpose: two thirds are the documented option types (the contract of the
 * config file), and a new option is its type, its default and its check, which stay in this one
 * file so that none of the three can be forgotten.
 */

import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { OptionsError } from './errors.js'
import {
  bool,
  checkBootstrapAddr,
  deepFreeze,
  expandDataDir,
  hostPort,
  integer,
  invalid,
  isPlainObject,
  nonEmptyString,
  oneOf,
  parseMultiaddr,
  protocolId,
  show,
  stringArray,
} from './option-checks.js'

export { checkBootstrapAddr, expandDataDir } from './option-checks.js'

/** The kad-dht mode: `auto` serves the DHT only once AutoNAT confirms a public address. */
export type DhtMode = 'auto' | 'client' | 'server'

/** Log verbosity, applied by the application's logger. */
export type LogLevel = 'silent' | 'error' | 'warn' | 'info' | 'debug' | 'trace'

/** How the application writes log lines: readable text, or one JSON object per line. */
export type LogFormat = 'text' | 'json'

/** The DHT modes, in the order error messages list them. */
export const DHT_MODES: readonly DhtMode[] = ['auto', 'client', 'server']

/** The log levels, from quiet to verbose. */
export const LOG_LEVELS: readonly LogLevel[] = ['silent', 'error', 'warn', 'info', 'debug', 'trace']

/** The log formats. */
export const LOG_FORMATS: readonly LogFormat[] = ['text', 'json']

/** Kademlia DHT settings. */
export interface DhtOptions {
  /**
   * `client` never serves the DHT, `server` always does, `auto` switches to server once a
   * public address is confirmed.
   *
   * @default 'auto'
   */
  mode: DhtMode
  /**
   * The DHT protocol id; nodes only share a DHT when this matches.
   *
   * @default '/wes/kad/1.0.0'
   */
  protocol: string
}

/** Circuit relay v2 settings. */
export interface RelayOptions {
  /**
   * Use the circuit relay transport (dial and listen through relays).
   *
   * @default true
   */
  enabled: boolean
  /**
   * Serve as a relay for other peers.
   *
   * @default false
   */
  server: boolean
}

/** How the discovery service keeps the node connected. */
export interface DiscoveryOptions {
  /**
   * While fewer peers than this are connected, bootstrap peers that are not connected are
   * dialled again on a backoff schedule.
   *
   * @default 3
   */
  minPeers: number
  /**
   * The first retry delay of the bootstrap schedule, in milliseconds.
   *
   * @default 5_000
   */
  bootstrapIntervalMs: number
  /**
   * The ceiling of the retry delay (it doubles each round, with jitter), in milliseconds.
   *
   * @default 60_000
   */
  bootstrapMaxIntervalMs: number
  /**
   * Time limit of one dial, in milliseconds (also libp2p's `connectionManager.dialTimeout`).
   *
   * @default 10_000
   */
  dialTimeoutMs: number
}

/**
 * Thresholds of the node's health verdict (`/debug/p2p/health`, `/readyz`, `wes-node diag
 * health`); the minimum number of peers is `discovery.minPeers`.
 */
export interface HealthOptions {
  /**
   * Every configured bootstrap peer failing for longer than this reports `bootstrap_unreachable`,
   * in milliseconds.
   *
   * @default 60_000
   */
  bootstrapFailingMs: number
  /**
   * mDNS running but no answer from any other host for longer than this reports
   * `mdns_no_responses`, in milliseconds.
   *
   * @default 30_000
   */
  mdnsSilentMs: number
  /**
   * How long after start an empty DHT routing table, with peers connected, is still expected
   * (`routing_table_empty` afterwards), in milliseconds.
   *
   * @default 60_000
   */
  routingGraceMs: number
  /**
   * `/readyz` answers 200 once the node runs with at least this many peers; 0 asks only that it
   * runs.
   *
   * @default 1
   */
  readyMinPeers: number
}

/** The fully resolved options of a node. */
export interface P2POptions {
  /**
   * Multiaddrs to listen on.
   *
   * @default ['/ip4/0.0.0.0/tcp/28680']
   */
  listen: string[]
  /**
   * Bootstrap peers: multiaddrs that end in `/p2p/<peer id>`.
   *
   * @default []
   */
  bootstrap: string[]
  /**
   * Discover peers on the local network with mDNS.
   *
   * @default true
   */
  mdns: boolean
  /** @default { mode: 'auto', protocol: '/wes/kad/1.0.0' } */
  dht: DhtOptions
  /**
   * Run AutoNAT to learn whether the node's addresses are publicly dialable.
   *
   * @default true
   */
  autonat: boolean
  /** @default { enabled: true, server: false } */
  relay: RelayOptions
  /**
   * Where the identity key lives. A leading `~` is expanded to the home directory and the
   * result is made absolute.
   *
   * @default join(os.homedir(), '.wes-node')
   */
  dataDir: string
  /**
   * Whether the application serves the diagnostics HTTP endpoints (validated here, used by
   * the app).
   *
   * @default true
   */
  diagnosticsEnabled: boolean
  /**
   * `host:port` of the diagnostics server; IPv6 hosts in brackets (`[::1]:28686`).
   *
   * @default '127.0.0.1:28686'
   */
  diagnosticsAddr: string
  /**
   * A file holding the bearer token the diagnostics require on every route (`/metrics`
   * included); none when undefined. The file is read by the app at start.
   *
   * @default undefined
   */
  diagnosticsTokenFile: string | undefined
  /** @default 'info' */
  logLevel: LogLevel
  /**
   * How the application writes its log (applied by the application's logger).
   *
   * @default 'text'
   */
  logFormat: LogFormat
  /**
   * Serve libp2p's own metrics (`libp2p_*`) beside the node's (the application passes a
   * `metrics` factory to the node when true).
   *
   * @default true
   */
  libp2pMetrics: boolean
  /**
   * Serve the standard runtime metrics (`process_*` CPU, memory, file descriptors, start time;
   * `nodejs_*` heap, event-loop lag, GC time) beside the node's.
   *
   * @default true
   */
  processMetrics: boolean
  /** @default { minPeers: 3, bootstrapIntervalMs: 5_000, bootstrapMaxIntervalMs: 60_000, dialTimeoutMs: 10_000 } */
  discovery: DiscoveryOptions
  /** @default { bootstrapFailingMs: 60_000, mdnsSilentMs: 30_000, routingGraceMs: 60_000, readyMinPeers: 1 } */
  health: HealthOptions
  /**
   * libp2p's `connectionManager.maxConnections`.
   *
   * @default 300
   */
  maxConnections: number
  /**
   * Inbound connections that may be in their handshake at once (libp2p's
   * `connectionManager.maxIncomingPendingConnections`); one more is refused
   * (`p2p_inbound_refused_total{reason="pending_limit"}`). Raise it for a node many peers dial at
   * once, such as a bootstrap node.
   *
   * @default 10 (libp2p's)
   */
  maxInboundPending: number
}

/** Options as a caller gives them: every field optional, nested objects partial. */
export type P2POptionsInit = {
  [K in keyof P2POptions]?: P2POptions[K] extends object
    ? P2POptions[K] extends unknown[]
      ? P2POptions[K]
      : Partial<P2POptions[K]>
    : P2POptions[K]
}

/** The defaults every option falls back to. Frozen; copy before changing. */
export const DEFAULT_P2P_OPTIONS: P2POptions = deepFreeze({
  listen: ['/ip4/0.0.0.0/tcp/28680'],
  bootstrap: [],
  mdns: true,
  dht: { mode: 'auto', protocol: '/wes/kad/1.0.0' },
  autonat: true,
  relay: { enabled: true, server: false },
  dataDir: join(homedir(), '.wes-node'),
  diagnosticsEnabled: true,
  diagnosticsAddr: '127.0.0.1:28686',
  diagnosticsTokenFile: undefined,
  logLevel: 'info',
  logFormat: 'text',
  libp2pMetrics: true,
  processMetrics: true,
  discovery: {
    minPeers: 3,
    bootstrapIntervalMs: 5_000,
    bootstrapMaxIntervalMs: 60_000,
    dialTimeoutMs: 10_000,
  },
  health: {
    bootstrapFailingMs: 60_000,
    mdnsSilentMs: 30_000,
    routingGraceMs: 60_000,
    readyMinPeers: 1,
  },
  maxConnections: 300,
  maxInboundPending: 10,
})

const NESTED_KEYS = ['dht', 'relay', 'discovery', 'health'] as const
type NestedKey = (typeof NESTED_KEYS)[number]

const MS_MIN = 100
const HOUR_MS = 3_600_000
const DAY_MS = 86_400_000

/**
 * Merges `init` over {@link DEFAULT_P2P_OPTIONS} (nested objects field by field, arrays
 * replaced) and validates the result. Fields set to `undefined` count as not set.
 *
 * @throws {OptionsError} `code: 'ERR_INVALID_OPTIONS'` naming the first bad field
 *
 * @example
 * const options = resolveOptions({ dht: { mode: 'server' }, listen: ['/ip4/127.0.0.1/tcp/0'] })
 */
export function resolveOptions(init: P2POptionsInit | Record<string, unknown> = {}): P2POptions {
  if (!isPlainObject(init)) {
    throw new OptionsError(`invalid options: ${show(init)} (expected an object)`, '', init)
  }

  const input: Record<string, unknown> = init
  const defaults: Record<string, unknown> = { ...DEFAULT_P2P_OPTIONS }

  for (const key of Object.keys(input)) {
    if (!Object.hasOwn(defaults, key)) {
      throw new OptionsError(`unknown option "${key}"`, key, input[key])
    }
  }

  const merged: Record<string, unknown> = {}
  for (const [key, fallback] of Object.entries(defaults)) {
    const given = input[key]
    if (given === undefined) {
      merged[key] = structuredClone(fallback)
    } else if (isNestedKey(key)) {
      merged[key] = mergeNested(key, given, fallback as Record<string, unknown>)
    } else {
      merged[key] = given
    }
  }

  return validate(merged)
}

function isNestedKey(key: string): key is NestedKey {
  return (NESTED_KEYS as readonly string[]).includes(key)
}

function mergeNested(
  key: NestedKey,
  given: unknown,
  fallback: Record<string, unknown>,
): Record<string, unknown> {
  if (!isPlainObject(given)) {
    throw invalid(key, given, 'an object')
  }
  const out: Record<string, unknown> = { ...fallback }
  for (const [name, value] of Object.entries(given)) {
    if (!Object.hasOwn(fallback, name)) {
      throw new OptionsError(`unknown option "${key}.${name}"`, `${key}.${name}`, value)
    }
    if (value !== undefined) {
      out[name] = value
    }
  }
  return out
}

function validate(o: Record<string, unknown>): P2POptions {
  const dht = o.dht as Record<string, unknown>
  const relay = o.relay as Record<string, unknown>
  const discovery = o.discovery as Record<string, unknown>
  const health = o.health as Record<string, unknown>

  const options: P2POptions = {
    listen: stringArray('listen', o.listen).map((value, i) => {
      parseMultiaddr(`listen[${i}]`, value)
      return value
    }),
    bootstrap: stringArray('bootstrap', o.bootstrap).map((value, i) => {
      checkBootstrapAddr(`bootstrap[${i}]`, value)
      return value
    }),
    mdns: bool('mdns', o.mdns),
    dht: {
      mode: oneOf('dht.mode', dht.mode, DHT_MODES),
      protocol: protocolId('dht.protocol', dht.protocol),
    },
    autonat: bool('autonat', o.autonat),
    relay: {
      enabled: bool('relay.enabled', relay.enabled),
      server: bool('relay.server', relay.server),
    },
    dataDir: expandDataDir(nonEmptyString('dataDir', o.dataDir)),
    diagnosticsEnabled: bool('diagnosticsEnabled', o.diagnosticsEnabled),
    diagnosticsAddr: hostPort('diagnosticsAddr', o.diagnosticsAddr),
    diagnosticsTokenFile:
      o.diagnosticsTokenFile === undefined
        ? undefined
        : resolve(nonEmptyString('diagnosticsTokenFile', o.diagnosticsTokenFile)),
    logLevel: oneOf('logLevel', o.logLevel, LOG_LEVELS),
    logFormat: oneOf('logFormat', o.logFormat, LOG_FORMATS),
    libp2pMetrics: bool('libp2pMetrics', o.libp2pMetrics),
    processMetrics: bool('processMetrics', o.processMetrics),
    discovery: {
      minPeers: integer('discovery.minPeers', discovery.minPeers, 0, 1000),
      bootstrapIntervalMs: integer(
        'discovery.bootstrapIntervalMs',
        discovery.bootstrapIntervalMs,
        MS_MIN,
        HOUR_MS,
      ),
      bootstrapMaxIntervalMs: integer(
        'discovery.bootstrapMaxIntervalMs',
        discovery.bootstrapMaxIntervalMs,
        MS_MIN,
        HOUR_MS,
      ),
      dialTimeoutMs: integer('discovery.dialTimeoutMs', discovery.dialTimeoutMs, MS_MIN, 300_000),
    },
    health: {
      bootstrapFailingMs: integer(
        'health.bootstrapFailingMs',
        health.bootstrapFailingMs,
        0,
        DAY_MS,
      ),
      mdnsSilentMs: integer('health.mdnsSilentMs', health.mdnsSilentMs, 0, DAY_MS),
      routingGraceMs: integer('health.routingGraceMs', health.routingGraceMs, 0, DAY_MS),
      readyMinPeers: integer('health.readyMinPeers', health.readyMinPeers, 0, 1000),
    },
    maxConnections: integer('maxConnections', o.maxConnections, 1, 10_000),
    maxInboundPending: integer('maxInboundPending', o.maxInboundPending, 1, 10_000),
  }

  if (options.discovery.bootstrapMaxIntervalMs < options.discovery.bootstrapIntervalMs) {
    throw invalid(
      'discovery.bootstrapMaxIntervalMs',
      options.discovery.bootstrapMaxIntervalMs,
      `a value >= discovery.bootstrapIntervalMs (${options.discovery.bootstrapIntervalMs})`,
    )
  }

  return options
}
