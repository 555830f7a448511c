import { InvalidArgumentError, Option } from 'commander'
import { START_FLAGS, defaultText, isNegated, isSetting } from '../../settings.js'
import type { FlagSpec } from '../../settings.js'

function integer(raw: string): number {
  if (!/^\d+$/.test(raw.trim())) throw new InvalidArgumentError('expected a non-negative integer.')
  return Number(raw)
}

/** `--dht-mode <mode>`, `--listen <multiaddr...>`, `--no-mdns`: the flag as commander reads it. */
export function flagUsage(spec: FlagSpec): string {
  return spec.value === undefined ? spec.flag : `${spec.flag} <${spec.value}>`
}

/**
 * A flag's help line: its help, its environment variable and, once the node's defaults are
 * known, its default (commander adds the choices).
 *
 * @example
 * describeFlag(dataDirSetting, DEFAULT_P2P_OPTIONS)
 * // 'where the node keeps its identity (env WES_DATA_DIR) (default: ~/.wes-node)'
 */
export function describeFlag(spec: FlagSpec, defaults?: object): string {
  const setting = isSetting(spec) ? spec : undefined
  let env = spec.env
  if (setting?.kind === 'boolean') env += isNegated(spec) ? '=false' : '=true'
  if (spec.envNote !== undefined) env += `, ${spec.envNote}`
  let text = `${spec.help} (env ${env})`
  // A boolean's spelling already says its default.
  if (setting !== undefined && setting.kind !== 'boolean' && defaults !== undefined) {
    const shown = defaultText(setting, defaults)
    if (shown !== undefined) text += ` (default: ${shown})`
  }
  return text
}

/**
 * The commander options of `wes-node start`, one per row of the settings table, paired with
 * their row. Commander's own defaults (a `--no-*` flag's true) never reach the options: only
 * typed flags count (see `flagLayer`).
 */
export function startOptions(): Array<[Option, FlagSpec]> {
  return START_FLAGS.map((spec) => {
    const option = new Option(flagUsage(spec), describeFlag(spec))
    if (isSetting(spec)) {
      if (spec.choices !== undefined) option.choices(spec.choices)
      else if (spec.kind === 'integer') option.argParser(integer)
    }
    return [option, spec]
  })
}
