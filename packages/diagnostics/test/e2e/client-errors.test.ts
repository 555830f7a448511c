import { afterEach, describe, expect, it } from '@jest/globals'
import { connect } from 'node:net'
import { Registry } from 'prom-client'
import { createDiagnosticsServer, createP2PMetrics } from '../../src/index.js'
import type { DiagnosticsServer } from '../../src/index.js'
import { createStubSource } from '../unit/stub-source.js'

/**
 * What Node's HTTP server answers before Koa sees a request (parse errors, header timeouts,
 * CONNECT, an unsupported Expect, a missing Host) must be the same JSON errors as the routes'.
 */

const servers: DiagnosticsServer[] = []
afterEach(async () => {
  for (const server of servers.splice(0)) await server.stop()
})

async function start(): Promise<{ port: number; errors: string[] }> {
  const registry = new Registry()
  const source = createStubSource()
  createP2PMetrics(registry, { source })
  const errors: string[] = []
  const server = createDiagnosticsServer(
    { addr: '127.0.0.1:0', headersTimeoutMs: 500, requestTimeoutMs: 1_000 },
    { source, registry, logger: { info: () => {}, warn: () => {}, error: (m) => errors.push(m) } },
  )
  servers.push(server)
  await server.start()
  return { port: (server.address() as { port: number }).port, errors }
}

/** Sends raw bytes and resolves with everything received until the server closes. */
function exchange(port: number, data: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1' }, () => socket.write(data))
    let received = ''
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new Error(`connection not closed; got ${JSON.stringify(received)}`))
    }, 5_000)
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')))
    socket.on('error', () => {})
    socket.on('close', () => {
      clearTimeout(timer)
      resolve(received)
    })
  })
}

function parse(raw: string): { status: number; headers: string; body: unknown } {
  const end = raw.indexOf('\r\n\r\n')
  const head = raw.slice(0, end)
  return {
    status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]),
    headers: head.toLowerCase(),
    body: JSON.parse(raw.slice(end + 4)) as unknown,
  }
}

describe('answers Node gives before the app', () => {
  it.each([
    [
      'a header without a colon',
      'GET /metrics HTTP/1.1\r\nHost: x\r\nbad header\r\n\r\n',
      400,
      'bad_request',
    ],
    ['an unknown method', 'FOO /metrics HTTP/1.1\r\nHost: x\r\n\r\n', 400, 'bad_request'],
    ['TLS bytes', '\u0016\u0003\u0001\u0000\u00a5\u0001\u0000', 400, 'bad_request'],
    [
      'Content-Length with Transfer-Encoding',
      'GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n',
      400,
      'bad_request',
    ],
    [
      'a 70 KiB URL',
      `GET /metrics?q=${'a'.repeat(70 * 1024)} HTTP/1.1\r\nHost: x\r\n\r\n`,
      431,
      'headers_too_large',
    ],
    [
      'a 20 KiB header',
      `GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(20 * 1024)}\r\n\r\n`,
      431,
      'headers_too_large',
    ],
    ['headers that never end', 'GET /metrics HTTP/1.1\r\nHost: x\r\n', 408, 'request_timeout'],
    ['CONNECT', 'CONNECT 127.0.0.1:80 HTTP/1.1\r\nHost: x\r\n\r\n', 405, 'method_not_allowed'],
    [
      'Expect: something-else',
      'GET /metrics HTTP/1.1\r\nHost: x\r\nExpect: something-else\r\nConnection: close\r\n\r\n',
      417,
      'expectation_failed',
    ],
    [
      'HTTP/1.1 without Host',
      'GET /metrics HTTP/1.1\r\nConnection: close\r\n\r\n',
      400,
      'bad_request',
    ],
  ])('%s: the JSON error, then the connection closes', async (_name, data, status, code) => {
    const { port, errors } = await start()
    const answer = parse(await exchange(port, data))
    expect(answer.status).toBe(status)
    expect(answer.headers).toContain('content-type: application/json')
    expect(answer.headers).toContain('cache-control: no-store')
    expect(answer.body).toEqual({ error: code, message: expect.any(String) })
    expect(JSON.stringify(answer.body)).not.toMatch(/HPE_|Parse Error|\n\s+at /)
    if (status === 405) expect(answer.headers).toContain('allow: get, head, options')
    expect(errors).toEqual([])
  })

  it('an HTTP/1.0 request without Host is still served', async () => {
    const { port } = await start()
    const raw = await exchange(port, 'GET /metrics HTTP/1.0\r\n\r\n')
    expect(raw.startsWith('HTTP/1.1 200')).toBe(true)
  })

  it('junk after a request on the same connection is a client fault, not a logged server error', async () => {
    const { port, errors } = await start()
    await exchange(port, 'GET /metrics HTTP/1.1\r\nHost: x\r\n\r\nthis is not http\r\n\r\n')
    await exchange(port, 'GET /metrics HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n')
    expect(errors).toEqual([])
  })
})
