import type { Middleware } from 'koa'
import { BadRequestError } from '../errors.js'

/** A path with malformed percent-encoding (`/debug/p2p/%E0%A4%A`) is a client error: 400, not 404 or 500. */
export function rejectMalformedPath(): Middleware {
  return async (ctx, next) => {
    try {
      decodeURIComponent(ctx.path)
    } catch {
      throw new BadRequestError('the request path has malformed percent-encoding')
    }
    await next()
  }
}
