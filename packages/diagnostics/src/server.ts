/**
 * The diagnostics HTTP server: listen and close, with Node's own edge cases (connection caps,
 * timeouts, parser errors answered as JSON). Over 300 lines on purpose: each of those settings
 * and their checks belong to the listening socket.
 */

import { createServer } from 'node:http'
import type { IncomingMessage, Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import type { Registry } from 'prom-client'
import { createDiagnosticsApp } from './app.js'
import {
  answerClientError,
  answerConnect,
  answerExpectation,
  isClientFault,
} from './client-errors.js'
import { DiagnosticsServerError } from './errors.js'
import { formatHostPort, isLoopbackHost, parseHostPort } from './host-port.js'
import type { HostPort } from './host-port.js'
import { createLingeringClose } from './lingering-close.js'
import { validateToken } from './middleware/bearer-auth.js'
import type { LingeringClose } from './lingering-close.js'
import type { ControlSource } from './controls/index.js'
import type { DiagnosticsSource } from './source.js'

export interface DiagnosticsServerInit {
  /** `host:port` to listen on; IPv6 as `[::1]:28686`; port 0 picks a free port. */
  addr: string
  /**
   * Time allowed to receive a request's headers.
   *
   * @default 10_000
   */
  headersTimeoutMs?: number
  /**
   * Time allowed to receive a whole request.
   *
   * @default 30_000
   */
  requestTimeoutMs?: number
  /**
   * Idle time after which a keep-alive connection is closed.
   *
   * @default 5_000
   */
  keepAliveTimeoutMs?: number
  /**
   * Open connections beyond which new ones are dropped.
   *
   * @default 256
   */
  maxConnections?: number
  /**
   * A bearer token every route requires, `/metrics` included (401 JSON without it). Compared in
   * constant time. At least 16 characters, no whitespace. `setToken` replaces it.
   */
  token?: string
}

/** The defaults of {@link DiagnosticsServerInit}, plus the fixed limits of the HTTP server. */
export const DEFAULT_DIAGNOSTICS_SERVER_INIT = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 256,
  /** Node's own default, set explicitly so a runtime flag cannot raise it. */
  maxHeaderSizeBytes: 16 * 1024,
  /** How often Node checks the header and request timeouts (its default, 30 s, would delay them). */
  timeoutCheckIntervalMs: 1_000,
  /**
   * How long a connection answered with an error before its request was read (431, 400, 408,
   * 405) keeps reading and discarding what the client still sends, so the client's write ends
   * and it reads the answer instead of a reset. Enough for a client on loopback or a LAN to finish
   * a request of a few MiB; short so that a client cannot hold a socket open with it.
   */
  lingerTimeoutMs: 2_000,
  /**
   * The most such a connection discards before it is destroyed: far more than a client sends
   * after a request line or header block over the limit (a 1 MiB URL already is absurd), and a
   * bound on the reading anyone can make the server do for nothing.
   */
  lingerMaxBytes: 4 * 1024 * 1024,
} as const

/** Where log lines go; the server logs its start, stop and unexpected route errors. */
export interface DiagnosticsLogger {
  info(message: string): void
  warn(message: string): void
  error(message: string): void
}

export interface DiagnosticsServerComponents {
  source: DiagnosticsSource
  registry: Registry
  /** The node's operations behind `POST /control/*`, served only while a token is required. */
  control?: ControlSource
  logger?: DiagnosticsLogger
}

export interface DiagnosticsServer {
  /** Listens; resolves once bound. Idempotent. Rejects with a {@link DiagnosticsServerError}. */
  start(): Promise<void>
  /**
   * Closes the listener and every open connection, idle keep-alive ones and those lingering after
   * an error answer included. Idempotent.
   */
  stop(): Promise<void>
  /**
   * `http://host:port` with the configured host and the bound port (the real one when the
   * configured port is 0). Throws `ERR_NOT_STARTED` before `start()` resolved.
   */
  readonly url: string
  /** The bound address, or `undefined` when not listening. */
  address(): { host: string; port: number } | undefined
  /**
   * Replaces the bearer token (or with `undefined` stops requiring one), effective from the next
   * request, on connections already open too: the old token then answers 401.
   *
   * @throws {DiagnosticsServerError} `ERR_INIT_INVALID` when the token breaks the token rule
   *   (nothing is changed then)
   */
  setToken(token: string | undefined): void
}

