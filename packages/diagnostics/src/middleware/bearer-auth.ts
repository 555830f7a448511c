import { createHash, timingSafeEqual } from 'node:crypto'
import type { Middleware } from 'koa'
import { DiagnosticsServerError, UnauthorizedError } from '../errors.js'

/** What a diagnostics token must be, in the words of the error message. */
export const TOKEN_RULE = '16 to 4096 characters without whitespace'

/**
 * The one rule for a diagnostics bearer token: 16 to 4096 characters, none of them whitespace
 * (so it survives a header and a file with a trailing newline, and cannot be guessed).
 *
 * @throws {DiagnosticsServerError} code `ERR_INIT_INVALID`, message
 *   `the diagnostics token must be 16 to 4096 characters without whitespace`
 */
export function validateToken(token: string): void {
  if (!/^\S{16,4096}$/.test(token)) {
    throw new DiagnosticsServerError(
      'ERR_INIT_INVALID',
      `the diagnostics token must be ${TOKEN_RULE}`,
    )
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest()
}

/** The token a request must carry, or none: a fixed one, or one read for each request. */
export type TokenSource = string | (() => string | undefined)

/**
 * Requires `Authorization: Bearer <token>` on every request, `/metrics` included. The comparison
 * runs in constant time over SHA-256 digests, so neither the token's content nor its length leaks
 * through timing. A missing or wrong token answers 401 JSON with `WWW-Authenticate`. A fixed token
 * that breaks {@link validateToken}'s rule throws at creation. A function is asked on every
 * request, so the token can change while the app serves (the one it returns is the caller's to
 * validate); while it returns `undefined`, every request passes. `onRefused` is called for each
 * request answered 401. Requests `isPublic(method, path)` holds for pass without a token: the
 * status page's shell and assets, which hold no data.
 */
export function bearerAuth(
  token: TokenSource,
  onRefused?: () => void,
  isPublic?: (method: string, path: string) => boolean,
): Middleware {
  if (typeof token === 'string') validateToken(token)
  const current = typeof token === 'string' ? () => token : token
  let cached: { token: string; digest: Buffer } | undefined
  return async (ctx, next) => {
    const wanted = current()
    if (wanted === undefined || isPublic?.(ctx.method, ctx.path) === true) {
      await next()
      return
    }
    if (cached?.token !== wanted) cached = { token: wanted, digest: digest(wanted) }
    const expected = cached.digest
    const header = ctx.get('authorization')
    const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header)
    if (match === null || !timingSafeEqual(digest(match[1] as string), expected)) {
      ctx.set('WWW-Authenticate', 'Bearer realm="wes-node"')
      onRefused?.()
      throw new UnauthorizedError(
        header === '' ? 'a bearer token is required' : 'the bearer token is not valid',
      )
    }
    await next()
  }
}
