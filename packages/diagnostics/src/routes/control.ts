import { setMaxListeners } from 'node:events'
import type { Duplex } from 'node:stream'
import type Router from '@koa/router'
import type { Context, Middleware } from 'koa'
import { createConcurrencyLimit } from '../concurrency-limit.js'
import {
  CONTROLS,
  CONTROL_NAMES,
  MAX_CONCURRENT_CONTROLS,
  MAX_CONTROL_BODY_BYTES,
} from '../controls/index.js'
import type { Control, ControlSource } from '../controls/index.js'
import {
  BadRequestError,
  HttpError,
  NotFoundError,
  NotReadyError,
  TooManyRequestsError,
} from '../errors.js'
import { jsonBody } from '../middleware/json-body.js'

export interface ControlRoutesComponents {
  /** The node's operations. */
  control: ControlSource
  /** The server's lingering close, for a body over the limit (see `JsonBodyInit`). */
  answerAndClose?: (socket: Duplex, response: string) => void
  /**
   * The time every control gets, in place of each control's own `timeoutMs`.
   *
   * @default each control's own
   */
  timeoutMs?: number
}

/** A control's failure as the answer the client gets. */
function toHttpError(err: unknown, name: string, timeoutMs: number | undefined): unknown {
  if (timeoutMs !== undefined) {
    return new HttpError(504, 'timeout', `${name} did not finish within ${timeoutMs / 1_000} s`, {
      dialError: 'timeout',
    })
  }
  if (err instanceof HttpError) return err
  const {
    name: errorName,
    code,
    message,
    dialError,
  } = (err ?? {}) as {
    name?: unknown
    code?: unknown
    message?: unknown
    dialError?: unknown
  }
  if (errorName !== 'ControlError' || typeof message !== 'string') return err
  const options = typeof dialError === 'string' ? { dialError } : {}
  switch (code) {
    case 'ERR_INVALID_INPUT':
      return new BadRequestError(message)
    case 'ERR_DIAL_FAILED':
      return new HttpError(502, 'dial_failed', message, options)
    case 'ERR_PING_FAILED':
      return new HttpError(502, 'ping_failed', message, options)
    case 'ERR_PEER_NOT_FOUND':
      return new HttpError(404, 'peer_not_found', message)
    default:
      return err
  }
}

/**
 * The signal of one operation: aborted at the control's timeout, or when the client goes away
 * (the answer could not be delivered). `dispose()` clears the timer and the listener.
 */
function operationSignal(
  ctx: Context,
  timeoutMs: number,
): { signal: AbortSignal; timedOut: () => boolean; dispose: () => void } {
  const controller = new AbortController()
  // libp2p adds a listener per dial and stream; a long ping run must not warn about them
  setMaxListeners(Infinity, controller.signal)
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    controller.abort(new Error(`timed out after ${timeoutMs} ms`))
  }, timeoutMs)
  const onClose = (): void => {
    if (!ctx.res.writableFinished) controller.abort(new Error('the client went away'))
  }
  ctx.res.once('close', onClose)
  return {
    signal: controller.signal,
    timedOut: () => timedOut,
    dispose() {
      clearTimeout(timer)
      ctx.res.off('close', onClose)
    },
  }
}

/** A control path as the router would match it: any case, repeated slashes. */
const CONTROL_PATH = /^\/+control(?:\/|$)/i

/**
 * Answers every `/control/...` request 404, whatever the method, while no token is required (the
 * app's token is a function that returns `undefined`): the routes then do not exist, as on a
 * server that was never given a token. Runs after the bearer check, before the router.
 */
export function hideControlsWithoutToken(token: string | (() => string | undefined)): Middleware {
  const current = typeof token === 'string' ? () => token : token
  return async (ctx, next) => {
    if (current() === undefined && CONTROL_PATH.test(ctx.path)) throw new NotFoundError()
    await next()
  }
}

/**
 * `POST` every control of the table (`controls/index.ts`) at its path. The body is read by
 * {@link jsonBody} (4 KiB, JSON, 413/415/400), checked by the control's `parse` (400), and the
 * operation runs under the control's timeout (504) with at most {@link MAX_CONCURRENT_CONTROLS}
 * under way on the server (429 beyond, with `Retry-After`). A node that does not run answers
 * 503; the source's `ControlError`s answer 400, 404 `peer_not_found`, 502 `dial_failed` or
 * `ping_failed` (with `dial_error`). The app registers these only when a token protects it.
 */
export function registerControlRoutes(router: Router, components: ControlRoutesComponents): void {
  const limit = createConcurrencyLimit(MAX_CONCURRENT_CONTROLS)
  const body = jsonBody({
    maxBytes: MAX_CONTROL_BODY_BYTES,
    ...(components.answerAndClose !== undefined
      ? { answerAndClose: components.answerAndClose }
      : {}),
  })
  for (const name of CONTROL_NAMES) {
    const control: Control = CONTROLS[name]
    router.post(control.path, body, async (ctx) => {
      const request = control.parse(ctx.state.jsonBody)
      if (!request.ok) throw new BadRequestError(request.message)
      const release = limit.tryAcquire()
      if (release === undefined) {
        throw new TooManyRequestsError(
          `at most ${MAX_CONCURRENT_CONTROLS} control requests run at once; try again shortly`,
        )
      }
      const timeoutMs = components.timeoutMs ?? control.timeoutMs
      const operation = operationSignal(ctx, timeoutMs)
      try {
        const result = await control.run(components.control, request.value, {
          signal: operation.signal,
        })
        if (result === undefined) throw new NotReadyError()
        ctx.body = result
      } catch (err) {
        throw toHttpError(err, name, operation.timedOut() ? timeoutMs : undefined)
      } finally {
        operation.dispose()
        release()
      }
    })
  }
}
