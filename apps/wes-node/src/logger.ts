import type { LogLevel } from '@wes/p2p-core'

const LEVELS: Record<LogLevel, number> = {
  silent: 0,
  error: 1,
  warn: 2,
  info: 3,
  debug: 4,
  trace: 5,
}

export interface Logger {
  error(message: string): void
  warn(message: string): void
  info(message: string): void
  debug(message: string): void
}

export interface LoggerInit {
  level: LogLevel
  /** Where log lines go. @default process.stderr */
  stream?: { write(chunk: string): unknown }
  /** @default () => new Date() */
  now?: () => Date
}

/**
 * A line logger for operators: `<ISO time> <LEVEL> <message>` on stderr, so stdout stays for
 * the node's own announcements and machine-readable output.
 */
export function createLogger(init: LoggerInit): Logger {
  const stream = init.stream ?? process.stderr
  const now = init.now ?? (() => new Date())
  const threshold = LEVELS[init.level]

  const write = (level: Exclude<LogLevel, 'silent' | 'trace'>, message: string): void => {
    if (LEVELS[level] > threshold) return
    stream.write(`${now().toISOString()} ${level.toUpperCase().padEnd(5)} ${message}\n`)
  }

  return {
    error: (message) => write('error', message),
    warn: (message) => write('warn', message),
    info: (message) => write('info', message),
    debug: (message) => write('debug', message),
  }
}
