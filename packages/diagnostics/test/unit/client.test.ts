import { afterEach, describe, expect, it } from '@jest/globals'
import type { RequestListener } from 'node:http'
import { Registry } from 'prom-client'
import {
  VIEWS,
  VIEW_NAMES,
  createDiagnosticsApp,
  createDiagnosticsClient,
  createP2PMetrics,
} from '../../src/index.js'
import type { DiagnosticsClientInit, HealthResponse } from '../../src/index.js'
import { createLoopbackServers } from './loopback-servers.js'
import { createStubSource, sampleSnapshot } from './stub-source.js'
import type { StubSource } from './stub-source.js'

const TOKEN = 'wes-test-token-0123456789abcdef'

const servers = createLoopbackServers()
const listen = servers.listen
afterEach(() => servers.closeAll())

/** The diagnostics app of a stub node. */
async function serveApp(source: StubSource = createStubSource(), token?: string): Promise<string> {
  const registry = new Registry()
  createP2PMetrics(registry, { source })
  const app = createDiagnosticsApp({ source, registry, ...(token !== undefined ? { token } : {}) })
  return listen(app.callback())
}

/** A server that answers every request with `status` and `body`, as JSON. */
function answering(status: number, body: string): RequestListener {
  return (_req, res) => res.writeHead(status, { 'content-type': 'application/json' }).end(body)
}

async function failure(addr: string, init: Omit<DiagnosticsClientInit, 'addr'> = {}) {
  return createDiagnosticsClient({ addr, ...init })
    .get('peers')
    .then(
      () => {
        throw new Error('expected the request to fail')
      },
      (err: unknown) => err,
    )
}

describe('createDiagnosticsClient', () => {
  it.each(VIEW_NAMES)('reads %s as the server maps it', async (name) => {
    const client = createDiagnosticsClient({ addr: await serveApp() })
    expect(await client.get(name)).toEqual(VIEWS[name].fromSnapshot(sampleSnapshot()))
  })

  it('types each body by its view', async () => {
    const client = createDiagnosticsClient({ addr: await serveApp() })
    const health: HealthResponse = await client.get('health')
    expect(health.relay_stats.enabled).toBe(true)
  })

  it('reads /metrics as text', async () => {
    const client = createDiagnosticsClient({ addr: await serveApp() })
    expect(await client.metrics()).toContain('# TYPE p2p_peers_total gauge\np2p_peers_total 3\n')
  })

  it('sends the token', async () => {
    const addr = await serveApp(createStubSource(), TOKEN)
    expect(await createDiagnosticsClient({ addr, token: TOKEN }).get('connections')).toEqual({
      connections: 5,
    })
    expect(await createDiagnosticsClient({ addr, token: TOKEN }).metrics()).toContain('p2p_')
  })

  it('401 without the token: the status and the server message', async () => {
    const addr = await serveApp(createStubSource(), TOKEN)
    expect(await failure(addr)).toMatchObject({
      name: 'DiagnosticsHttpError',
      code: 'ERR_HTTP_STATUS',
      status: 401,
      serverCode: 'unauthorized',
      serverMessage: 'a bearer token is required',
    })
    await expect(createDiagnosticsClient({ addr }).metrics()).rejects.toMatchObject({
      code: 'ERR_HTTP_STATUS',
      status: 401,
    })
  })

  it('503 while the node is not running', async () => {
    const err = await failure(await serveApp(createStubSource(undefined)))
    expect(err).toMatchObject({
      name: 'DiagnosticsHttpError',
      status: 503,
      serverCode: 'not_ready',
      serverMessage: 'the p2p host is not running',
    })
    expect((err as Error).message).toMatch(/answered 503 Service Unavailable: the p2p host/)
  })

  it('an error status without a JSON message', async () => {
    const addr = await listen(answering(500, '{}'))
    expect(await failure(addr)).toMatchObject({ status: 500, serverMessage: undefined })
  })

  it('unreachable, with the errno', async () => {
    const addr = await listen(answering(200, '{}'))
    await servers.closeLast()
    expect(await failure(addr)).toMatchObject({
      name: 'DiagnosticsUnreachableError',
      code: 'ERR_UNREACHABLE',
      errno: 'ECONNREFUSED',
    })
  })

  it('a timeout when nothing answers', async () => {
    const addr = await listen(() => {})
    const started = Date.now()
    expect(await failure(addr, { timeoutMs: 200 })).toMatchObject({
      name: 'DiagnosticsTimeoutError',
      code: 'ERR_TIMEOUT',
      timeoutMs: 200,
    })
    expect(Date.now() - started).toBeLessThan(2_000)
  })

  it('a body that is not JSON, whatever the status', async () => {
    for (const status of [200, 404]) {
      const addr = await listen((_req, res) => res.writeHead(status).end('<html>'))
      expect(await failure(addr)).toMatchObject({
        name: 'DiagnosticsResponseError',
        code: 'ERR_NOT_JSON',
        status,
      })
    }
  })

  it('JSON without the view keys', async () => {
    const addr = await listen(answering(200, '{"peers": 1}'))
    expect(await failure(addr)).toMatchObject({
      name: 'DiagnosticsResponseError',
      code: 'ERR_UNEXPECTED_BODY',
      problems: ['peer_ids is undefined, expected array'],
    })
  })

  it('an answer over maxBytes', async () => {
    const addr = await listen(
      answering(200, JSON.stringify({ peers: 0, peer_ids: [], pad: 'x'.repeat(4096) })),
    )
    expect(await failure(addr, { maxBytes: 1024 })).toMatchObject({
      code: 'ERR_BODY_TOO_LARGE',
      message: 'the answer is larger than 1024 bytes',
    })
  })

  it('works on IPv6 loopback', async () => {
    let addr: string
    try {
      addr = await listen(answering(200, '{"connections": 1}'), '::1')
    } catch {
      return // no IPv6 on this machine
    }
    const client = createDiagnosticsClient({ addr })
    expect(client.addr).toMatch(/^\[::1\]:\d+$/)
    expect(await client.get('connections')).toEqual({ connections: 1 })
  })

  it('refuses a bad address, port 0, a bad timeout and an unknown view', async () => {
    for (const addr of ['nowhere', '127.0.0.1:0']) {
      expect(() => createDiagnosticsClient({ addr })).toThrow(
        expect.objectContaining({ name: 'DiagnosticsClientError', code: 'ERR_ADDR_INVALID' }),
      )
    }
    expect(() => createDiagnosticsClient({ timeoutMs: 0 })).toThrow(
      expect.objectContaining({ code: 'ERR_INIT_INVALID' }),
    )
    const client = createDiagnosticsClient()
    expect(client.addr).toBe('127.0.0.1:28686')
    await expect(client.get('bogus' as 'peers')).rejects.toMatchObject({
      code: 'ERR_UNKNOWN_VIEW',
    })
  })
})
