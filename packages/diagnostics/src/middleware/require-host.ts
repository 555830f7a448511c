import type { Middleware } from 'koa'
import { BadRequestError } from '../errors.js'

/**
 * An HTTP/1.1 request without `Host` is malformed (RFC 9112 §3.2): 400 JSON. Node's own check
 * (`requireHostHeader`) answers with an empty body, so the server turns it off and this does it.
 */
export function requireHost(): Middleware {
  return async (ctx, next) => {
    if (ctx.req.httpVersionMajor === 1 && ctx.req.httpVersionMinor >= 1 && ctx.get('host') === '') {
      throw new BadRequestError('the request has no Host header')
    }
    await next()
  }
}
