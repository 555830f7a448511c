import { afterEach, describe, expect, it } from '@jest/globals'
import { once } from 'node:events'
import { connect } from 'node:net'
import type { Socket } from 'node:net'
import { Registry } from 'prom-client'
import {
  createDiagnosticsServer,
  createP2PMetrics,
  DEFAULT_DIAGNOSTICS_SERVER_INIT,
} from '../../src/index.js'
import type { DiagnosticsServer } from '../../src/index.js'
import { createStubSource } from '../unit/stub-source.js'

/**
 * The server answers an oversized request after its first 16 KiB, while the client is still
 * writing. A client that writes its whole request before it reads (as most do) must still read
 * that answer, not fail its write on a reset: the server discards the rest of the request, for a
 * bounded time, before it closes (a lingering close).
 */

const MiB = 1024 * 1024
const ROUNDS = 20
const { lingerTimeoutMs } = DEFAULT_DIAGNOSTICS_SERVER_INIT
/** Slack on top of the linger time before a socket counts as "not closed": 2 shared cores. */
const CLOSE_SLACK_MS = 5_000

const servers: DiagnosticsServer[] = []
const sockets: Socket[] = []
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy()
  for (const server of servers.splice(0)) await server.stop()
})

async function start(): Promise<{ server: DiagnosticsServer; port: number }> {
  const registry = new Registry()
  const source = createStubSource()
  createP2PMetrics(registry, { source })
  const server = createDiagnosticsServer({ addr: '127.0.0.1:0' }, { source, registry })
  servers.push(server)
  await server.start()
  return { server, port: (server.address() as { port: number }).port }
}

/**
 * A client that keeps writing after the server's answer and end: half-open, so the server's FIN
 * does not end our side too; errors (the reset that ends it) are expected.
 */
async function connectedHalfOpen(port: number): Promise<Socket> {
  const socket = connect({ port, host: '127.0.0.1', allowHalfOpen: true })
  sockets.push(socket)
  socket.on('error', () => {})
  await once(socket, 'connect')
  return socket
}

/**
 * Writes all of `request`, in one write or in `pieceBytes` pieces a millisecond apart (a client
 * on a slower link, still writing when the answer comes), and only once the last write is done
 * starts reading. Resolves with what was received until the server closed, and the error the
 * socket met (EPIPE on a reset), if any.
 */
function writeThenRead(
  port: number,
  request: string,
  pieceBytes = Infinity,
): Promise<{ raw: string; error?: string }> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' })
    sockets.push(socket)
    // paused: nothing is read from the kernel before the write completes
    socket.pause()
    let raw = ''
    let error: string | undefined
    socket.on('error', (err: NodeJS.ErrnoException) => (error ??= err.code ?? err.message))
    socket.on('close', () => resolve({ raw, ...(error !== undefined ? { error } : {}) }))
    socket.on('connect', async () => {
      const bytes = Buffer.from(request, 'latin1')
      for (let offset = 0; offset < bytes.length; offset += pieceBytes) {
        const written = await new Promise<boolean>((done) =>
          socket.write(bytes.subarray(offset, offset + pieceBytes), (err) => done(!err)),
        )
        if (!written) return
        if (offset + pieceBytes < bytes.length) await sleep(1)
      }
      socket.on('data', (chunk: Buffer) => (raw += chunk.toString('latin1')))
      socket.resume()
    })
  })
}

async function sleep(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms))
}

function parse(raw: string): { statusLine: string; headers: string; body: unknown } {
  const end = raw.indexOf('\r\n\r\n')
  if (end < 0) return { statusLine: raw.slice(0, 80), headers: '', body: undefined }
  const [statusLine = '', ...headers] = raw.slice(0, end).split('\r\n')
  let body: unknown
  try {
    body = JSON.parse(raw.slice(end + 4)) as unknown
  } catch {
    body = raw.slice(end + 4, end + 84)
  }
  return { statusLine, headers: headers.join('\n').toLowerCase(), body }
}

/** Writes `chunk` every `intervalMs` until the socket closes. */
async function trickle(socket: Socket, chunk: string, intervalMs: number): Promise<void> {
  while (!socket.destroyed && socket.writable) {
    socket.write(chunk)
    await sleep(intervalMs)
  }
}

/** Resolves with the milliseconds until `socket` closes, or `undefined` after `timeoutMs`. */
function closedWithin(socket: Socket, timeoutMs: number): Promise<number | undefined> {
  const startedAt = performance.now()
  return new Promise((resolve) => {
    if (socket.closed) {
      resolve(0)
      return
    }
    const timer = setTimeout(() => resolve(undefined), timeoutMs)
    socket.once('close', () => {
      clearTimeout(timer)
      resolve(performance.now() - startedAt)
    })
  })
}

/** Resolves on 'drain' or 'close' (events.once would reject on the expected write error). */
function drainedOrClosed(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      socket.off('drain', done)
      socket.off('close', done)
      resolve()
    }
    socket.on('drain', done)
    socket.on('close', done)
  })
}

