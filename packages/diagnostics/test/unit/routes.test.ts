import { afterEach, describe, expect, it } from '@jest/globals'
import { Registry } from 'prom-client'
import { VIEWS, checkBody, createDiagnosticsApp, createP2PMetrics } from '../../src/index.js'
import type { DiagnosticsSource } from '../../src/index.js'
import { rawRequest } from './http-client.js'
import { createLoopbackServers } from './loopback-servers.js'
import { createStubSource, createThrowingSource, sampleSnapshot } from './stub-source.js'

const JSON_TYPE = 'application/json; charset=utf-8'
const PROMETHEUS_TYPE = 'text/plain; version=0.0.4; charset=utf-8'
const DEBUG_PATHS = Object.values(VIEWS).map((view) => view.path)
const ALL_PATHS = ['/metrics', ...DEBUG_PATHS]

const servers = createLoopbackServers()
afterEach(() => servers.closeAll())

interface Harness {
  baseUrl: string
  /** Errors the app emitted (`app.on('error')`). */
  errors: unknown[]
}

/** The app on an in-process HTTP server on 127.0.0.1, port 0. */
async function serve(source: DiagnosticsSource, registry = new Registry()): Promise<Harness> {
  const app = createDiagnosticsApp({ source, registry })
  const errors: unknown[] = []
  app.on('error', (err: unknown) => errors.push(err))
  return { baseUrl: `http://${await servers.listen(app.callback())}`, errors }
}

async function getJson(
  baseUrl: string,
  path: string,
): Promise<{ status: number; type: string | null; body: unknown }> {
  const res = await fetch(baseUrl + path)
  return { status: res.status, type: res.headers.get('content-type'), body: await res.json() }
}

/** The key names and JSON types of a value, recursively: shape without values. */
function shape(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(shape)
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, shape(inner)]))
  }
  return typeof value
}

function parsePrometheus(text: string): Record<string, number> {
  const values: Record<string, number> = {}
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue
    const [name, value] = line.split(' ')
    if (name !== undefined && value !== undefined) values[name] = Number(value)
  }
  return values
}

