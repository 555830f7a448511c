/** The JSON body of every error response: a snake_case code and one human sentence. */
export interface DiagnosticsErrorBody {
  /** Stable, machine-readable: `not_ready`, `not_found`, `method_not_allowed`, `bad_request`, `not_implemented`, `internal_error`, ... */
  error: HttpErrorCode
  /** One human sentence; never a stack trace or internal error text. */
  message: string
  /** Why a dial failed, on `dial_failed`, `ping_failed` and `timeout` of the control routes. */
  dial_error?: string
}

export type HttpErrorCode =
  | 'bad_request'
  | 'unauthorized'
  | 'not_found'
  | 'method_not_allowed'
  | 'request_timeout'
  | 'expectation_failed'
  | 'headers_too_large'
  | 'not_ready'
  | 'not_implemented'
  | 'internal_error'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'too_many_requests'
  | 'peer_not_found'
  | 'dial_failed'
  | 'ping_failed'
  | 'timeout'

/** What an {@link HttpError} adds to its answer beside status, code and message. */
export interface HttpErrorOptions {
  /** Response headers, e.g. `Retry-After`. */
  headers?: Readonly<Record<string, string>>
  /** Why a dial failed (the body's `dial_error`). */
  dialError?: string
}

/** An error an HTTP route answers with: status, code and message go to the client as they are. */
export class HttpError extends Error {
  override readonly name: string = 'HttpError'
  readonly status: number
  readonly code: HttpErrorCode
  readonly headers: Readonly<Record<string, string>>
  readonly dialError: string | undefined

  constructor(
    status: number,
    code: HttpErrorCode,
    message: string,
    options: HttpErrorOptions = {},
  ) {
    super(message)
    this.status = status
    this.code = code
    this.headers = options.headers ?? {}
    this.dialError = options.dialError
  }
}

export class BadRequestError extends HttpError {
  override readonly name = 'BadRequestError'
  constructor(message = 'the request is malformed') {
    super(400, 'bad_request', message)
  }
}

export class UnauthorizedError extends HttpError {
  override readonly name = 'UnauthorizedError'
  constructor(message = 'a bearer token is required') {
    super(401, 'unauthorized', message)
  }
}

export class NotFoundError extends HttpError {
  override readonly name = 'NotFoundError'
  constructor(message = 'no such path') {
    super(404, 'not_found', message)
  }
}

export class MethodNotAllowedError extends HttpError {
  override readonly name = 'MethodNotAllowedError'
  /** The methods the path answers, for the `Allow` header. */
  readonly allow: readonly string[]
  constructor(allow: readonly string[], message = `this path only answers ${allow.join(', ')}`) {
    super(405, 'method_not_allowed', message)
    this.allow = allow
  }
}

export class NotReadyError extends HttpError {
  override readonly name = 'NotReadyError'
  constructor(message = 'the p2p host is not running') {
    super(503, 'not_ready', message)
  }
}

/** The request is understood, but this node's source cannot answer it (e.g. a verbose view). */
export class NotImplementedError extends HttpError {
  override readonly name = 'NotImplementedError'
  constructor(message = 'this node does not offer that') {
    super(501, 'not_implemented', message)
  }
}

/** A request body over the size limit of its route. */
export class PayloadTooLargeError extends HttpError {
  override readonly name = 'PayloadTooLargeError'
  constructor(message = 'the request body is too large', headers: Record<string, string> = {}) {
    super(413, 'payload_too_large', message, { headers })
  }
}

/** A request body in a type the route does not read. */
export class UnsupportedMediaTypeError extends HttpError {
  override readonly name = 'UnsupportedMediaTypeError'
  constructor(message = 'the request body must be application/json') {
    super(415, 'unsupported_media_type', message)
  }
}

/** Too many requests of a kind under way at once; `Retry-After` says when to ask again. */
export class TooManyRequestsError extends HttpError {
  override readonly name = 'TooManyRequestsError'
  constructor(message = 'too many requests at once', retryAfterSeconds = 1) {
    super(429, 'too_many_requests', message, {
      headers: { 'Retry-After': String(retryAfterSeconds) },
    })
  }
}

export class InternalError extends HttpError {
  override readonly name = 'InternalError'
  constructor(message = 'the diagnostics server failed to answer') {
    super(500, 'internal_error', message)
  }
}

export type DiagnosticsServerErrorCode =
  /** The address is taken by another listener. */
  | 'ERR_ADDR_IN_USE'
  /** The address is not `host:port` (IPv6 as `[::1]:port`), or the host cannot be bound. */
  | 'ERR_ADDR_INVALID'
  /** A timeout or limit of the init is not a valid number. */
  | 'ERR_INIT_INVALID'
  /** Listening failed for another reason (see `cause`). */
  | 'ERR_LISTEN'
  /** `url` was read before `start()` resolved. */
  | 'ERR_NOT_STARTED'

/** Raised by the diagnostics server; branch on `code`. */
export class DiagnosticsServerError extends Error {
  override readonly name = 'DiagnosticsServerError'
  readonly code: DiagnosticsServerErrorCode

  constructor(code: DiagnosticsServerErrorCode, message: string, options?: ErrorOptions) {
    super(message, options)
    this.code = code
  }
}
