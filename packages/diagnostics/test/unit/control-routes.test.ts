import { connect } from 'node:net'
import { afterEach, describe, expect, it } from '@jest/globals'
import Router from '@koa/router'
import Koa from 'koa'
import { Registry } from 'prom-client'
import {
  CONTROLS,
  ControlError,
  MAX_CONCURRENT_CONTROLS,
  MAX_CONTROL_BODY_BYTES,
  createDiagnosticsApp,
  createDiagnosticsServer,
} from '../../src/index.js'
import type { ControlSource, DiagnosticsServer } from '../../src/index.js'
import { errorHandler } from '../../src/middleware/error-handler.js'
import { registerControlRoutes } from '../../src/routes/control.js'
import { rawRequest } from './http-client.js'
import { createLoopbackServers } from './loopback-servers.js'
import { PEER_A, createStubControl, dialFailed, untilAborted } from './stub-control.js'
import type { StubControl } from './stub-control.js'
import { createStubSource } from './stub-source.js'

const TOKEN = 'wes-test-token-0123456789abcdef'
const AUTH = { authorization: `Bearer ${TOKEN}` }
const PATHS = Object.values(CONTROLS).map((control) => control.path)

let servers: DiagnosticsServer[] = []
const loopback = createLoopbackServers()
afterEach(async () => {
  await Promise.all(servers.map((server) => server.stop()))
  servers = []
  await loopback.closeAll()
})

async function serve(
  control: ControlSource,
  token: string | null = TOKEN,
  logs: string[] = [],
): Promise<string> {
  const log = (line: string): number => logs.push(line)
  const server = createDiagnosticsServer(
    { addr: '127.0.0.1:0', ...(token !== null ? { token } : {}) },
    {
      source: createStubSource(),
      registry: new Registry(),
      control,
      logger: { info: log, warn: log, error: log },
    },
  )
  servers.push(server)
  await server.start()
  return server.url
}

async function post(
  url: string,
  path: string,
  body: unknown,
  headers: Record<string, string> = AUTH,
): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
  const res = await fetch(url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
  return {
    status: res.status,
    headers: res.headers,
    body: (await res.json()) as Record<string, unknown>,
  }
}

/** Sends `data` on a fresh socket, writing it all before reading; resolves with what came back. */
function rawAfterWrite(url: string, data: string): Promise<{ raw: string; error?: string }> {
  const { port } = new URL(url)
  return new Promise((resolve) => {
    const socket = connect({ port: Number(port), host: '127.0.0.1' })
    const chunks: Buffer[] = []
    let error: string | undefined
    socket.pause()
    socket.on('error', (err: NodeJS.ErrnoException) => (error = err.code ?? err.message))
    socket.on('connect', () =>
      socket.write(data, () => {
        socket.on('data', (chunk: Buffer) => chunks.push(chunk))
        socket.resume()
      }),
    )
    const timer = setTimeout(() => socket.destroy(), 5_000)
    socket.on('close', () => {
      clearTimeout(timer)
      resolve({ raw: Buffer.concat(chunks).toString('latin1'), ...(error ? { error } : {}) })
    })
  })
}

describe('control routes: existence and auth', () => {
  it.each(PATHS)('%s does not exist without a token: 404 JSON for every method', async (path) => {
    const control = createStubControl()
    const url = await serve(control, null)
    for (const method of ['POST', 'GET', 'OPTIONS', 'DELETE']) {
      const res = await rawRequest(url, method, path, JSON.stringify({ peer_id: PEER_A }))
      expect(res.status).toBe(404)
      expect(JSON.parse(res.body)).toEqual({ error: 'not_found', message: 'no such path' })
    }
    expect(control.calls).toHaveLength(0)
  })

  it('a server given no control source has none, token or not', async () => {
    const app = createDiagnosticsApp({
      source: createStubSource(),
      registry: new Registry(),
      token: TOKEN,
    })
    const url = `http://${await loopback.listen(app.callback())}`
    const res = await post(url, '/control/p2p/ping', { peer_id: PEER_A })
    expect(res.status).toBe(404)
  })

  it('while the token is unset at run time, the routes are gone; set again, they are back', async () => {
    let token: string | undefined = TOKEN
    const control = createStubControl()
    const app = createDiagnosticsApp({
      source: createStubSource(),
      registry: new Registry(),
      token: () => token,
      control,
    })
    const url = `http://${await loopback.listen(app.callback())}`
    expect((await post(url, '/control/p2p/ping', { peer_id: PEER_A, count: 1 })).status).toBe(200)
    token = undefined
    expect((await post(url, '/control/p2p/ping', { peer_id: PEER_A, count: 1 })).status).toBe(404)
    expect((await rawRequest(url, 'GET', '/CONTROL/p2p/ping')).status).toBe(404)
    token = TOKEN
    expect((await post(url, '/control/p2p/ping', { peer_id: PEER_A, count: 1 })).status).toBe(200)
  })

  it.each(PATHS)('%s requires the token: 401 JSON without it or with a wrong one', async (path) => {
    const control = createStubControl()
    const url = await serve(control)
    for (const headers of [{}, { authorization: 'Bearer wrong-token-0123456789' }]) {
      const res = await post(url, path, { peer_id: PEER_A }, headers)
      expect(res.status).toBe(401)
      expect(res.body.error).toBe('unauthorized')
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="wes-node"')
    }
    expect(control.calls).toHaveLength(0)
  })

  it.each(PATHS)('%s: other methods 405 with Allow, OPTIONS 204', async (path) => {
    const url = await serve(createStubControl())
    for (const method of ['GET', 'HEAD', 'PUT', 'DELETE', 'PATCH']) {
      const res = await fetch(url + path, { method, headers: AUTH })
      expect(res.status).toBe(405)
      expect(res.headers.get('allow')).toBe('POST, OPTIONS')
      if (method !== 'HEAD')
        expect(((await res.json()) as { error: string }).error).toBe('method_not_allowed')
    }
    const options = await fetch(url + path, { method: 'OPTIONS', headers: AUTH })
    expect(options.status).toBe(204)
    expect(options.headers.get('allow')).toBe('POST, OPTIONS')
  })
})