/**
 * The HTTP server of the diagnostics routes (see {@link createDiagnosticsApp}).
 *
 * @example
 * ```ts
 * const server = createDiagnosticsServer({ addr: '127.0.0.1:28686' }, { source, registry })
 * await server.start()
 * console.log(`diagnostics on ${server.url}`)
 * await server.stop()
 * ```
 */
export function createDiagnosticsServer(
  init: DiagnosticsServerInit,
  components: DiagnosticsServerComponents,
): DiagnosticsServer {
  const { logger } = components
  if (init.token !== undefined) validateToken(init.token)
  let token = init.token
  const app = createDiagnosticsApp({
    ...components,
    token: () => token,
    // a control request body over the limit is answered like a 431: with a lingering close
    answerAndClose: (socket, response) => {
      if (lingering !== undefined) lingering.close(socket, response)
      else socket.destroy()
    },
  })
  if (logger !== undefined) {
    // without a logger, Koa's default handler prints unexpected errors to stderr
    app.on('error', (err: unknown) => {
      if (isClientFault(err)) return
      logger.error(
        `diagnostics request failed: ${err instanceof Error ? err.message : String(err)}`,
      )
    })
  }

  let server: Server | undefined
  let lingering: LingeringClose | undefined
  let listening: { configured: HostPort; bound: HostPort } | undefined
  let starting: Promise<void> | undefined
  let stopping: Promise<void> | undefined

  const listen = async (): Promise<void> => {
    const configured = parseHostPort(init.addr)
    const options = resolveOptions(init)
    const httpServer = createServer(
      {
        headersTimeout: options.headersTimeoutMs,
        requestTimeout: options.requestTimeoutMs,
        keepAliveTimeout: options.keepAliveTimeoutMs,
        maxHeaderSize: DEFAULT_DIAGNOSTICS_SERVER_INIT.maxHeaderSizeBytes,
        // the app answers a missing Host with 400 JSON (Node's own 400 has no body)
        requireHostHeader: false,
        connectionsCheckingInterval: Math.min(
          DEFAULT_DIAGNOSTICS_SERVER_INIT.timeoutCheckIntervalMs,
          options.headersTimeoutMs,
        ),
      },
      app.callback(),
    )
    httpServer.maxConnections = options.maxConnections
    const lingeringClose = createLingeringClose({
      timeoutMs: DEFAULT_DIAGNOSTICS_SERVER_INIT.lingerTimeoutMs,
      maxBytes: DEFAULT_DIAGNOSTICS_SERVER_INIT.lingerMaxBytes,
    })
    // What Node answers itself (parse errors, header timeouts, CONNECT, Expect) gets the same
    // JSON error bodies as the routes, instead of an empty body or a silently closed socket.
    httpServer.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) =>
      answerClientError(err, socket, lingeringClose),
    )
    httpServer.on('connect', (req: IncomingMessage, socket: Duplex) =>
      answerConnect(req, socket, lingeringClose),
    )
    httpServer.on('checkExpectation', answerExpectation)

    await new Promise<void>((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException): void => {
        httpServer.off('listening', onListening)
        reject(toListenError(err, init.addr))
      }
      const onListening = (): void => {
        httpServer.off('error', onError)
        resolve()
      }
      httpServer.once('error', onError)
      httpServer.once('listening', onListening)
      httpServer.listen({ host: configured.host, port: configured.port })
    })

    const address = httpServer.address() as AddressInfo
    server = httpServer
    lingering = lingeringClose
    listening = { configured, bound: { host: address.address, port: address.port } }
    logger?.info(`diagnostics listening on ${urlOf(configured.host, address.port)}`)
    if (token !== undefined) {
      logger?.info(
        'diagnostics require a bearer token on every route, /metrics included: requests without it get 401, counted in p2p_diagnostics_unauthorized_total',
      )
    }
    if (!isLoopbackHost(configured.host)) {
      logger?.warn(
        `diagnostics are reachable beyond this machine on ${formatHostPort(configured)}` +
          (token === undefined
            ? ' without a token: anyone who can reach it can read the node state'
            : ' (protected by a bearer token)'),
      )
    }
  }

  const close = async (): Promise<void> => {
    const httpServer = server
    if (httpServer === undefined) return
    await new Promise<void>((resolve) => {
      httpServer.close(() => resolve())
      // close() only ends idle connections (Node >= 19); in-flight ones must not hold stop()
      httpServer.closeAllConnections()
      // nor those in a lingering close: after CONNECT they are no longer the server's connections
      lingering?.stop()
    })
    server = undefined
    lingering = undefined
    listening = undefined
    logger?.info('diagnostics server stopped')
  }

  return {
    async start() {
      if (stopping !== undefined) await stopping
      if (server !== undefined) return
      starting ??= listen().finally(() => {
        starting = undefined
      })
      return starting
    },

    async stop() {
      if (starting !== undefined) await starting.catch(() => {})
      stopping ??= close().finally(() => {
        stopping = undefined
      })
      return stopping
    },

    get url() {
      if (listening === undefined) {
        throw new DiagnosticsServerError(
          'ERR_NOT_STARTED',
          'the diagnostics server is not listening',
        )
      }
      return urlOf(listening.configured.host, listening.bound.port)
    },

    address() {
      return listening === undefined ? undefined : { ...listening.bound }
    },

    setToken(next) {
      if (next !== undefined) validateToken(next)
      token = next
      if (
        next === undefined &&
        listening !== undefined &&
        !isLoopbackHost(listening.configured.host)
      ) {
        logger?.warn(
          `diagnostics on ${formatHostPort(listening.configured)} no longer require a token: anyone who can reach them can read the node state`,
        )
      }
    },
  }
}

