import { readFile } from 'node:fs/promises'
import { dirname, isAbsolute, resolve } from 'node:path'
import { isPlainObject, resolveOptions } from '@wes/p2p-core'
import type { P2POptions } from '@wes/p2p-core'
import { UsageError, fsReason, oneLine } from '../../errors.js'
import { CONFIG_ENV, SETTINGS, attributeName, parseSettingValue, setPath } from '../../settings.js'

/** Where a commander option value came from (`getOptionValueSource`). */
export type ValueSource = 'default' | 'config' | 'env' | 'cli' | 'implied' | undefined

/** The parsed flags of `wes-node start`, as commander gives them. */
export interface StartFlags {
  config?: string
  [flag: string]: unknown
}

export interface StartOptionsInput {
  /** Flag values; only those whose source is `cli` count, so commander defaults never win. */
  flags: StartFlags
  flagSource: (flag: string) => ValueSource
  env: Record<string, string | undefined>
  /** Reads the config file. @default fs.readFile(path, 'utf8') */
  readConfig?: (path: string) => Promise<string>
  /** Resolves relative paths. @default process.cwd() */
  cwd?: string
}

type Layer = Record<string, unknown>

/** Options that are file system paths. */
const PATH_KEYS = ['dataDir', 'diagnosticsTokenFile'] as const

/** Deep-merges option layers: objects merge key by key, anything else (arrays too) replaces. */
export function mergeLayers(...layers: Layer[]): Layer {
  const out: Layer = {}
  for (const layer of layers) {
    for (const [key, value] of Object.entries(layer)) {
      const previous = out[key]
      out[key] =
        isPlainObject(previous) && isPlainObject(value) ? mergeLayers(previous, value) : value
    }
  }
  return out
}

/** Validates one layer on its own so an error names where the bad value came from. */
function checkLayer(layer: Layer, origin: string): void {
  try {
    resolveOptions(layer)
  } catch (err) {
    throw new UsageError(`${origin}: ${oneLine(err)}`, 'ERR_INVALID_OPTIONS')
  }
}

/** Reads and parses the JSON config file. Every failure is a `UsageError` naming the file. */
export async function loadConfigFile(
  path: string,
  read: (path: string) => Promise<string> = (p) => readFile(p, 'utf8'),
): Promise<Layer> {
  let text: string
  try {
    text = await read(path)
  } catch (err) {
    throw new UsageError(`cannot read config file ${path}: ${fsReason(err)}`, 'ERR_CONFIG_FILE')
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (err) {
    throw new UsageError(
      `config file ${path} is not valid JSON: ${oneLine(err)}`,
      'ERR_CONFIG_FILE',
    )
  }
  if (!isPlainObject(parsed)) {
    throw new UsageError(`config file ${path} must hold a JSON object`, 'ERR_CONFIG_FILE')
  }
  // Relative paths in a config file are relative to that file, not to wherever the node
  // happens to be started from.
  for (const key of PATH_KEYS) {
    const value = parsed[key]
    if (typeof value === 'string' && value !== '' && !isAbsolute(value) && !value.startsWith('~')) {
      parsed[key] = resolve(dirname(path), value)
    }
  }
  return parsed
}

/** The `WES_*` layer. Empty variables count as unset. */
export function envLayer(env: Record<string, string | undefined>): Layer {
  const layer: Layer = {}
  for (const setting of SETTINGS) {
    const raw = env[setting.env]
    if (raw === undefined || raw.trim() === '') continue
    let value: unknown
    try {
      value = parseSettingValue(setting.kind, raw)
    } catch (err) {
      throw new UsageError(`invalid ${setting.env}: ${oneLine(err)}`, 'ERR_INVALID_ENV')
    }
    setPath(layer, setting.path, value)
  }
  return layer
}

/** The flags layer: only values the user typed (source `cli`). */
export function flagLayer(flags: StartFlags, source: (flag: string) => ValueSource): Layer {
  const layer: Layer = {}
  for (const setting of SETTINGS) {
    const name = attributeName(setting.flag)
    if (source(name) !== 'cli') continue
    const value = flags[name]
    if (value !== undefined) setPath(layer, setting.path, value)
  }
  return layer
}

/**
 * The node's options from defaults < config file < `WES_*` environment < flags, validated once
 * more as a whole. Pure but for reading the config file.
 */
export async function resolveStartOptions(input: StartOptionsInput): Promise<P2POptions> {
  const cwd = input.cwd ?? process.cwd()
  const configFlag = input.flagSource('config') === 'cli' ? input.flags.config : undefined
  const configEnv = input.env[CONFIG_ENV]?.trim()
  const configPath = configFlag ?? (configEnv === '' ? undefined : configEnv)

  const layers: Layer[] = []
  if (configPath !== undefined) {
    const file = await loadConfigFile(resolve(cwd, configPath), input.readConfig)
    checkLayer(file, `config file ${configPath}`)
    layers.push(file)
  }
  const env = envLayer(input.env)
  checkLayer(env, 'environment')
  const flags = flagLayer(input.flags, input.flagSource)
  checkLayer(flags, 'flags')
  layers.push(env, flags)

  const merged = mergeLayers(...layers)
  for (const key of PATH_KEYS) {
    const value = merged[key]
    if (typeof value === 'string' && value !== '' && !isAbsolute(value) && !value.startsWith('~')) {
      merged[key] = resolve(cwd, value)
    }
  }
  try {
    return resolveOptions(merged)
  } catch (err) {
    throw new UsageError(oneLine(err), 'ERR_INVALID_OPTIONS')
  }
}
