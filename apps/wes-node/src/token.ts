import { readFile, stat } from 'node:fs/promises'
import { validateToken } from '@wes/diagnostics/client'
import { UsageError, fsReason, oneLine } from './errors.js'
import type { Logger } from './logger.js'

/** The variable that may hold the diagnostics token itself (the CLI's `diag` reads it too). */
export const TOKEN_ENV = 'WES_DIAGNOSTICS_TOKEN'

/** Reads a token file, trimmed; a missing, unreadable or empty file is a `UsageError`. */
export async function readTokenFile(path: string, what = 'token file'): Promise<string> {
  let token: string
  try {
    token = (await readFile(path, 'utf8')).trim()
  } catch (err) {
    throw new UsageError(`cannot read ${what} ${path}: ${fsReason(err)}`, 'ERR_TOKEN_FILE')
  }
  if (token === '') throw new UsageError(`${what} ${path} is empty`, 'ERR_TOKEN_FILE')
  return token
}

/**
 * The bearer token the diagnostics require: from `diagnosticsTokenFile` when set, else from
 * `WES_DIAGNOSTICS_TOKEN`, else none. A token file others can read is allowed (Prometheus often
 * reads it through a group) but warned about when it is world-readable. The token itself never
 * appears in a message.
 */
export async function readDiagnosticsToken(
  tokenFile: string | undefined,
  env: Record<string, string | undefined>,
  logger: Logger,
): Promise<string | undefined> {
  let token: string
  if (tokenFile !== undefined) {
    token = await readTokenFile(tokenFile, 'diagnostics token file')
    const { mode } = await stat(tokenFile)
    if ((mode & 0o004) !== 0) {
      logger.warn(
        `diagnostics token file ${tokenFile} is readable by every user; chmod o-r ${tokenFile}`,
      )
    }
  } else {
    const fromEnv = env[TOKEN_ENV]?.trim()
    if (fromEnv === undefined || fromEnv === '') return undefined
    token = fromEnv
  }
  try {
    validateToken(token)
  } catch (err) {
    // the rule's own sentence, plus where the token came from (never the token itself)
    throw new UsageError(`${oneLine(err)} (${tokenFile ?? TOKEN_ENV})`, 'ERR_TOKEN_INVALID')
  }
  return token
}
