/**
 * @packageDocumentation
 *
 * `@wes/diagnostics/client`: reads a running node's diagnostics over HTTP, typed by the view table
 * ({@link VIEWS}). This entry loads neither Koa nor prom-client, only `node:http`, so a command line
 * that imports it starts fast; the package's main entry exports the same names.
 *
 * @example
 * ```ts
 * import { createDiagnosticsClient } from '@wes/diagnostics/client'
 *
 * const client = createDiagnosticsClient({ addr: '127.0.0.1:28686', timeoutMs: 2_000 })
 * const health = await client.get('health') // HealthResponse
 * console.log(health.num_peers, (await client.metrics()).length)
 * ```
 *
 * Over 300 lines on purpose: the client and its error classes are one idea, read together.
 */
import { STATUS_CODES, request } from 'node:http'
import type { ClientRequest } from 'node:http'
import { formatHostPort, tryParseHostPort } from './host-port.js'
import type { HostPort } from './host-port.js'
import { MAX_PAGE_LIMIT, MAX_PAGE_OFFSET } from './details.js'
import { VIEWS, checkBody, isVerboseViewName, isViewName } from './views/index.js'
import { CONTROLS, isControlName } from './controls/index.js'
import type { Control, ControlName, ControlRequest, ControlResponse } from './controls/index.js'
import type {
  VerboseViewName,
  VerboseViewResponse,
  View,
  ViewName,
  ViewResponse,
} from './views/index.js'

export { formatHostPort, isLoopbackHost, parseHostPort, tryParseHostPort } from './host-port.js'
export type { HostPort, HostPortOptions, HostPortResult } from './host-port.js'
export { TOKEN_RULE, validateToken } from './middleware/bearer-auth.js'
export {
  DEFAULT_PAGE_LIMIT,
  MAX_PAGE_LIMIT,
  MAX_PAGE_OFFSET,
  parseLimit,
  parseOffset,
} from './details.js'
export type { PageNumberResult } from './details.js'
export * from './views/index.js'
export { formatAge, formatBytes } from './views/render.js'
export * from './controls/index.js'
export {
  ADDED_METRICS,
  BUILD_INFO_METRICS,
  HEALTH_METRICS,
  METRIC_TYPES,
  NETWORK_METRICS,
  SPEC_METRICS,
} from './metric-table.js'
export type { MetricType } from './metric-table.js'
export { DEFAULT_HEALTH_THRESHOLDS, HEALTH_REASON_CODES, HEALTH_STATUSES } from './verdict.js'
export type { HealthReason, HealthReasonCode, HealthSeverity, HealthStatus } from './verdict.js'

export interface DiagnosticsClientInit {
  /**
   * `host:port` of the node's diagnostics, IPv6 as `[::1]:28686`; port 0 is refused.
   *
   * @default '127.0.0.1:28686'
   */
  addr?: string
  /** Sent as `Authorization: Bearer <token>` when set. */
  token?: string
  /**
   * Time allowed for a whole answer.
   *
   * @default 5_000
   */
  timeoutMs?: number
  /**
   * Larger answers are refused.
   *
   * @default 64 MiB
   */
  maxBytes?: number
}

/** The defaults of {@link DiagnosticsClientInit}. */
export const DEFAULT_DIAGNOSTICS_CLIENT_INIT = {
  addr: '127.0.0.1:28686',
  timeoutMs: 5_000,
  maxBytes: 64 * 1024 * 1024,
} as const

export interface DiagnosticsClient {
  /** The node's address, `host:port`. */
  readonly addr: string
  /**
   * `GET /debug/p2p/<view>`: the body, checked against the view's required keys.
   *
   * @throws {DiagnosticsClientError} see {@link DiagnosticsClientErrorCode}
   */
  get<Name extends ViewName>(view: Name): Promise<ViewResponse<Name>>
  /**
   * `GET /debug/p2p/<view>?verbose=1&limit=<n>&offset=<n>` of a view with a verbose form: the body
   * plus one page of detail (`total`, `limit`, `offset` and the list), checked like {@link get}.
   *
   * @throws {DiagnosticsClientError} `ERR_QUERY_INVALID` for a bad page, before any request;
   *   `ERR_HTTP_STATUS` with status 501 from a node without that detail; else as {@link get}
   */
  getVerbose<Name extends VerboseViewName>(
    view: Name,
    page?: VerbosePage,
  ): Promise<VerboseViewResponse<Name>>
  /** `GET /metrics`: the Prometheus text. */
  metrics(): Promise<string>
  /**
   * `POST /control/...`: runs a control of {@link CONTROLS} on the node and resolves with its
   * answer, checked like {@link get}. The request is checked by the control's rule first. Without
   * a `timeoutMs` of the init, the call waits the control's own timeout and 2 s more.
   *
   * @throws {DiagnosticsClientError} `ERR_REQUEST_INVALID` for a bad request, before any is sent;
   *   `ERR_HTTP_STATUS` with 404 `not_found` from a node without a token (it has no controls), 404
   *   `peer_not_found`, 502 `dial_failed`/`ping_failed`, 504 `timeout`, 429; else as {@link get}
   */
  control<Name extends ControlName>(
    name: Name,
    request: ControlRequest<Name>,
  ): Promise<ControlResponse<Name>>
}

