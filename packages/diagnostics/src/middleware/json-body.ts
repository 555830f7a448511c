import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import type { Middleware } from 'koa'
import { rawResponse } from '../client-errors.js'
import { BadRequestError, PayloadTooLargeError, UnsupportedMediaTypeError } from '../errors.js'

export interface JsonBodyInit {
  /** Larger bodies answer 413. */
  maxBytes: number
  /**
   * Writes a complete response and closes the connection with a lingering close (the server's):
   * a 413 goes out while the client may still be sending its body, and the client must read it
   * rather than meet a reset. Without it, the 413 is an ordinary answer with `Connection: close`.
   */
  answerAndClose?: (socket: Duplex, response: string) => void
}

const TOO_LARGE = Symbol('too large')

/** The body's bytes, or {@link TOO_LARGE} as soon as it is over `maxBytes` (declared or sent). */
function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer | typeof TOO_LARGE> {
  // Node has checked the header's syntax; chunked bodies have none
  const declared = Number(req.headers['content-length'] ?? 0)
  if (declared > maxBytes) return Promise.resolve(TOO_LARGE)
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    const done = (): void => {
      req.off('data', onData)
      req.off('end', onEnd)
      req.off('error', onError)
      req.off('close', onClose)
    }
    const onData = (chunk: Buffer): void => {
      size += chunk.length
      if (size > maxBytes) {
        done()
        req.pause()
        resolve(TOO_LARGE)
        return
      }
      chunks.push(chunk)
    }
    const onEnd = (): void => {
      done()
      resolve(Buffer.concat(chunks))
    }
    const onError = (err: Error): void => {
      done()
      reject(err)
    }
    // the client went away mid-body; a client fault, not logged (client-errors.ts)
    const onClose = (): void => {
      done()
      reject(Object.assign(new Error('the request body ended early'), { code: 'ECONNRESET' }))
    }
    req.on('data', onData)
    req.on('end', onEnd)
    req.on('error', onError)
    req.on('close', onClose)
  })
}

/**
 * Reads a small JSON request body into `ctx.state.jsonBody`: at most `maxBytes` (413), type
 * `application/json` in UTF-8 (415), valid UTF-8 and JSON (400). The body is read whole before
 * anything is answered, so the connection stays usable after an error answer; one over the limit
 * is answered at once, with a lingering close.
 */
export function jsonBody(init: JsonBodyInit): Middleware {
  const decoder = new TextDecoder('utf-8', { fatal: true })
  const tooLarge = `the request body must be at most ${init.maxBytes} bytes`
  return async (ctx, next) => {
    const bytes = await readBody(ctx.req, init.maxBytes)
    if (bytes === TOO_LARGE) {
      if (init.answerAndClose === undefined) {
        throw new PayloadTooLargeError(tooLarge, { Connection: 'close' })
      }
      // what the error handler would write, written by the lingering close instead
      ctx.status = 413
      ctx.body = { error: 'payload_too_large', message: tooLarge }
      ctx.respond = false
      init.answerAndClose(ctx.req.socket, rawResponse(413, 'payload_too_large', tooLarge))
      return
    }
    if (ctx.request.is('application/json') !== 'application/json') {
      throw new UnsupportedMediaTypeError(
        'the request body must be a JSON object with Content-Type: application/json',
      )
    }
    const charset = ctx.request.charset.toLowerCase()
    if (charset !== '' && charset !== 'utf-8' && charset !== 'utf8') {
      throw new UnsupportedMediaTypeError('the request body must be UTF-8')
    }
    let text: string
    try {
      text = decoder.decode(bytes)
    } catch {
      throw new BadRequestError('the request body is not valid UTF-8')
    }
    try {
      ctx.state.jsonBody = JSON.parse(text) as unknown
    } catch {
      throw new BadRequestError('the request body is not JSON')
    }
    await next()
  }
}