describe('diagnostics routes', () => {
  it.each(Object.values(VIEWS))('serves $path from the view table', async (view) => {
    const { baseUrl } = await serve(createStubSource())
    const res = await getJson(baseUrl, view.path)
    expect(res.status).toBe(200)
    expect(res.type).toBe(JSON_TYPE)
    expect(res.body).toEqual(view.fromSnapshot(sampleSnapshot()))
    expect(checkBody(res.body, view.required)).toEqual([])
  })

  it('GET /debug/p2p/peers', async () => {
    const { baseUrl } = await serve(createStubSource())
    const res = await getJson(baseUrl, '/debug/p2p/peers')
    expect(res.status).toBe(200)
    expect(res.type).toBe(JSON_TYPE)
    expect(res.body).toEqual({
      peers: 3,
      peer_ids: ['12D3KooWPeerA', '12D3KooWPeerB', '12D3KooWPeerC'],
    })
  })

  it('GET /debug/p2p/connections', async () => {
    const { baseUrl } = await serve(createStubSource())
    const res = await getJson(baseUrl, '/debug/p2p/connections')
    expect(res.status).toBe(200)
    expect(res.type).toBe(JSON_TYPE)
    expect(res.body).toEqual({ connections: 5 })
  })

  it('GET /debug/p2p/stats', async () => {
    const { baseUrl } = await serve(createStubSource())
    const res = await getJson(baseUrl, '/debug/p2p/stats')
    expect(res.status).toBe(200)
    expect(res.type).toBe(JSON_TYPE)
    expect(res.body).toMatchObject({
      peers: 3,
      connections: 5,
      host_id: sampleSnapshot().hostId,
      bandwidth: {
        in_rate_bps: 1234.5,
        out_rate_bps: 678,
        in_total_bytes: 2_099_386,
        out_total_bytes: 1_048_576,
      },
    })
    expect(shape(res.body)).toEqual({
      peers: 'number',
      connections: 'number',
      host_id: 'string',
      bandwidth: {
        in_rate_bps: 'number',
        out_rate_bps: 'number',
        in_total_bytes: 'number',
        out_total_bytes: 'number',
      },
      listen_addrs: ['string'],
      protocols: {},
    })
  })

  it('GET /debug/p2p/health', async () => {
    const { baseUrl } = await serve(createStubSource())
    const res = await getJson(baseUrl, '/debug/p2p/health')
    expect(res.status).toBe(200)
    expect(res.type).toBe(JSON_TYPE)
    expect(res.body).toEqual({
      // the sample's mDNS is enabled but not available
      status: 'degraded',
      reasons: [
        {
          code: 'mdns_unavailable',
          severity: 'degraded',
          message: expect.stringContaining('mDNS is enabled but its multicast socket failed'),
          hint: expect.any(String),
        },
        {
          // private, with a relay reservation
          code: 'reachable_via_relay',
          severity: 'info',
          message: expect.stringContaining('only through 1 relay reservation'),
          hint: expect.any(String),
        },
      ],
      host_id: sampleSnapshot().hostId,
      num_peers: 3,
      num_conns: 5,
      reachability: 'private',
      autoNAT_status: 'unknown',
      relay_stats: { enabled: true, server: false, reservations: 1 },
      mdns: { enabled: true, available: false, responses: 0, last_response_at: null },
      // a source without facts
      addresses: [],
      bootstrap_peers: [],
      started_at: null,
    })
  })

  it('GET /debug/p2p/routing', async () => {
    const { baseUrl } = await serve(createStubSource())
    const res = await getJson(baseUrl, '/debug/p2p/routing')
    expect(res.status).toBe(200)
    expect(res.type).toBe(JSON_TYPE)
    expect(res.body).toEqual({
      routing_table_size: 7,
      mode: 'auto',
      num_bootstrap_peers: 2,
      current_mode: 'client',
    })
  })

  it('GET /metrics answers the registry in Prometheus text format', async () => {
    const registry = new Registry()
    const source = createStubSource()
    createP2PMetrics(registry, { source })
    const { baseUrl } = await serve(source, registry)
    const res = await fetch(`${baseUrl}/metrics`)
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe(PROMETHEUS_TYPE)
    const text = await res.text()
    expect(text).toContain('# TYPE p2p_connections_total gauge\np2p_connections_total 5\n')
    expect(text).toContain('# TYPE p2p_discovery_bootstrap_attempt_total counter\n')
  })

  it('/metrics agrees with /debug/p2p/stats for the same source', async () => {
    const registry = new Registry()
    const source = createStubSource()
    createP2PMetrics(registry, { source })
    const { baseUrl } = await serve(source, registry)

    const metrics = parsePrometheus(await (await fetch(`${baseUrl}/metrics`)).text())
    const stats = (await getJson(baseUrl, '/debug/p2p/stats')).body as {
      peers: number
      connections: number
      bandwidth: Record<string, number>
    }
    expect(metrics.p2p_peers_total).toBe(stats.peers)
    expect(metrics.p2p_connections_total).toBe(stats.connections)
    expect(metrics.p2p_bandwidth_in_rate_bytes_per_sec).toBe(stats.bandwidth.in_rate_bps)
    expect(metrics.p2p_bandwidth_out_rate_bytes_per_sec).toBe(stats.bandwidth.out_rate_bps)
    expect(metrics.p2p_bandwidth_in_total_bytes).toBe(stats.bandwidth.in_total_bytes)
    expect(metrics.p2p_bandwidth_out_total_bytes).toBe(stats.bandwidth.out_total_bytes)
  })

  it('answers 503 not_ready on every /debug/p2p route while the host is not running, /metrics still 200', async () => {
    const registry = new Registry()
    const source = createStubSource(undefined)
    createP2PMetrics(registry, { source })
    const { baseUrl } = await serve(source, registry)

    for (const path of DEBUG_PATHS) {
      const res = await getJson(baseUrl, path)
      expect({ path, status: res.status, type: res.type }).toEqual({
        path,
        status: 503,
        type: JSON_TYPE,
      })
      expect(res.body).toEqual({ error: 'not_ready', message: 'the p2p host is not running' })
    }
    const metrics = await fetch(`${baseUrl}/metrics`)
    expect(metrics.status).toBe(200)
    expect(parsePrometheus(await metrics.text()).p2p_peers_total).toBe(0)

    source.current = sampleSnapshot()
    expect((await getJson(baseUrl, '/debug/p2p/peers')).status).toBe(200)
  })

  it.each([
    '/',
    '/nope',
    '/debug/p2p',
    '/debug/p2p/unknown',
    '/metrics/extra',
    '/debug/p2p/peers/x',
  ])('answers 404 not_found JSON for %s', async (path) => {
    const { baseUrl } = await serve(createStubSource())
    const res = await getJson(baseUrl, path)
    expect(res.status).toBe(404)
    expect(res.type).toBe(JSON_TYPE)
    expect(res.body).toEqual({ error: 'not_found', message: expect.any(String) })
  })

  it('answers 405 method_not_allowed JSON with Allow for other methods on known paths', async () => {
    const { baseUrl } = await serve(createStubSource())
    for (const path of ALL_PATHS) {
      for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'PROPFIND']) {
        const res = await rawRequest(baseUrl, method, path, '{"a":1}')
        expect({ path, method, status: res.status }).toEqual({ path, method, status: 405 })
        expect(res.headers.allow).toBe('GET, HEAD, OPTIONS')
        expect(res.headers['content-type']).toBe(JSON_TYPE)
        expect(JSON.parse(res.body)).toEqual({
          error: 'method_not_allowed',
          message: expect.any(String),
        })
      }
    }
  })

  it('HEAD works like GET without a body', async () => {
    const { baseUrl } = await serve(createStubSource())
    for (const path of ALL_PATHS) {
      const get = await fetch(baseUrl + path)
      const getBody = await get.text()
      const head = await rawRequest(baseUrl, 'HEAD', path)
      expect({ path, status: head.status }).toEqual({ path, status: 200 })
      expect(head.body).toBe('')
      expect(head.headers['content-type']).toBe(get.headers.get('content-type'))
      if (path !== '/metrics')
        expect(Number(head.headers['content-length'])).toBe(Buffer.byteLength(getBody))
    }
    const notReady = await serve(createStubSource(undefined))
    const head = await rawRequest(notReady.baseUrl, 'HEAD', '/debug/p2p/peers')
    expect(head.status).toBe(503)
    expect(head.body).toBe('')
  })

  it('OPTIONS answers 204 with Allow on known paths, 404 elsewhere', async () => {
    const { baseUrl } = await serve(createStubSource())
    for (const path of ALL_PATHS) {
      const res = await fetch(baseUrl + path, { method: 'OPTIONS' })
      expect({ path, status: res.status }).toEqual({ path, status: 204 })
      expect(res.headers.get('allow')).toBe('GET, HEAD, OPTIONS')
      expect(await res.text()).toBe('')
    }
    expect((await fetch(`${baseUrl}/nope`, { method: 'OPTIONS' })).status).toBe(404)
  })

  it('answers 400 bad_request JSON for malformed percent-encoding in the path', async () => {
    const { baseUrl, errors } = await serve(createStubSource())
    for (const path of ['/debug/p2p/%E0%A4%A', '/metrics%', '/%zz']) {
      const res = await rawRequest(baseUrl, 'GET', path)
      expect({ path, status: res.status }).toEqual({ path, status: 400 })
      expect(res.headers['content-type']).toBe(JSON_TYPE)
      expect(JSON.parse(res.body)).toEqual({ error: 'bad_request', message: expect.any(String) })
    }
    expect(errors).toHaveLength(0)
  })

  it('ignores query strings (but for verbose views: verbose-routes.test.ts) and request bodies', async () => {
    const { baseUrl } = await serve(createStubSource())
    expect((await getJson(baseUrl, '/debug/p2p/connections?q=1&x=%zz')).body).toEqual({
      connections: 5,
    })
    expect((await getJson(baseUrl, '/debug/p2p/stats?verbose=1')).status).toBe(200)
    const withBody = await rawRequest(baseUrl, 'GET', '/debug/p2p/connections', 'not json {')
    expect(withBody.status).toBe(200)
    expect(JSON.parse(withBody.body)).toEqual({ connections: 5 })
    expect((await fetch(`${baseUrl}/metrics?name[]=x`)).status).toBe(200)
  })

  it('answers 500 internal_error without internals when the source throws', async () => {
    const { baseUrl, errors } = await serve(createThrowingSource())
    for (const path of DEBUG_PATHS) {
      const res = await rawRequest(baseUrl, 'GET', path)
      expect({ path, status: res.status }).toEqual({ path, status: 500 })
      expect(res.headers['content-type']).toBe(JSON_TYPE)
      expect(JSON.parse(res.body)).toEqual({
        error: 'internal_error',
        message: 'the diagnostics server failed to answer',
      })
      expect(res.body).not.toMatch(/secret|node\.ts|at |Error/)
    }
    expect(errors).toHaveLength(DEBUG_PATHS.length)
    // the metrics of a failing source read 0, and the endpoint stays up
    expect((await fetch(`${baseUrl}/metrics`)).status).toBe(200)
  })

  it('sends Cache-Control: no-store on every response', async () => {
    const { baseUrl } = await serve(createStubSource())
    const cases: Array<[string, string]> = [
      ['GET', '/metrics'],
      ['GET', '/debug/p2p/stats'],
      ['HEAD', '/debug/p2p/stats'],
      ['OPTIONS', '/debug/p2p/stats'],
      ['POST', '/debug/p2p/stats'],
      ['GET', '/nope'],
      ['GET', '/%E0%A4%A'],
    ]
    for (const [method, path] of cases) {
      const res = await rawRequest(baseUrl, method, path)
      expect({ method, path, cacheControl: res.headers['cache-control'] }).toEqual({
        method,
        path,
        cacheControl: 'no-store',
      })
    }
    const notReady = await serve(createStubSource(undefined))
    expect(
      (await rawRequest(notReady.baseUrl, 'GET', '/debug/p2p/peers')).headers['cache-control'],
    ).toBe('no-store')
  })
})
