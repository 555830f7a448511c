import { STATUS_CODES } from 'node:http'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import type { DiagnosticsErrorBody, HttpErrorCode } from './errors.js'
import type { LingeringClose } from './lingering-close.js'

/**
 * Answers for what Node's HTTP server handles before Koa sees a request: parse errors and header
 * timeouts (`clientError`), `CONNECT` (`connect`) and an unsupported `Expect` (`checkExpectation`).
 * Node's own answers to these have no body, or none at all for `CONNECT`; ours are the same JSON
 * error bodies as every route's, and the connection is closed after them with a lingering close
 * (see {@link LingeringClose}), so a client still writing its request reads the answer.
 */

/** The allowed methods of every diagnostics route. */
const ALLOW = 'GET, HEAD, OPTIONS'

function errorBody(code: HttpErrorCode, message: string): string {
  const body: DiagnosticsErrorBody = { error: code, message }
  return JSON.stringify(body)
}

/** A complete HTTP/1.1 response with a JSON error body and `Connection: close`. */
export function rawResponse(
  status: number,
  code: HttpErrorCode,
  message: string,
  extra: string[] = [],
): string {
  const body = errorBody(code, message)
  return [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}`,
    'Content-Type: application/json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Cache-Control: no-store',
    ...extra,
    'Connection: close',
    '',
    body,
  ].join('\r\n')
}

/** The status and error code for a `clientError`. */
export function classifyClientError(err: NodeJS.ErrnoException): {
  status: number
  code: HttpErrorCode
  message: string
} {
  switch (err.code) {
    case 'HPE_HEADER_OVERFLOW':
      return {
        status: 431,
        code: 'headers_too_large',
        message: 'the request line and headers exceed the size limit',
      }
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return {
        status: 408,
        code: 'request_timeout',
        message: 'the request took too long to arrive',
      }
    default:
      return { status: 400, code: 'bad_request', message: 'the request is malformed' }
  }
}

/**
 * `server.on('clientError')`: a proper JSON answer when nothing was written on the connection
 * yet; otherwise (a response in flight, a reset, a closed socket) the connection is dropped.
 */
export function answerClientError(
  err: NodeJS.ErrnoException,
  socket: Duplex,
  lingering: LingeringClose,
): void {
  // Node reports errors again on a socket we answered (at the client's end, at the request
  // timeout); the answer is out and the lingering close owns the socket
  if (lingering.has(socket)) return
  const bytesWritten = (socket as Duplex & { bytesWritten?: number }).bytesWritten ?? 0
  if (err.code === 'ECONNRESET' || !socket.writable || bytesWritten > 0) {
    socket.destroy()
    return
  }
  const { status, code, message } = classifyClientError(err)
  lingering.close(socket, rawResponse(status, code, message))
}

/** `server.on('connect')`: the diagnostics are no proxy; `CONNECT` is a method they do not allow. */
export function answerConnect(
  _req: IncomingMessage,
  socket: Duplex,
  lingering: LingeringClose,
): void {
  lingering.close(
    socket,
    rawResponse(405, 'method_not_allowed', `this server only answers ${ALLOW}`, [
      `Allow: ${ALLOW}`,
    ]),
  )
}

/** `server.on('checkExpectation')`: an `Expect` other than `100-continue` answers 417 JSON. */
export function answerExpectation(_req: IncomingMessage, res: ServerResponse): void {
  const body = errorBody('expectation_failed', 'the only supported expectation is 100-continue')
  res.writeHead(417, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
    Connection: 'close',
  })
  res.end(body)
}

/**
 * Errors a client causes (a malformed request after a response started, a reset, a premature
 * close) reach Koa's error event too; they are not the server's failures, so they are not logged.
 */
export function isClientFault(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false
  const code = (err as { code?: unknown }).code
  return (
    typeof code === 'string' &&
    (code.startsWith('HPE_') ||
      code === 'ECONNRESET' ||
      code === 'EPIPE' ||
      code === 'ECONNABORTED' ||
      code === 'ERR_STREAM_PREMATURE_CLOSE' ||
      code === 'ERR_HTTP_REQUEST_TIMEOUT')
  )
}