/** Resolves once `socket` received a full response head. */
async function answerOn(socket: Socket): Promise<string> {
  let raw = ''
  socket.on('data', (chunk: Buffer) => (raw += chunk.toString('latin1')))
  while (!raw.includes('\r\n\r\n')) {
    if (socket.closed) break
    await new Promise<void>((resolve) => {
      socket.once('data', () => resolve())
      socket.once('close', () => resolve())
    })
  }
  return raw
}

const OVERSIZED = [
  ['a 1 MiB request line', `GET /${'c'.repeat(MiB)} HTTP/1.1\r\nHost: x\r\n\r\n`],
  [
    'a 1 MiB header block',
    'GET /metrics HTTP/1.1\r\nHost: x\r\n' +
      Array.from({ length: 1024 }, (_, i) => `X-H${i}: ${'d'.repeat(1_000)}\r\n`).join('') +
      '\r\n',
  ],
] as const

describe('a lingering close after answering an oversized request', () => {
  it.each([
    ...OVERSIZED.map(([name, request]) => [`${name} in one write`, request, Infinity] as const),
    ...OVERSIZED.map(
      ([name, request]) => [`${name} in 64 KiB pieces`, request, 64 * 1024] as const,
    ),
  ])(
    `%s, read after writing it all: 431 JSON, ${ROUNDS} times in ${ROUNDS}`,
    async (_name, request, pieceBytes) => {
      const { port } = await start()
      for (let round = 1; round <= ROUNDS; round++) {
        const { raw, error } = await writeThenRead(port, request, pieceBytes)
        const answer = parse(raw)
        // the round and the socket error make a failure say which exchange broke, and how
        expect({ round, error, statusLine: answer.statusLine }).toEqual({
          round,
          error: undefined,
          statusLine: 'HTTP/1.1 431 Request Header Fields Too Large',
        })
        expect(answer.headers).toContain('content-type: application/json')
        expect(answer.headers).toContain('connection: close')
        expect(answer.body).toEqual({ error: 'headers_too_large', message: expect.any(String) })
      }
    },
  )

  it('a client that goes on sending after the answer is closed after the linger time', async () => {
    const { port } = await start()
    const socket = await connectedHalfOpen(port)
    socket.write(`GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: ${'d'.repeat(64 * 1024)}`)
    const answer = answerOn(socket)
    // 1 KiB per 50 ms stays far under the byte bound: only the time bound can end this
    const sending = trickle(socket, 'x'.repeat(1024), 50)
    expect(parse(await answer).statusLine).toBe('HTTP/1.1 431 Request Header Fields Too Large')
    const closedAfterMs = await closedWithin(socket, lingerTimeoutMs + CLOSE_SLACK_MS)
    // it did linger (a lower bound, which a slow machine only makes easier to meet), and not long
    expect(closedAfterMs).toBeGreaterThan(lingerTimeoutMs / 2)
    expect(closedAfterMs).toBeLessThan(lingerTimeoutMs + CLOSE_SLACK_MS)
    await sending
  })

  it('a client that floods after the answer is cut off after a few MiB', async () => {
    const { port } = await start()
    const socket = await connectedHalfOpen(port)
    socket.write(`GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: ${'d'.repeat(64 * 1024)}`)
    const chunk = Buffer.alloc(64 * 1024, 'x')
    let writtenBytes = 0
    // without the byte bound the server would read all of this within the linger time
    const floodBytes = 256 * MiB
    while (writtenBytes < floodBytes && socket.writable) {
      writtenBytes += chunk.length
      if (!socket.write(chunk)) await drainedOrClosed(socket)
    }
    expect(socket.writable).toBe(false)
    // the server discards 4 MiB; the rest of what got out sat in the kernel's socket buffers
    expect(writtenBytes).toBeLessThan(64 * MiB)
  })

  it.each([
    ['an oversized request', `GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: ${'d'.repeat(64 * 1024)}`],
    ['CONNECT', 'CONNECT 127.0.0.1:80 HTTP/1.1\r\nHost: x\r\n\r\n'],
  ])('stop() does not wait for a socket lingering after %s', async (_name, request) => {
    const { server, port } = await start()
    const socket = await connectedHalfOpen(port)
    socket.write(request)
    const answer = answerOn(socket)
    const sending = trickle(socket, 'x'.repeat(1024), 50)
    expect(parse(await answer).statusLine).toMatch(/^HTTP\/1\.1 4\d\d /)

    const startedAt = performance.now()
    await server.stop()
    const stopMs = performance.now() - startedAt
    // the lingering socket would keep stop() waiting for the whole linger time
    expect(stopMs).toBeLessThan(lingerTimeoutMs / 2)
    expect(await closedWithin(socket, CLOSE_SLACK_MS)).toBeDefined()
    await sending
  })
})