describe('control routes: hostile bodies', () => {
  const cases: Array<[string, string, string | undefined, number, RegExp]> = [
    ['no content type', '{"peer_id":"x"}', undefined, 415, /application\/json/],
    ['text/plain', `{"peer_id":"${PEER_A}"}`, 'text/plain', 415, /application\/json/],
    ['form', `peer_id=${PEER_A}`, 'application/x-www-form-urlencoded', 415, /application\/json/],
    [
      'latin-1 charset',
      `{"peer_id":"${PEER_A}"}`,
      'application/json; charset=latin1',
      415,
      /UTF-8/,
    ],
    ['not JSON', '{peer_id:', 'application/json', 400, /not JSON/],
    ['empty', '', 'application/json', 400, /not JSON/],
    ['array', '[1,2]', 'application/json', 400, /JSON object, not an array/],
    ['string', '"x"', 'application/json', 400, /JSON object, not a string/],
    ['null', 'null', 'application/json', 400, /JSON object, not null/],
    [
      'unknown key',
      `{"peer_id":"${PEER_A}","admin":true}`,
      'application/json',
      400,
      /unknown key "admin"/,
    ],
    [
      '__proto__',
      `{"peer_id":"${PEER_A}","__proto__":{"x":1}}`,
      'application/json',
      400,
      /unknown key/,
    ],
    ['missing key', '{}', 'application/json', 400, /peer_id is required/],
    [
      'bad peer id',
      '{"peer_id":"not-a-peer"}',
      'application/json',
      400,
      /peer_id must be a peer ID/,
    ],
    ['number peer id', '{"peer_id":12}', 'application/json', 400, /peer_id must be a string/],
    [
      'deeply nested',
      `{"peer_id":${'['.repeat(1_500)}${']'.repeat(1_500)}}`,
      'application/json',
      400,
      /peer_id must be a string, not an array/,
    ],
    [
      'count 0',
      `{"peer_id":"${PEER_A}","count":0}`,
      'application/json',
      400,
      /count must be an integer from 1 to 100/,
    ],
    ['count 101', `{"peer_id":"${PEER_A}","count":101}`, 'application/json', 400, /count must be/],
    ['count "3"', `{"peer_id":"${PEER_A}","count":"3"}`, 'application/json', 400, /count must be/],
    [
      'count 1e400',
      `{"peer_id":"${PEER_A}","count":1e400}`,
      'application/json',
      400,
      /count must be/,
    ],
    [
      'invalid UTF-8',
      '{"peer_id":"\udc00"}',
      'application/json',
      400,
      /peer_id must be a peer ID|not valid UTF-8/,
    ],
  ]

  it.each(cases)('%s', async (_, body, type, status, message) => {
    const control = createStubControl()
    const url = await serve(control)
    const res = await fetch(`${url}/control/p2p/ping`, {
      method: 'POST',
      headers: { ...AUTH, ...(type !== undefined ? { 'content-type': type } : {}) },
      body,
    })
    expect(res.status).toBe(status)
    expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8')
    const json = (await res.json()) as { error: string; message: string }
    expect(json.message).toMatch(message)
    expect(JSON.stringify(json)).not.toContain('not-a-peer')
    expect(control.calls).toHaveLength(0)
  })

  it('raw invalid UTF-8 bytes: 400', async () => {
    const url = await serve(createStubControl())
    const body = Buffer.concat([
      Buffer.from('{"peer_id":"'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('"}'),
    ])
    const res = await fetch(`${url}/control/p2p/ping`, {
      method: 'POST',
      headers: { ...AUTH, 'content-type': 'application/json' },
      body,
    })
    expect(res.status).toBe(400)
    expect(((await res.json()) as { message: string }).message).toBe(
      'the request body is not valid UTF-8',
    )
  })

  it('a body over 4 KiB: 413 JSON, read by a client still writing (lingering close)', async () => {
    const control = createStubControl()
    const url = await serve(control)
    const head = (length: string): string =>
      `POST /control/p2p/ping HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\n${length}\r\n`
    const big = `{"peer_id":"${'a'.repeat(1024 * 1024)}"}`
    for (const data of [
      `${head(`Content-Length: ${big.length}\r\n`)}${big}`,
      // chunked: the size is only known once it is over the limit
      `${head('Transfer-Encoding: chunked\r\n')}${big.length.toString(16)}\r\n${big}\r\n0\r\n\r\n`,
      // declared 1 GB, 10 bytes sent: answered at once, not after the request timeout
      `${head('Content-Length: 1000000000\r\n')}0123456789`,
    ]) {
      const { raw, error } = await rawAfterWrite(url, data)
      expect(error).toBeUndefined()
      expect(raw).toMatch(/^HTTP\/1\.1 413 /)
      expect(raw).toContain('Connection: close')
      expect(raw).toContain(
        `{"error":"payload_too_large","message":"the request body must be at most ${MAX_CONTROL_BODY_BYTES} bytes"}`,
      )
    }
    expect(control.calls).toHaveLength(0)
    // still serving
    expect((await post(url, '/control/p2p/ping', { peer_id: PEER_A, count: 1 })).status).toBe(200)
  })

  it('a body just under the limit is read', async () => {
    const url = await serve(createStubControl())
    const padding = ' '.repeat(MAX_CONTROL_BODY_BYTES - 100)
    const res = await post(url, '/control/p2p/ping', `{"peer_id":"${PEER_A}",${padding}"count":1}`)
    expect(res.status).toBe(200)
  })
})

describe('control routes: operations', () => {
  it('connect, disconnect, ping and findpeer answer their JSON', async () => {
    const control = createStubControl()
    const url = await serve(control)
    const connect = await post(url, '/control/p2p/connect', {
      multiaddr: '/ip4/127.0.0.1/tcp/4001',
    })
    expect(connect.status).toBe(200)
    expect(connect.body).toEqual({
      peer_id: PEER_A,
      remote_addr: '/ip4/127.0.0.1/tcp/4001',
      direction: 'outbound',
      ms: expect.any(Number),
    })
    const ping = await post(url, '/control/p2p/ping', { peer_id: PEER_A, count: 3 })
    expect(ping.body).toMatchObject({
      peer_id: PEER_A,
      sent: 3,
      received: 3,
      rtts_ms: [3, 3, 3],
      min_ms: 3,
      avg_ms: 3,
      max_ms: 3,
    })
    const find = await post(url, '/control/dht/findpeer', { peer_id: PEER_A })
    expect(find.body).toEqual({
      peer_id: PEER_A,
      multiaddrs: ['/ip4/127.0.0.1/tcp/4002'],
      ms: expect.any(Number),
    })
    const disconnect = await post(url, '/control/p2p/disconnect', { peer_id: PEER_A })
    expect(disconnect.body).toEqual({ peer_id: PEER_A, closed_connections: 2 })
    expect(control.calls.map((call) => call.op)).toEqual([
      'connect',
      'ping',
      'ping',
      'ping',
      'findPeer',
      'disconnect',
    ])
  })

  it('the source errors answer 400, 404, 502 with dial_error, 503; others 500 without detail', async () => {
    const logs: string[] = []
    const url = await serve(
      createStubControl({
        connect: () => Promise.reject(dialFailed()),
        ping: () =>
          Promise.reject(new ControlError('ERR_PING_FAILED', 'the peer did not answer the ping')),
        findPeer: () =>
          Promise.reject(new ControlError('ERR_PEER_NOT_FOUND', 'no peer in the DHT knows it')),
        disconnect: () =>
          Promise.reject(new ControlError('ERR_INVALID_INPUT', 'not a peer ID: bad multihash')),
      }),
      TOKEN,
      logs,
    )
    const connect = await post(url, '/control/p2p/connect', { multiaddr: '/ip4/127.0.0.1/tcp/9' })
    expect(connect.status).toBe(502)
    expect(connect.body).toEqual({
      error: 'dial_failed',
      message: 'cannot connect to /ip4/127.0.0.1/tcp/9: connection refused',
      dial_error: 'refused',
    })
    const ping = await post(url, '/control/p2p/ping', { peer_id: PEER_A, count: 2 })
    expect(ping.status).toBe(502)
    expect(ping.body.error).toBe('ping_failed')
    const find = await post(url, '/control/dht/findpeer', { peer_id: PEER_A })
    expect(find.status).toBe(404)
    expect(find.body.error).toBe('peer_not_found')
    const disconnect = await post(url, '/control/p2p/disconnect', { peer_id: PEER_A })
    expect(disconnect.status).toBe(400)
    expect(disconnect.body).toEqual({
      error: 'bad_request',
      message: 'not a peer ID: bad multihash',
    })
    expect(logs.filter((line) => line.includes('failed'))).toEqual([])

    const broken = await serve(
      createStubControl({
        findPeer: () => Promise.reject(new Error('secret detail /home/user/x.ts')),
        ping: () => Promise.resolve(undefined),
      }),
      TOKEN,
      logs,
    )
    const internal = await post(broken, '/control/dht/findpeer', { peer_id: PEER_A })
    expect(internal.status).toBe(500)
    expect(JSON.stringify(internal.body)).not.toContain('secret')
    expect(logs.some((line) => line.includes('secret detail'))).toBe(true)
    const stopped = await post(broken, '/control/p2p/ping', { peer_id: PEER_A })
    expect(stopped.status).toBe(503)
    expect(stopped.body.error).toBe('not_ready')
  })

  it(`at most ${MAX_CONCURRENT_CONTROLS} run at once: 429 with Retry-After beyond, free again after`, async () => {
    const waiting: Array<() => void> = []
    const control = createStubControl({
      findPeer: (peerId) =>
        new Promise((resolve) => waiting.push(() => resolve({ peerId, multiaddrs: [] }))),
    })
    const url = await serve(control)
    const running = Array.from({ length: MAX_CONCURRENT_CONTROLS }, () =>
      post(url, '/control/dht/findpeer', { peer_id: PEER_A }),
    )
    while (control.calls.length < MAX_CONCURRENT_CONTROLS) {
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    const refused = await Promise.all(
      Array.from({ length: 6 }, () => post(url, '/control/p2p/ping', { peer_id: PEER_A })),
    )
    for (const res of refused) {
      expect(res.status).toBe(429)
      expect(res.body.error).toBe('too_many_requests')
      expect(res.headers.get('retry-after')).toBe('1')
    }
    // a bad request is still a bad request, whatever the load
    expect((await post(url, '/control/p2p/ping', { peer_id: 'x' })).status).toBe(400)
    waiting.forEach((release) => release())
    expect((await Promise.all(running)).map((res) => res.status)).toEqual(
      Array(MAX_CONCURRENT_CONTROLS).fill(200),
    )
    expect((await post(url, '/control/p2p/ping', { peer_id: PEER_A, count: 1 })).status).toBe(200)
  })

  it('a client that goes away aborts its operation', async () => {
    const control = createStubControl({ findPeer: (_, options) => untilAborted(options) })
    const url = await serve(control)
    const controller = new AbortController()
    const request = fetch(`${url}/control/dht/findpeer`, {
      method: 'POST',
      headers: { ...AUTH, 'content-type': 'application/json' },
      body: JSON.stringify({ peer_id: PEER_A }),
      signal: controller.signal,
    }).catch(() => undefined)
    while (control.calls.length === 0) await new Promise((resolve) => setTimeout(resolve, 5))
    controller.abort()
    await request
    const { signal } = control.calls[0] as StubControl['calls'][number]
    for (let i = 0; i < 200 && !signal.aborted; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    expect(signal.aborted).toBe(true)
  })

  it('an operation over its time answers 504 timeout; a ping run keeps what it had', async () => {
    let pings = 0
    const control = createStubControl({
      findPeer: (_, options) => untilAborted(options),
      ping: (_, options) => (++pings <= 2 ? Promise.resolve(1) : untilAborted(options)),
    })
    const app = new Koa()
    const router = new Router()
    registerControlRoutes(router, { control, timeoutMs: 200 })
    app.use(errorHandler())
    app.use(router.routes())
    const url = `http://${await loopback.listen(app.callback())}`
    const find = await post(url, '/control/dht/findpeer', { peer_id: PEER_A }, {})
    expect(find.status).toBe(504)
    expect(find.body).toEqual({
      error: 'timeout',
      message: 'findpeer did not finish within 0.2 s',
      dial_error: 'timeout',
    })
    const ping = await post(url, '/control/p2p/ping', { peer_id: PEER_A, count: 5 }, {})
    expect(ping.status).toBe(200)
    expect(ping.body).toMatchObject({ sent: 2, received: 2 })
  })
})
