/**
 * The settings of `wes-node start` that come from the environment and from flags, in one
 * table, so a flag and its `WES_*` variable can never drift apart.
 */

export type SettingKind = 'string' | 'list' | 'boolean' | 'integer'

export interface Setting {
  /** Dotted path in the options object (`dht.mode`). */
  path: string
  /** The commander attribute name of the flag (`dhtMode`). */
  flag: string
  /** The environment variable. */
  env: string
  kind: SettingKind
}

export const SETTINGS: readonly Setting[] = [
  { path: 'dataDir', flag: 'dataDir', env: 'WES_DATA_DIR', kind: 'string' },
  { path: 'listen', flag: 'listen', env: 'WES_LISTEN', kind: 'list' },
  { path: 'bootstrap', flag: 'bootstrap', env: 'WES_BOOTSTRAP', kind: 'list' },
  { path: 'mdns', flag: 'mdns', env: 'WES_MDNS', kind: 'boolean' },
  { path: 'dht.mode', flag: 'dhtMode', env: 'WES_DHT_MODE', kind: 'string' },
  { path: 'dht.protocol', flag: 'dhtProtocol', env: 'WES_DHT_PROTOCOL', kind: 'string' },
  { path: 'autonat', flag: 'autonat', env: 'WES_AUTONAT', kind: 'boolean' },
  { path: 'relay.enabled', flag: 'relay', env: 'WES_RELAY', kind: 'boolean' },
  { path: 'relay.server', flag: 'relayServer', env: 'WES_RELAY_SERVER', kind: 'boolean' },
  { path: 'diagnosticsEnabled', flag: 'diagnostics', env: 'WES_DIAGNOSTICS', kind: 'boolean' },
  { path: 'diagnosticsAddr', flag: 'diagnosticsAddr', env: 'WES_DIAGNOSTICS_ADDR', kind: 'string' },
  {
    path: 'diagnosticsTokenFile',
    flag: 'diagnosticsTokenFile',
    env: 'WES_DIAGNOSTICS_TOKEN_FILE',
    kind: 'string',
  },
  { path: 'logLevel', flag: 'logLevel', env: 'WES_LOG_LEVEL', kind: 'string' },
  { path: 'maxConnections', flag: 'maxConnections', env: 'WES_MAX_CONNECTIONS', kind: 'integer' },
  { path: 'discovery.minPeers', flag: 'minPeers', env: 'WES_MIN_PEERS', kind: 'integer' },
]

/** The environment variable that names a config file. */
export const CONFIG_ENV = 'WES_CONFIG'

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
