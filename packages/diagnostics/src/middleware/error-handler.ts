import type { Middleware } from 'koa'
import { HttpError, InternalError, MethodNotAllowedError, UnauthorizedError } from '../errors.js'
import type { DiagnosticsErrorBody } from '../errors.js'

/**
 * The outermost middleware: every response gets `Cache-Control: no-store`, and every thrown error
 * becomes `{"error": code, "message": sentence}` with its status. Unexpected errors answer 500
 * `internal_error` with a fixed sentence and are emitted on the app (`app.on('error')`) for logging;
 * their message and stack never reach the client.
 */
export function errorHandler(): Middleware {
  return async (ctx, next) => {
    ctx.set('Cache-Control', 'no-store')
    try {
      await next()
    } catch (err) {
      const httpError = err instanceof HttpError ? err : new InternalError()
      if (!(err instanceof HttpError)) ctx.app.emit('error', err, ctx)

      // drop whatever a failing handler may have set before it threw
      for (const name of ctx.res.getHeaderNames()) ctx.res.removeHeader(name)
      ctx.set('Cache-Control', 'no-store')
      if (httpError instanceof MethodNotAllowedError) ctx.set('Allow', httpError.allow.join(', '))
      if (httpError instanceof UnauthorizedError)
        ctx.set('WWW-Authenticate', 'Bearer realm="wes-node"')
      for (const [name, value] of Object.entries(httpError.headers)) ctx.set(name, value)

      const body: DiagnosticsErrorBody = {
        error: httpError.code,
        message: httpError.message,
        ...(httpError.dialError !== undefined ? { dial_error: httpError.dialError } : {}),
      }
      ctx.status = httpError.status
      ctx.body = body
    }
  }
}
