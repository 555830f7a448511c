import { readFile, stat } from 'node:fs/promises'
import { UsageError } from './errors.js'
import type { Logger } from './logger.js'

/** The variable that may hold the diagnostics token itself (the CLI's `diag` reads it too). */
export const TOKEN_ENV = 'WES_DIAGNOSTICS_TOKEN'

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
    try {
      token = (await readFile(tokenFile, 'utf8')).trim()
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      const reason =
        code === 'ENOENT'
          ? 'no such file'
          : code === 'EACCES'
            ? 'permission denied'
            : (code ?? 'unreadable')
      throw new UsageError(
        `cannot read diagnostics token file ${tokenFile}: ${reason}`,
        'ERR_TOKEN_FILE',
      )
    }
    if (token === '')
      throw new UsageError(`diagnostics token file ${tokenFile} is empty`, 'ERR_TOKEN_FILE')
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
  if (!/^\S{16,4096}$/.test(token)) {
    throw new UsageError(
      `the diagnostics token must be 16 to 4096 characters without whitespace (${tokenFile ?? TOKEN_ENV})`,
      'ERR_TOKEN_INVALID',
    )
  }
  return token
}
