/**
 * The application's one logger, built on pino: levels, child loggers per component and JSON
 * lines come from pino; `text` renders those same lines for a person reading a terminal.
 */

import pino from 'pino'
import type { DestinationStream, Logger as PinoLogger } from 'pino'
import type { LogFields, LogFormat, LogLevel, Logger } from '@wes/p2p-core'

// The node declares the logger it writes through (with components and fields); this is the
// one the application gives it, and uses itself.
export type { LogFields, LogFormat, Logger }

/** The application's root logger: the node's `Logger`, with a level that can change as it runs. */
export interface AppLogger extends Logger {
  /** Lines below this level are dropped. */
  readonly level: LogLevel
  /** Changes the level of this logger and of every component logger made from it (SIGHUP). */
  setLevel(level: LogLevel): void
}

export interface LoggerInit {
  level: LogLevel
  /** @default 'text' */
  format?: LogFormat
  /**
   * Where log lines go, one `write` per line, synchronously: a CLI must have flushed its last
   * line when it exits. @default pino.destination({ fd: 2, sync: true }) (stderr)
   */
  stream?: { write(chunk: string): unknown }
  /** @default () => new Date() */
  now?: () => Date
}

type Method = Exclude<LogLevel, 'silent'>

/** Keys every pino line has; the rest of a line are the caller's fields. */
const LINE_KEYS = new Set(['level', 'time', 'component', 'msg'])

/**
 * A logger for operators on stderr, so stdout stays for the node's own announcements.
 *
 * `text`: `<ISO time> <LEVEL> [component] <message> key=value ...`, one line per record.
 * `json`: `{"level":"info","time":"<ISO time>","component":"discovery",...fields,"msg":"..."}`.
 *
 * @example
 * ```ts
 * const logger = createLogger({ level: 'info', format: 'json' })
 * logger.forComponent('discovery').warn('bootstrap dial failed', { addr, err })
 * ```
 */
export function createLogger(init: LoggerInit): AppLogger {
  const now = init.now ?? (() => new Date())
  // Synchronous on purpose: pino's worker-thread transports would start a thread and could
  // lose the last lines when the process exits.
  const out = init.stream ?? pino.destination({ fd: 2, sync: true })
  const destination: DestinationStream =
    (init.format ?? 'text') === 'json'
      ? { write: (line) => void out.write(line) }
      : { write: (line) => void out.write(textLine(line)) }

  const root = pino(
    {
      level: init.level,
      // journald, Loki and the like record host and process themselves.
      base: undefined,
      timestamp: () => `,"time":"${now().toISOString()}"`,
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  )
  return {
    ...wrap(root, root),
    get level(): LogLevel {
      return root.level as LogLevel
    },
    // Component loggers are pino children, which read the level through their prototype, the
    // root, unless given one of their own (they never are).
    setLevel(level: LogLevel): void {
      root.level = level
    },
  }
}

function wrap(target: PinoLogger, root: PinoLogger): Logger {
  const at =
    (method: Method) =>
    (msg: string, fields?: LogFields): void => {
      if (fields === undefined) target[method](msg)
      else target[method](serializeErrors(fields), msg)
    }
  return {
    error: at('error'),
    warn: at('warn'),
    info: at('info'),
    debug: at('debug'),
    trace: at('trace'),
    forComponent: (name) => wrap(root.child({ component: name }), root),
  }
}

/** pino serializes an `Error` only under `err`; any other field holding one gets the same. */
function serializeErrors(fields: LogFields): LogFields {
  let out: LogFields | undefined
  for (const [key, value] of Object.entries(fields)) {
    if (key !== 'err' && value instanceof Error) {
      out ??= { ...fields }
      out[key] = pino.stdSerializers.err(value)
    }
  }
  return out ?? fields
}

/**
 * Renders one of pino's JSON lines as `<ISO time> <LEVEL> [component] <message> key=value`, the
 * way the CLI has always logged (the component and fields are new, and come after).
 */
export function textLine(json: string): string {
  let line: Record<string, unknown>
  try {
    line = JSON.parse(json) as Record<string, unknown>
  } catch {
    return json
  }
  const level = String(line.level ?? '').toUpperCase()
  const component = typeof line.component === 'string' ? `[${line.component}] ` : ''
  const fields = Object.entries(line)
    .filter(([key]) => !LINE_KEYS.has(key))
    .map(([key, value]) => ` ${key}=${fieldText(value)}`)
    .join('')
  return `${String(line.time)} ${level.padEnd(5)} ${component}${String(line.msg ?? '')}${fields}\n`
}

function fieldText(value: unknown): string {
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value)
  if (isSerializedError(value)) return JSON.stringify(`${value.type}: ${value.message}`)
  return JSON.stringify(value) ?? String(value)
}

function isSerializedError(value: unknown): value is { type: string; message: string } {
  if (typeof value !== 'object' || value === null) return false
  const { type, message, stack } = value as Record<string, unknown>
  return typeof type === 'string' && typeof message === 'string' && typeof stack === 'string'
}
