/**
 * The logger the node reports to. Structural, so the application can pass its own
 * (pino, console, ...); levels below the app's `logLevel` are the app's to drop.
 */
export interface Logger {
  error(msg: string): void
  warn(msg: string): void
  info(msg: string): void
  debug(msg: string): void
}

const noop = (): void => {}

/** The default: says nothing. */
export const SILENT_LOGGER: Logger = Object.freeze({
  error: noop,
  warn: noop,
  info: noop,
  debug: noop,
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