/** How much longer than a control's own timeout the client waits for its answer. */
export const CONTROL_TIMEOUT_MARGIN_MS = 2_000

/** Which page of a verbose view's list to ask for. */
export interface VerbosePage {
  /** 1 to 1000. @default 100 (the server's default) */
  limit?: number
  /** 0 to 1e9. @default 0 */
  offset?: number
}

export type DiagnosticsClientErrorCode =
  /** `addr` is not `host:port` with a port from 1 to 65535 (base class). */
  | 'ERR_ADDR_INVALID'
  /** `timeoutMs` or `maxBytes` is not a positive integer (base class). */
  | 'ERR_INIT_INVALID'
  /** No such view in {@link VIEWS}, or none with a verbose form (base class). */
  | 'ERR_UNKNOWN_VIEW'
  /** A verbose page's `limit` or `offset` out of range (base class). */
  | 'ERR_QUERY_INVALID'
  /** No such control, or a request its rule refuses (base class). */
  | 'ERR_REQUEST_INVALID'
  /** No connection, or it broke before a whole answer ({@link DiagnosticsUnreachableError}). */
  | 'ERR_UNREACHABLE'
  /** No whole answer within `timeoutMs` ({@link DiagnosticsTimeoutError}). */
  | 'ERR_TIMEOUT'
  /** An error status, e.g. 401 without a valid token, 503 before the node runs ({@link DiagnosticsHttpError}). */
  | 'ERR_HTTP_STATUS'
  /** The body is not JSON: not a wes-node ({@link DiagnosticsResponseError}). */
  | 'ERR_NOT_JSON'
  /** JSON without the view's required keys ({@link DiagnosticsResponseError}). */
  | 'ERR_UNEXPECTED_BODY'
  /** An answer over `maxBytes` ({@link DiagnosticsResponseError}). */
  | 'ERR_BODY_TOO_LARGE'

/** Raised by the diagnostics client; branch on `code` (or `name`). */
export class DiagnosticsClientError extends Error {
  override readonly name: string = 'DiagnosticsClientError'
  readonly code: DiagnosticsClientErrorCode

  constructor(code: DiagnosticsClientErrorCode, message: string, options?: ErrorOptions) {
    super(message, options)
    this.code = code
  }
}

/** The node could not be reached; `errno` is the system's reason (`ECONNREFUSED`, `ENOTFOUND`, ...). */
export class DiagnosticsUnreachableError extends DiagnosticsClientError {
  override readonly name = 'DiagnosticsUnreachableError'
  readonly errno: string | undefined

  constructor(addr: string, cause: unknown) {
    const message = cause instanceof Error ? cause.message : String(cause)
    super('ERR_UNREACHABLE', `cannot reach diagnostics at ${addr}: ${message}`, { cause })
    const errno = (cause as { code?: unknown } | undefined)?.code
    this.errno = typeof errno === 'string' ? errno : undefined
  }
}

/** No whole answer came within `timeoutMs`. */
export class DiagnosticsTimeoutError extends DiagnosticsClientError {
  override readonly name = 'DiagnosticsTimeoutError'
  readonly timeoutMs: number

  constructor(addr: string, timeoutMs: number) {
    super('ERR_TIMEOUT', `diagnostics at ${addr} gave no answer within ${timeoutMs} ms`)
    this.timeoutMs = timeoutMs
  }
}

/** The node answered an error status with the JSON error body of the server (when it did). */
export class DiagnosticsHttpError extends DiagnosticsClientError {
  override readonly name = 'DiagnosticsHttpError'
  readonly status: number
  /** The body's `error`, e.g. `not_ready`, `unauthorized`. */
  readonly serverCode: string | undefined
  /** The body's `message`: one sentence for a human. */
  readonly serverMessage: string | undefined

