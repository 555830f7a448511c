import type { Middleware } from 'koa'
import { MethodNotAllowedError, NotFoundError } from '../errors.js'

const METHOD_ORDER = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']

/**
 * Sits between the error handler and `router.allowedMethods()`, and turns the router's bare
 * statuses into JSON errors: no route for the path is 404 `not_found`; a known path with another
 * method is 405 `method_not_allowed` with `Allow` (also for methods the router does not implement,
 * where it would say 501); `OPTIONS` on a known path answers 204 with `Allow`.
 */
export function routerStatusToErrors(): Middleware {
  return async (ctx, next) => {
    await next()
    if (ctx.body !== undefined && ctx.body !== null && ctx.method !== 'OPTIONS') return

    const allow = normalizeAllow(ctx.response.get('Allow') as string | undefined)
    if (ctx.method === 'OPTIONS' && ctx.status === 200 && allow.length > 0) {
      ctx.status = 204
      ctx.set('Allow', allow.join(', '))
      return
    }
    if ((ctx.status === 405 || ctx.status === 501) && allow.length > 0)
      throw new MethodNotAllowedError(allow)
    if (ctx.status === 404 || ctx.status === 405 || ctx.status === 501) throw new NotFoundError()
  }
}

function normalizeAllow(header: string | undefined): string[] {
  const methods = new Set(
    (header ?? '')
      .split(',')
      .map((method) => method.trim().toUpperCase())
      .filter((method) => method !== ''),
  )
  if (methods.size === 0) return []
  methods.add('OPTIONS')
  const rank = (method: string): number => {
    const index = METHOD_ORDER.indexOf(method)
    return index === -1 ? METHOD_ORDER.length : index
  }
  return [...methods].sort((a, b) => rank(a) - rank(b))
}
