/**
 * The logger the node reports to, and the silent defaults. Structural, so the application can
 * pass its own (pino, console, ...); levels below the app's `logLevel` are the app's to drop.
 */

import type { ComponentLogger, Logger as Libp2pLog } from '@libp2p/interface'

/** Structured detail of one log line: `{ peer, address, error }`, never interpolated. */
export type LogFields = Record<string, unknown>

/**
 * What the node's parts log through. Each part asks for its own with
 * `logger.forComponent('discovery')`, so every line says which part wrote it.
 */
export interface Logger {
  error(msg: string, fields?: LogFields): void
  warn(msg: string, fields?: LogFields): void
  info(msg: string, fields?: LogFields): void
  debug(msg: string, fields?: LogFields): void
  trace(msg: string, fields?: LogFields): void
  /** A logger for one part of the node (`node`, `discovery`, `mdns`, ...). */
  forComponent(name: string): Logger
}

const noop = (): void => {}

/** The default: says nothing. */
export const SILENT_LOGGER: Logger = Object.freeze({
  error: noop,
  warn: noop,
  info: noop,
  debug: noop,
  trace: noop,
  forComponent: (): Logger => SILENT_LOGGER,
})

const silentLibp2pLog: Libp2pLog = Object.assign(() => {}, {
  error: noop,
  trace: noop,
  enabled: false,
  newScope: (): Libp2pLog => silentLibp2pLog,
})

/**
 * libp2p's own logger when the application gives none: libp2p's default would write its debug
 * lines to stderr whenever `DEBUG` is set, beside (and unlike) the application's log.
 */
export const SILENT_LIBP2P_LOGGER: ComponentLogger = Object.freeze({
  forComponent: (): Libp2pLog => silentLibp2pLog,
})

/** A one-line description of an unknown thrown value. */
export function describeError(err: unknown): string {
  if (err instanceof Error) {
    return `${err.name}: ${err.message}`
  }
  return String(err)
}

/** Turns an unknown thrown value into an `Error`. */
export function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err))
}
