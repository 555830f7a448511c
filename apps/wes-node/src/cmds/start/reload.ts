/**
 * A configuration reload (SIGHUP), as Prometheus does it: the config file and the token file are
 * read again, what can change while the node runs is applied (the log level, the diagnostics
 * token, the bootstrap peers) and what needs a restart is named and kept. A configuration that
 * does not load changes nothing, and a reload never stops the node.
 */

import { LOG_LEVELS } from '@wes/p2p-core'
import type { LogLevel, P2PNode, P2POptions } from '@wes/p2p-core'
import type { DiagnosticsServer } from '@wes/diagnostics'
import { oneLine } from '../../errors.js'
import type { AppLogger } from '../../logger.js'

/** What a node runs with now: its options and the diagnostics token read from them. */
export interface RunningSettings {
  options: P2POptions
  token: string | undefined
}

export interface ReloadComponents {
  /** The options again, from the same flags, environment and (read again) config file. */
  resolveOptions: () => Promise<P2POptions>
  /** The diagnostics token of `options`, its token file read again. */
  readToken: (options: P2POptions) => Promise<string | undefined>
  /** The root logger: its level is the one that changes. */
  logger: AppLogger
  node: Pick<P2PNode, 'setBootstrap'>
  /** Undefined when the diagnostics are disabled: there is no token to change then. */
  diagnostics?: Pick<DiagnosticsServer, 'setToken'>
  /** Whether libp2p's own lines are written (the node started at trace); they need a restart. */
  libp2pLogging: boolean
}

/** The options a reload applies; every other one needs a restart. */
export const RELOADABLE_OPTIONS = ['logLevel', 'bootstrap', 'diagnosticsTokenFile'] as const

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b)
}

function verbosity(level: LogLevel): number {
  return LOG_LEVELS.indexOf(level)
}

/**
 * Reads the configuration again and applies what it can; resolves with the settings the node
 * runs with afterwards (the old ones when the new configuration does not load). Logs one info
 * line saying what changed, or that nothing did; a warning naming the settings that need a
 * restart; an error naming the problem when the configuration does not load. Never rejects.
 */
export async function reloadSettings(
  running: RunningSettings,
  components: ReloadComponents,
): Promise<RunningSettings> {
  const { logger, diagnostics } = components
  const log = logger.forComponent('config')

  let next: P2POptions
  let token: string | undefined
  try {
    next = await components.resolveOptions()
    token = diagnostics === undefined ? running.token : await components.readToken(next)
  } catch (err) {
    log.error('configuration reload failed; the node keeps its running settings', {
      error: oneLine(err),
    })
    return running
  }

  const changes: string[] = []
  const changed: string[] = []

  // First what can still fail, so that a failure changes nothing.
  if (!same(next.bootstrap, running.options.bootstrap)) {
    try {
      components.node.setBootstrap(next.bootstrap)
    } catch (err) {
      log.error('configuration reload failed; the node keeps its running settings', {
        error: oneLine(err),
      })
      return running
    }
    changed.push('bootstrap')
    changes.push(
      `bootstrap ${next.bootstrap.length} peer${next.bootstrap.length === 1 ? '' : 's'} (was ${running.options.bootstrap.length})`,
    )
  }

  if (diagnostics !== undefined && token !== running.token) {
    diagnostics.setToken(token)
    changed.push('diagnosticsToken')
    changes.push(
      token === undefined
        ? 'diagnostics token removed'
        : running.token === undefined
          ? 'diagnostics token set'
          : 'diagnostics token replaced',
    )
  }

  const levelChanged = next.logLevel !== running.options.logLevel
  if (levelChanged) {
    changed.push('logLevel')
    changes.push(`logLevel ${running.options.logLevel} -> ${next.logLevel}`)
  }

  const needRestart = (Object.keys(next) as Array<keyof P2POptions>).filter(
    (key) =>
      !(RELOADABLE_OPTIONS as readonly string[]).includes(key) &&
      !same(next[key], running.options[key]),
  )
  if (needRestart.length > 0) {
    log.warn('settings changed that apply only after a restart; they keep their running values', {
      settings: needRestart,
    })
  }
  if (levelChanged && next.logLevel === 'trace' && !components.libp2pLogging) {
    log.warn("libp2p's own lines at trace need a restart with logLevel trace")
  }

  const summary = (): void => {
    if (changes.length === 0) log.info('configuration reloaded: nothing changed')
    else log.info(`configuration reloaded: ${changes.join(', ')}`, { changed })
  }
  // The line says what changed at whichever of the two levels shows more.
  if (levelChanged && verbosity(next.logLevel) > verbosity(running.options.logLevel)) {
    logger.setLevel(next.logLevel)
    summary()
  } else {
    summary()
    if (levelChanged) logger.setLevel(next.logLevel)
  }

  return {
    options: {
      ...running.options,
      logLevel: next.logLevel,
      bootstrap: next.bootstrap,
      diagnosticsTokenFile: next.diagnosticsTokenFile,
    },
    token,
  }
}