  constructor(addr: string, status: number, body: unknown) {
    const field = (key: string): string | undefined => {
      const value = (body as Record<string, unknown> | null | undefined)?.[key]
      return typeof value === 'string' ? value : undefined
    }
    const serverMessage = field('message')
    super(
      'ERR_HTTP_STATUS',
      `diagnostics at ${addr} answered ${status} ${STATUS_CODES[status] ?? ''}`.trimEnd() +
        (serverMessage !== undefined ? `: ${serverMessage}` : ''),
    )
    this.status = status
    this.serverCode = field('error')
    this.serverMessage = serverMessage
  }
}

/** An answer that is not what a wes-node sends: not JSON, without the view's keys, too large. */
export class DiagnosticsResponseError extends DiagnosticsClientError {
  override readonly name = 'DiagnosticsResponseError'
  readonly status: number
  /** For `ERR_UNEXPECTED_BODY`: what is wrong, one sentence per key (see {@link checkBody}). */
  readonly problems: readonly string[]

  constructor(
    code: 'ERR_NOT_JSON' | 'ERR_UNEXPECTED_BODY' | 'ERR_BODY_TOO_LARGE',
    status: number,
    message: string,
    problems: readonly string[] = [],
  ) {
    super(code, message)
    this.status = status
    this.problems = problems
  }
}

interface Answer {
  status: number
  text: string
}

/**
 * A client of one node's diagnostics. Each call is one request (`GET`, `POST` for a control) on a
 * new connection over `node:http`: not `fetch`, which refuses the "bad ports" of the Fetch
 * standard (6000, 10080, ...) where a node's diagnostics may listen, and is slow to load.
 *
 * @throws {DiagnosticsClientError} `ERR_ADDR_INVALID`, `ERR_INIT_INVALID`
 */
