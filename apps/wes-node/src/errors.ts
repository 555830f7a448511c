/** Exit codes of the CLI (DESIGN.md): 0 ok, 1 failure, 2 usage or configuration error. */
export const EXIT_OK = 0
export const EXIT_FAILURE = 1
export const EXIT_USAGE = 2

/**
 * An expected failure of a command: printed as one line, without a stack, and the process
 * exits with `exitCode`.
 */
export class CliError extends Error {
  override name = 'CliError'
  readonly exitCode: number
  readonly code: string

  constructor(message: string, exitCode: number = EXIT_FAILURE, code = 'ERR_CLI') {
    super(message)
    this.exitCode = exitCode
    this.code = code
  }
}

/** A bad flag, environment variable or configuration value (exit 2). */
export class UsageError extends CliError {
  override name = 'UsageError'

  constructor(message: string, code = 'ERR_USAGE') {
    super(message, EXIT_USAGE, code)
  }
}

/** The first line of an error's message, so a message never spans several lines. */
export function oneLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err)
  return (message.split('\n')[0] ?? '').trim() || 'unknown error'
}

const FS_REASONS: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'it is a directory',
  ENOTDIR: 'a parent is not a directory',
}

/** Why a file could not be read, in an operator's words. */
export function fsReason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code
  return (code !== undefined ? FS_REASONS[code] : undefined) ?? oneLine(err)
}