function resolveOptions(
  init: DiagnosticsServerInit,
): Required<Omit<DiagnosticsServerInit, 'addr' | 'token'>> {
  const options = {
    headersTimeoutMs: init.headersTimeoutMs ?? DEFAULT_DIAGNOSTICS_SERVER_INIT.headersTimeoutMs,
    requestTimeoutMs: init.requestTimeoutMs ?? DEFAULT_DIAGNOSTICS_SERVER_INIT.requestTimeoutMs,
    keepAliveTimeoutMs:
      init.keepAliveTimeoutMs ?? DEFAULT_DIAGNOSTICS_SERVER_INIT.keepAliveTimeoutMs,
    maxConnections: init.maxConnections ?? DEFAULT_DIAGNOSTICS_SERVER_INIT.maxConnections,
  }
  for (const [name, value] of Object.entries(options)) {
    if (!Number.isSafeInteger(value) || value <= 0) {
      throw new DiagnosticsServerError(
        'ERR_INIT_INVALID',
        `diagnostics ${name} must be a positive integer, got ${value}`,
      )
    }
  }
  // Node refuses a headers timeout longer than the request timeout
  if (options.headersTimeoutMs > options.requestTimeoutMs) {
    throw new DiagnosticsServerError(
      'ERR_INIT_INVALID',
      `diagnostics headersTimeoutMs (${options.headersTimeoutMs}) must not exceed requestTimeoutMs (${options.requestTimeoutMs})`,
    )
  }
  return options
}

function toListenError(err: NodeJS.ErrnoException, addr: string): DiagnosticsServerError {
  switch (err.code) {
    case 'EADDRINUSE':
      return new DiagnosticsServerError(
        'ERR_ADDR_IN_USE',
        `diagnostics address ${addr} is already in use`,
        {
          cause: err,
        },
      )
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new DiagnosticsServerError(
        'ERR_ADDR_INVALID',
        `diagnostics address ${addr} cannot be bound on this host`,
        {
          cause: err,
        },
      )
    case 'EACCES':
      return new DiagnosticsServerError(
        'ERR_LISTEN',
        `diagnostics address ${addr} needs privileges to bind`,
        {
          cause: err,
        },
      )
    default:
      return new DiagnosticsServerError(
        'ERR_LISTEN',
        `diagnostics server cannot listen on ${addr}: ${err.message}`,
        {
          cause: err,
        },
      )
  }
}

function urlOf(host: string, port: number): string {
  return `http://${formatHostPort({ host, port })}`
}

export { parseHostPort }