export function createDiagnosticsClient(init: DiagnosticsClientInit = {}): DiagnosticsClient {
  const options = { ...DEFAULT_DIAGNOSTICS_CLIENT_INIT, ...withoutUndefined(init) }
  const parsed = tryParseHostPort(options.addr, { allowPortZero: false })
  if (!parsed.ok) throw new DiagnosticsClientError('ERR_ADDR_INVALID', parsed.message)
  for (const key of ['timeoutMs', 'maxBytes'] as const) {
    if (!Number.isSafeInteger(options[key]) || options[key] <= 0) {
      throw new DiagnosticsClientError(
        'ERR_INIT_INVALID',
        `diagnostics client ${key} must be a positive integer, got ${options[key]}`,
      )
    }
  }
  const target = parsed.value
  const addr = formatHostPort(target)

  const send = (
    path: string,
    accept: string,
    post?: { body: string; timeoutMs: number },
  ): Promise<Answer> =>
    httpRequest(
      target,
      path,
      {
        accept,
        ...(options.token !== undefined ? { authorization: `Bearer ${options.token}` } : {}),
        ...(post !== undefined
          ? {
              'content-type': 'application/json',
              'content-length': String(Buffer.byteLength(post.body)),
            }
          : {}),
      },
      post,
    )

  const httpRequest = (
    { host, port }: HostPort,
    path: string,
    headers: Record<string, string>,
    post?: { body: string; timeoutMs: number },
  ): Promise<Answer> =>
    new Promise((resolve, reject) => {
      let settled = false
      const settle = (err: Error | undefined, answer?: Answer): void => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        if (err !== undefined) reject(err)
        else resolve(answer as Answer)
      }
      const timeoutMs = post?.timeoutMs ?? options.timeoutMs
      const timer = setTimeout(() => {
        settle(new DiagnosticsTimeoutError(addr, timeoutMs))
        req?.destroy()
      }, timeoutMs)
      let req: ClientRequest | undefined
      try {
        const method = post === undefined ? 'GET' : 'POST'
        req = request({ host, port, path, method, headers, agent: false }, (res) => {
          const status = res.statusCode ?? 0
          const chunks: Buffer[] = []
          let size = 0
          res.on('data', (chunk: Buffer) => {
            size += chunk.length
            if (size > options.maxBytes) {
              settle(
                new DiagnosticsResponseError(
                  'ERR_BODY_TOO_LARGE',
                  status,
                  `the answer is larger than ${options.maxBytes} bytes`,
                ),
              )
              req?.destroy()
              return
            }
            chunks.push(chunk)
          })
          res.on('end', () =>
            settle(undefined, { status, text: Buffer.concat(chunks).toString('utf8') }),
          )
          res.on('error', (err) => settle(new DiagnosticsUnreachableError(addr, err)))
        })
      } catch (err) {
        // node:http throws at once for a header it cannot send (a token with a control character)
        settle(new DiagnosticsUnreachableError(addr, err))
        return
      }
      req.on('error', (err) => settle(new DiagnosticsUnreachableError(addr, err)))
      req.end(post?.body)
    })

  /** The JSON of an answer; a body that is not JSON is not a wes-node's, whatever the status. */
  const json = ({ status, text }: Answer): unknown => {
    try {
      return JSON.parse(text) as unknown
    } catch {
      throw new DiagnosticsResponseError(
        'ERR_NOT_JSON',
        status,
        `diagnostics at ${addr} answered ${status} without JSON`,
      )
    }
  }
  const ok = (status: number): boolean => status >= 200 && status <= 299

  /** `GET path` (or `POST` it) as JSON, an error status thrown, the body checked against `required`. */
  const getChecked = async (
    path: string,
    viewPath: string,
    required: View['required'],
    post?: { body: string; timeoutMs: number },
  ): Promise<unknown> => {
    const answer = await send(path, 'application/json', post)
    const body = json(answer)
    if (!ok(answer.status)) throw new DiagnosticsHttpError(addr, answer.status, body)
    const problems = checkBody(body, required)
    if (problems.length > 0) {
      throw new DiagnosticsResponseError(
        'ERR_UNEXPECTED_BODY',
        answer.status,
        `diagnostics at ${addr} answered an unexpected body for ${viewPath} (${problems.join('; ')})`,
        problems,
      )
    }
    return body
  }

  return {
    addr,

    async get<Name extends ViewName>(name: Name): Promise<ViewResponse<Name>> {
      if (!isViewName(name)) {
        throw new DiagnosticsClientError('ERR_UNKNOWN_VIEW', `no diagnostics view "${name}"`)
      }
      const view: View = VIEWS[name]
      return (await getChecked(view.path, view.path, view.required)) as ViewResponse<Name>
    },

    async getVerbose<Name extends VerboseViewName>(
      name: Name,
      page: VerbosePage = {},
    ): Promise<VerboseViewResponse<Name>> {
      const view: View | undefined = isVerboseViewName(name) ? VIEWS[name] : undefined
      if (view?.verbose === undefined) {
        throw new DiagnosticsClientError(
          'ERR_UNKNOWN_VIEW',
          `no diagnostics view "${name}" with a verbose form`,
        )
      }
      const params = new URLSearchParams({ verbose: '1' })
      for (const [key, value, min, max] of [
        ['limit', page.limit, 1, MAX_PAGE_LIMIT],
        ['offset', page.offset, 0, MAX_PAGE_OFFSET],
      ] as const) {
        if (value === undefined) continue
        if (!Number.isSafeInteger(value) || value < min || value > max) {
          throw new DiagnosticsClientError(
            'ERR_QUERY_INVALID',
            `${key} must be an integer from ${min} to ${max}, got ${value}`,
          )
        }
        params.set(key, String(value))
      }
      const required = { ...view.required, ...view.verbose.required }
      const body = await getChecked(`${view.path}?${params.toString()}`, view.path, required)
      return body as VerboseViewResponse<Name>
    },

    async control<Name extends ControlName>(
      name: Name,
      request: ControlRequest<Name>,
    ): Promise<ControlResponse<Name>> {
      if (!isControlName(name)) {
        throw new DiagnosticsClientError('ERR_REQUEST_INVALID', `no control "${name}"`)
      }
      const control: Control = CONTROLS[name]
      const checked = control.parse(request)
      if (!checked.ok) throw new DiagnosticsClientError('ERR_REQUEST_INVALID', checked.message)
      const timeoutMs = init.timeoutMs ?? control.timeoutMs + CONTROL_TIMEOUT_MARGIN_MS
      const body = JSON.stringify(checked.value)
      const answer = await getChecked(control.path, control.path, control.required, {
        body,
        timeoutMs,
      })
      return answer as ControlResponse<Name>
    },

    async metrics() {
      const answer = await send('/metrics', 'text/plain')
      if (!ok(answer.status)) {
        let body: unknown
        try {
          body = JSON.parse(answer.text)
        } catch {
          body = undefined
        }
        throw new DiagnosticsHttpError(addr, answer.status, body)
      }
      return answer.text
    },
  }
}

function withoutUndefined<T extends object>(init: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(init).filter(([, value]) => value !== undefined),
  ) as Partial<T>
}
