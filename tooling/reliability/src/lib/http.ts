/**
 * HTTP on raw sockets (for malformed requests no client library would send) and the checks
 * every diagnostics answer must pass: a real status, a JSON error body, no stack trace.
 */

import { connect } from 'node:net'
import type { Socket } from 'node:net'
import type { CaseContext } from './runner.js'

export interface ParsedResponse {
  status: number
  reason: string
  headers: Record<string, string>
  body: string
}

export interface Exchange {
  /** Everything the server sent. */
  raw: string
  /** The first response, when one parsed. */
  response?: ParsedResponse
  /** The server closed the connection (as opposed to our timeout ending it). */
  closedByServer: boolean
  timedOut: boolean
  error?: string
}

/**
 * Sends `data` on a fresh connection and collects what comes back until the server closes or
 * `timeoutMs` passes (then we close). `Connection: close` in the request makes that quick.
 */
export async function rawExchange(
  port: number,
  data: string | Buffer,
  timeoutMs = 3_000,
  host = '127.0.0.1',
): Promise<Exchange> {
  return exchange(port, data, { timeoutMs, host, readAfterWrite: false, pieceBytes: Infinity })
}

/**
 * {@link rawExchange} as a client that writes its whole request before it reads anything, in one
 * write or in `pieceBytes` pieces a millisecond apart (a slower link: still writing when an early
 * answer comes). A server that answers early and then resets the connection fails this write
 * (EPIPE), and the answer, though sent, is never read.
 */
export async function rawExchangeAfterWrite(
  port: number,
  data: string | Buffer,
  timeoutMs = 3_000,
  pieceBytes = Infinity,
): Promise<Exchange> {
  return exchange(port, data, { timeoutMs, host: '127.0.0.1', readAfterWrite: true, pieceBytes })
}

async function exchange(
  port: number,
  data: string | Buffer,
  options: { timeoutMs: number; host: string; readAfterWrite: boolean; pieceBytes: number },
): Promise<Exchange> {
  return new Promise<Exchange>((resolve) => {
    const socket = connect({ port, host: options.host })
    const chunks: Buffer[] = []
    let error: string | undefined
    let timedOut = false
    const timer = setTimeout(() => {
      timedOut = true
      socket.destroy()
    }, options.timeoutMs)
    const read = (): void => {
      socket.on('data', (chunk: Buffer) => chunks.push(chunk))
      socket.resume()
    }
    // paused, nothing is read from the kernel until the write is done
    if (options.readAfterWrite) socket.pause()
    else read()
    socket.on('error', (err: NodeJS.ErrnoException) => {
      error = err.code ?? err.message
    })
    socket.on('connect', () => {
      if (!options.readAfterWrite) {
        socket.write(data)
        return
      }
      void writeInPieces(socket, data, options.pieceBytes).then((written) => {
        if (written) read()
      })
    })
    socket.on('close', () => {
      clearTimeout(timer)
      const raw = Buffer.concat(chunks).toString('latin1')
      const response = parseResponse(raw)
      resolve({
        raw,
        ...(response !== undefined ? { response } : {}),
        closedByServer: !timedOut,
        timedOut,
        ...(error !== undefined ? { error } : {}),
      })
    })
  })
}

/** Writes `data` in `pieceBytes` pieces a millisecond apart; resolves `false` on a write error. */
async function writeInPieces(
  socket: Socket,
  data: string | Buffer,
  pieceBytes: number,
): Promise<boolean> {
  const bytes = typeof data === 'string' ? Buffer.from(data) : data
  for (let offset = 0; offset < bytes.length; offset += pieceBytes) {
    if (offset > 0) await new Promise((resolve) => setTimeout(resolve, 1))
    const written = await new Promise<boolean>((resolve) =>
      socket.write(bytes.subarray(offset, offset + pieceBytes), (err) =>
        resolve(err === undefined || err === null),
      ),
    )
    if (!written) return false
  }
  return true
}

/** Parses the first HTTP/1.x response in `raw` (Content-Length, chunked, or until close). */
export function parseResponse(raw: string): ParsedResponse | undefined {
  const end = raw.indexOf('\r\n\r\n')
  if (end < 0) return undefined
  const [statusLine, ...headerLines] = raw.slice(0, end).split('\r\n')
  const match = /^HTTP\/1\.[01] (\d{3}) ?(.*)$/.exec(statusLine ?? '')
  if (match === null) return undefined
  const headers: Record<string, string> = {}
  for (const line of headerLines) {
    const colon = line.indexOf(':')
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
  }
  let body = raw.slice(end + 4)
  if (headers['transfer-encoding']?.toLowerCase() === 'chunked') {
    let rest = body
    body = ''
    for (;;) {
      const lineEnd = rest.indexOf('\r\n')
      if (lineEnd < 0) break
      const size = Number.parseInt(rest.slice(0, lineEnd), 16)
      if (!Number.isFinite(size) || size === 0) break
      body += rest.slice(lineEnd + 2, lineEnd + 2 + size)
      rest = rest.slice(lineEnd + 2 + size + 2)
    }
  } else if (headers['content-length'] !== undefined) {
    body = body.slice(0, Number(headers['content-length']))
  }
  return { status: Number(match[1]), reason: match[2] ?? '', headers, body }
}

