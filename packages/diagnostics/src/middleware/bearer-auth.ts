import { createHash, timingSafeEqual } from 'node:crypto'
import type { Middleware } from 'koa'
import { UnauthorizedError } from '../errors.js'

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest()
}

/**
 * Requires `Authorization: Bearer <token>` on every request, `/metrics` included. The comparison
 * runs in constant time over SHA-256 digests, so neither the token's content nor its length leaks
 * through timing. A missing or wrong token answers 401 JSON with `WWW-Authenticate`.
 */
export function bearerAuth(token: string): Middleware {
  const expected = digest(token)
  return async (ctx, next) => {
    const header = ctx.get('authorization')
    const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header)
    if (match === null || !timingSafeEqual(digest(match[1] as string), expected)) {
      ctx.set('WWW-Authenticate', 'Bearer realm="wes-node"')
      throw new UnauthorizedError(
        header === '' ? 'a bearer token is required' : 'the bearer token is not valid',
      )
    }
    await next()
  }
}
