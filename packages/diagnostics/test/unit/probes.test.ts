import { afterEach, describe, expect, it } from '@jest/globals'
import { Registry } from 'prom-client'
import { createDiagnosticsApp, readinessChecks, readyz } from '../../src/index.js'
import type { DiagnosticsSnapshot, DiagnosticsSource } from '../../src/index.js'
import { rawRequest } from './http-client.js'
import { createLoopbackServers } from './loopback-servers.js'
import { createStubSource, createThrowingSource, sampleSnapshot } from './stub-source.js'

const JSON_TYPE = 'application/json; charset=utf-8'
const TOKEN = 'wes-test-token-0123456789abcdef'

const servers = createLoopbackServers()
afterEach(() => servers.closeAll())

async function serve(source: DiagnosticsSource, token?: string): Promise<string> {
  const app = createDiagnosticsApp({
    source,
    registry: new Registry(),
    ...(token !== undefined ? { token } : {}),
  })
  app.on('error', () => {})
  return `http://${await servers.listen(app.callback())}`
}

async function get(
  baseUrl: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; type: string | null; cache: string | null; body: unknown }> {
  const res = await fetch(baseUrl + path, { headers })
  return {
    status: res.status,
    type: res.headers.get('content-type'),
    cache: res.headers.get('cache-control'),
    body: await res.json(),
  }
}

/** The sample node with `peers` peers and `readyMinPeers` as its threshold. */
function withPeers(peers: number, readyMinPeers = 1): DiagnosticsSnapshot {
  return {
    ...sampleSnapshot({ peerIds: Array.from({ length: peers }, (_, i) => `12D3KooWP${i}`) }),
    facts: {
      startedAt: Date.now() - 1_000,
      thresholds: {
        minPeers: 3,
        bootstrapFailingMs: 60_000,
        mdnsSilentMs: 30_000,
        routingGraceMs: 60_000,
        readyMinPeers,
      },
      bootstrap: [],
      mdns: { state: 'failed', failure: null, responses: 0, lastResponseAt: null },
      addresses: [],
    },
  }
}

describe('/livez', () => {
  it('answers 200 {"status":"ok"} while the process serves, running node or not', async () => {
    for (const source of [
      createStubSource(),
      createStubSource(undefined),
      createThrowingSource(),
    ]) {
      const res = await get(await serve(source), '/livez?verbose=1&anything=else')
      expect(res).toEqual({
        status: 200,
        type: JSON_TYPE,
        cache: 'no-store',
        body: { status: 'ok' },
      })
    }
  })
})

describe('/readyz', () => {
  it('answers 200 once the node runs with readyMinPeers peers', async () => {
    const baseUrl = await serve(createStubSource(withPeers(1)))
    expect(await get(baseUrl, '/readyz')).toEqual({
      status: 200,
      type: JSON_TYPE,
      cache: 'no-store',
      body: { status: 'ok' },
    })
  })

  it('answers 503 with the failing check before the node runs', async () => {
    const res = await get(await serve(createStubSource(undefined)), '/readyz')
    expect(res.status).toBe(503)
    expect(res.type).toBe(JSON_TYPE)
    expect(res.body).toEqual({
      status: 'failing',
      error: 'not_ready',
      message: 'started: the p2p node is not running',
      checks: [{ name: 'started', status: 'failing', message: 'the p2p node is not running' }],
    })
  })

  it('answers 503 without enough peers, naming both numbers', async () => {
    const res = await get(await serve(createStubSource(withPeers(0))), '/readyz')
    expect(res.status).toBe(503)
    expect(res.body).toEqual({
      status: 'failing',
      error: 'not_ready',
      message: 'peers: 0 connected, at least 1 required (health.readyMinPeers)',
      checks: [
        {
          name: 'peers',
          status: 'failing',
          message: '0 connected, at least 1 required (health.readyMinPeers)',
        },
      ],
    })
  })

  it('asks only that the node runs when readyMinPeers is 0', async () => {
    const res = await get(await serve(createStubSource(withPeers(0, 0))), '/readyz?verbose=1')
    expect(res.status).toBe(200)
    expect(res.body).toEqual({
      status: 'ok',
      checks: [
        { name: 'started', status: 'ok', message: 'the p2p node is running' },
        { name: 'peers', status: 'ok', message: '0 connected, none required' },
      ],
    })
  })

  it('?verbose=1 lists every check, ok or failing; other parameters are ignored', async () => {
    const baseUrl = await serve(createStubSource(withPeers(1, 2)))
    for (const path of ['/readyz?verbose=1', '/readyz?verbose', '/readyz?x=1&verbose=true']) {
      const res = await get(baseUrl, path)
      expect(res.status).toBe(503)
      expect(res.body).toMatchObject({
        status: 'failing',
        checks: [
          { name: 'started', status: 'ok' },
          { name: 'peers', status: 'failing', message: expect.stringContaining('at least 2') },
        ],
      })
    }
    for (const path of ['/readyz?verbose=0', '/readyz?nonsense=%00']) {
      const res = await get(baseUrl, path)
      expect(res.status).toBe(503)
      expect((res.body as { checks: unknown[] }).checks).toHaveLength(1)
    }
  })

  it('reads a source without facts by the default threshold (1 peer)', async () => {
    expect((await get(await serve(createStubSource()), '/readyz')).status).toBe(200)
    const none = sampleSnapshot({ peerIds: [] })
    expect((await get(await serve(createStubSource(none)), '/readyz')).status).toBe(503)
  })

  it('a source that throws is not ready, and no internals leak', async () => {
    const res = await get(await serve(createThrowingSource()), '/readyz')
    expect(res.status).toBe(503)
    expect(JSON.stringify(res.body)).not.toContain('secret')
  })

  it('answers HEAD and OPTIONS like the other routes, and 405 to other methods', async () => {
    const baseUrl = await serve(createStubSource(withPeers(0)))
    const head = await rawRequest(baseUrl, 'HEAD', '/readyz')
    expect([head.status, head.body]).toEqual([503, ''])
    expect((await rawRequest(baseUrl, 'HEAD', '/livez')).status).toBe(200)
    const options = await rawRequest(baseUrl, 'OPTIONS', '/livez')
    expect([options.status, options.headers.allow]).toEqual([204, 'GET, HEAD, OPTIONS'])
    const post = await rawRequest(baseUrl, 'POST', '/readyz')
    expect([post.status, post.headers.allow]).toEqual([405, 'GET, HEAD, OPTIONS'])
  })

  it('are behind the same bearer token as every route', async () => {
    const baseUrl = await serve(createStubSource(withPeers(1)), TOKEN)
    for (const path of ['/livez', '/readyz', '/readyz?verbose=1']) {
      const denied = await get(baseUrl, path)
      expect(denied.status).toBe(401)
      expect(denied.body).toMatchObject({ error: 'unauthorized' })
      const allowed = await get(baseUrl, path, { authorization: `Bearer ${TOKEN}` })
      expect(allowed.status).toBe(200)
    }
  })
})

describe('readiness as data', () => {
  it('readyz() of checks: every check passing is 200', () => {
    expect(readyz(readinessChecks(withPeers(3)), false)).toEqual({
      status: 200,
      body: { status: 'ok' },
    })
    expect(readyz(readinessChecks(undefined), false).status).toBe(503)
  })
})