/** Text that would betray internals in a response body. */
const LEAK_PATTERNS: RegExp[] = [
  /\n\s+at /, // a stack frame
  /\bat [\w.<>]+ \(/,
  /node:internal/,
  /node_modules/,
  /\/work\//,
  /\/tmp\//,
  /\.(?:ts|js|mjs):\d+/,
  /Error: /,
]

/**
 * What is wrong with an answer, or `[]`. Every answer must have a status from 100 to 599; an
 * error status must carry `application/json` with `{error, message}` strings (except to HEAD,
 * which has no body); no body may look like a stack trace or name a local path.
 */
export function answerProblems(exchange: Exchange, method = 'GET'): string[] {
  const problems: string[] = []
  const response = exchange.response
  if (response === undefined) {
    return [
      `no HTTP response (${exchange.timedOut ? 'connection left open' : 'connection closed'}${exchange.error !== undefined ? `, ${exchange.error}` : ''}; got ${JSON.stringify(exchange.raw.slice(0, 80))})`,
    ]
  }
  if (response.status < 100 || response.status > 599) problems.push(`status ${response.status}`)
  if (response.status >= 400 && method !== 'HEAD') {
    const type = response.headers['content-type'] ?? ''
    if (!type.startsWith('application/json'))
      problems.push(`status ${response.status} with content-type ${JSON.stringify(type)}`)
    try {
      const body = JSON.parse(response.body) as Record<string, unknown>
      if (typeof body.error !== 'string' || typeof body.message !== 'string')
        problems.push(
          `status ${response.status} body lacks error/message: ${response.body.slice(0, 80)}`,
        )
    } catch {
      problems.push(
        `status ${response.status} body is not JSON: ${JSON.stringify(response.body.slice(0, 80))}`,
      )
    }
  }
  if (
    method === 'HEAD' &&
    response.body.length > 0 &&
    response.headers['content-length'] === undefined
  ) {
    // a body after HEAD shows up as bytes beyond the headers
    problems.push('HEAD answered with a body')
  }
  for (const pattern of LEAK_PATTERNS) {
    if (pattern.test(response.body))
      problems.push(`body matches ${pattern}: ${JSON.stringify(response.body.slice(0, 120))}`)
  }
  return problems
}

/** A `fetch` bounded in time. */
export async function get(
  url: string,
  init: RequestInit & { timeoutMs?: number } = {},
): Promise<{ status: number; headers: Headers; text: string }> {
  const { timeoutMs = 5_000, ...rest } = init
  const response = await fetch(url, { ...rest, signal: AbortSignal.timeout(timeoutMs) })
  return { status: response.status, headers: response.headers, text: await response.text() }
}

/** Parses the unlabelled samples of a Prometheus text exposition. */
export function parseMetrics(text: string): Map<string, number> {
  const values = new Map<string, number>()
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*) (\S+)$/.exec(line)
    if (match !== null) values.set(match[1] as string, Number(match[2]))
  }
  return values
}

const received = new WeakMap<Socket, string>()

/** What a socket of {@link openSockets} has received so far. */
export function receivedOn(socket: Socket): string {
  return received.get(socket) ?? ''
}

/** Opens `count` raw sockets (bounded), each closed when the case ends. */
export async function openSockets(
  port: number,
  count: number,
  ctx: CaseContext,
  onConnect?: (socket: Socket) => void,
): Promise<Socket[]> {
  const sockets: Socket[] = []
  ctx.defer(() => sockets.forEach((s) => s.destroy()))
  await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<void>((resolve) => {
          const socket = connect({ port, host: '127.0.0.1' })
          sockets.push(socket)
          socket.on('error', () => resolve())
          // flowing, so a server's close is seen even when nobody reads the data
          received.set(socket, '')
          socket.on('data', (chunk: Buffer) =>
            received.set(socket, receivedOn(socket) + chunk.toString('latin1')),
          )
          socket.on('connect', () => {
            onConnect?.(socket)
            resolve()
          })
          socket.setTimeout(5_000, () => resolve())
        }),
    ),
  )
  return sockets
}

/** Resolves when `socket` closes, with the time it took, or `undefined` after `timeoutMs`. */
export function closedWithin(socket: Socket, timeoutMs: number): Promise<number | undefined> {
  const started = performance.now()
  return new Promise((resolve) => {
    if (socket.destroyed || socket.closed) {
      resolve(0)
      return
    }
    const timer = setTimeout(() => resolve(undefined), timeoutMs)
    socket.once('close', () => {
      clearTimeout(timer)
      resolve(performance.now() - started)
    })
  })
}

/** A free TCP port on 127.0.0.1 (closed again before returning). */
export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net')
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port
      server.close(() => resolve(port))
    })
  })
}
