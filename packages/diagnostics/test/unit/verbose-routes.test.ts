import { afterEach, describe, expect, it } from '@jest/globals'
import { Registry } from 'prom-client'
import {
  VERBOSE_VIEW_NAMES,
  VIEWS,
  checkBody,
  createDiagnosticsApp,
  createDiagnosticsClient,
} from '../../src/index.js'
import type {
  DiagnosticsClientError,
  DiagnosticsHttpError,
  DiagnosticsSource,
  VerboseViewName,
} from '../../src/index.js'
import { createLoopbackServers } from './loopback-servers.js'
import { T0, createStubDetailsSource } from './stub-details.js'
import { createStubSource } from './stub-source.js'

const servers = createLoopbackServers()
afterEach(() => servers.closeAll())

async function serve(source: DiagnosticsSource): Promise<string> {
  const app = createDiagnosticsApp({ source, registry: new Registry() })
  return servers.listen(app.callback())
}

async function get(addr: string, path: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`http://${addr}${path}`)
  return { status: res.status, body: await res.json() }
}

const LIST_KEY: Record<VerboseViewName, string> = {
  peers: 'peer_details',
  connections: 'connection_details',
  routing: 'buckets',
}

describe('verbose views', () => {
  it('are peers, connections and routing', () => {
    expect(VERBOSE_VIEW_NAMES).toEqual(['peers', 'connections', 'routing'])
    expect(VIEWS.stats).not.toHaveProperty('verbose')
    expect(VIEWS.health).not.toHaveProperty('verbose')
  })

  it.each(VERBOSE_VIEW_NAMES)(
    '%s without verbose: exactly the plain body, the detail never read',
    async (name) => {
      const source = createStubDetailsSource()
      const addr = await serve(source)
      const plain = VIEWS[name].fromSnapshot(source.snapshot() as never)
      for (const query of [
        '',
        '?verbose=0',
        '?verbose=false',
        '?verbose=no',
        '?limit=5&offset=1',
      ]) {
        const { status, body } = await get(addr, `${VIEWS[name].path}${query}`)
        expect(status).toBe(200)
        expect(body).toEqual(plain)
      }
      // a bad limit without verbose is ignored like any other parameter
      expect((await get(addr, `${VIEWS[name].path}?limit=abc`)).status).toBe(200)
      expect(source.queries).toEqual([])
    },
  )

  it.each(VERBOSE_VIEW_NAMES)(
    '%s?verbose=1: the plain body plus total, limit (default 100), offset and the list',
    async (name) => {
      const source = createStubDetailsSource()
      const addr = await serve(source)
      const plain = VIEWS[name].fromSnapshot(source.snapshot() as never)
      const { status, body } = await get(addr, `${VIEWS[name].path}?verbose=1`)
      expect(status).toBe(200)
      const total = name === 'routing' ? 2 : 3
      expect(body).toMatchObject({ ...plain, total, limit: 100, offset: 0 })
      expect((body as Record<string, unknown[]>)[LIST_KEY[name]]).toHaveLength(total)
      const view = VIEWS[name]
      expect(checkBody(body, { ...view.required, ...view.verbose.required })).toEqual([])
      expect(source.queries).toEqual([[name, { limit: 100, offset: 0 }]])
    },
  )

  it('pages: limit cuts the list, offset skips, the total stays', async () => {
    const source = createStubDetailsSource()
    const addr = await serve(source)
    const { body } = await get(addr, '/debug/p2p/peers?verbose=1&limit=1&offset=1')
    expect(body).toMatchObject({ peers: 3, total: 3, limit: 1, offset: 1 })
    const details = (body as { peer_details: Array<{ peer_id: string }> }).peer_details
    expect(details.map((p) => p.peer_id)).toEqual(['12D3KooWPeer2'])
    const past = await get(addr, '/debug/p2p/connections?verbose&offset=10')
    expect(past.body).toMatchObject({ total: 3, offset: 10, connection_details: [] })
    // `?verbose` alone is verbose, as on /readyz
    expect(source.queries).toEqual([
      ['peers', { limit: 1, offset: 1 }],
      ['connections', { limit: 100, offset: 10 }],
    ])
  })

  it('maps the detail to snake_case JSON with ISO times', async () => {
    const addr = await serve(createStubDetailsSource())
    const peers = await get(addr, '/debug/p2p/peers?verbose=1&limit=1')
    expect((peers.body as { peer_details: unknown[] }).peer_details[0]).toEqual({
      peer_id: '12D3KooWPeer1',
      addresses: ['/ip4/10.0.0.1/tcp/28680'],
      direction: 'inbound',
      agent: 'wes-node/0.1.0 js-libp2p/3.3.11',
      protocols: ['/ipfs/id/1.0.0', '/ipfs/ping/1.0.0'],
      latency_ms: 1.5,
      connected_since: new Date(T0 + 1_000).toISOString(),
      in_bytes: 1_000,
      out_bytes: 2_048,
      relayed: false,
      connections: 1,
    })
    const conns = await get(addr, '/debug/p2p/connections?verbose=1&limit=1')
    const [conn] = (conns.body as { connection_details: Array<Record<string, unknown>> })
      .connection_details
    expect(conn).toEqual({
      id: 'conn1',
      peer_id: '12D3KooWPeer1',
      remote_addr: '/ip4/10.0.0.1/tcp/28680',
      direction: 'inbound',
      transport: 'tcp',
      encryption: '/noise',
      muxer: '/yamux/1.0.0',
      relayed: false,
      limited: false,
      opened_at: new Date(T0 + 1_000).toISOString(),
      age_ms: expect.any(Number),
      rtt_ms: null,
      in_bytes: 10,
      out_bytes: 20,
      streams: { '/ipfs/ping/1.0.0': 1 },
    })
    expect(conn?.age_ms).toBeGreaterThan(Date.now() - T0 - 60_000)
    const routing = await get(addr, '/debug/p2p/routing?verbose=1')
    expect((routing.body as { buckets: unknown[] }).buckets[0]).toEqual({
      prefix: '0',
      depth: 1,
      common_prefix_length: 1,
      contains_self: true,
      peers: 3,
      capacity: 20,
      last_ping_at: new Date(T0).toISOString(),
      last_refresh_at: null,
    })
  })

  it.each([
    ['limit=0', 'limit must be an integer from 1 to 1000'],
    ['limit=1001', 'limit must be an integer from 1 to 1000'],
    ['limit=-1', 'limit must be an integer from 1 to 1000'],
    ['limit=1.5', 'limit must be an integer from 1 to 1000'],
    ['limit=1e2', 'limit must be an integer from 1 to 1000'],
    ['limit=0x10', 'limit must be an integer from 1 to 1000'],
    ['limit=', 'limit must be an integer from 1 to 1000'],
    ['limit=%3Cscript%3E', 'limit must be an integer from 1 to 1000'],
    [`limit=${'9'.repeat(400)}`, 'limit must be an integer from 1 to 1000'],
    ['limit=1&limit=2', 'limit is given more than once'],
    ['offset=-1', 'offset must be an integer from 0 to 1000000000'],
    ['offset=1000000001', 'offset must be an integer from 0 to 1000000000'],
    ['offset=a&offset=b', 'offset is given more than once'],
  ])('verbose with %s answers 400 bad_request JSON, the value never echoed', async (q, message) => {
    const source = createStubDetailsSource()
    const addr = await serve(source)
    for (const path of ['/debug/p2p/peers', '/debug/p2p/connections', '/debug/p2p/routing']) {
      const { status, body } = await get(addr, `${path}?verbose=1&${q}`)
      expect(status).toBe(400)
      expect(body).toEqual({ error: 'bad_request', message })
    }
    expect(source.queries).toEqual([])
  })

  it('a bad page is 400 even while the node is not running; a good one is 503 then', async () => {
    const source = createStubDetailsSource()
    source.current = undefined
    const addr = await serve(source)
    expect((await get(addr, '/debug/p2p/peers?verbose=1&limit=0')).status).toBe(400)
    expect(await get(addr, '/debug/p2p/peers?verbose=1')).toEqual({
      status: 503,
      body: { error: 'not_ready', message: 'the p2p host is not running' },
    })
  })

  it('503 when the node stopped between the snapshot and the detail', async () => {
    const source = createStubDetailsSource()
    source.stopped = true
    const addr = await serve(source)
    expect((await get(addr, '/debug/p2p/routing?verbose=1')).body).toEqual({
      error: 'not_ready',
      message: 'the p2p host is not running',
    })
  })

  it('501 not_implemented from a source without the detail; its plain views still answer', async () => {
    const addr = await serve(createStubSource())
    for (const name of VERBOSE_VIEW_NAMES) {
      const { status, body } = await get(addr, `${VIEWS[name].path}?verbose=1`)
      expect(status).toBe(501)
      expect(body).toEqual({
        error: 'not_implemented',
        message: `this node has no verbose form of ${VIEWS[name].path}`,
      })
      expect((await get(addr, VIEWS[name].path)).status).toBe(200)
    }
  })

  it('stats and health ignore verbose, limit and offset', async () => {
    const source = createStubDetailsSource()
    const addr = await serve(source)
    for (const name of ['stats', 'health'] as const) {
      const plain = await get(addr, VIEWS[name].path)
      const verbose = await get(addr, `${VIEWS[name].path}?verbose=1&limit=0`)
      expect(verbose.status).toBe(200)
      expect(Object.keys(verbose.body as object)).toEqual(Object.keys(plain.body as object))
    }
  })

  it('HEAD answers like GET, without a body', async () => {
    const addr = await serve(createStubDetailsSource())
    const res = await fetch(`http://${addr}/debug/p2p/peers?verbose=1&limit=2`, { method: 'HEAD' })
    expect(res.status).toBe(200)
    expect(await res.text()).toBe('')
    const bad = await fetch(`http://${addr}/debug/p2p/peers?verbose=1&limit=x`, { method: 'HEAD' })
    expect(bad.status).toBe(400)
  })
})

describe('the client of the verbose views', () => {
  it('reads a page, typed and checked', async () => {
    const addr = await serve(createStubDetailsSource())
    const client = createDiagnosticsClient({ addr })
    const peers = await client.getVerbose('peers', { limit: 2 })
    expect(peers.peers).toBe(3)
    expect(peers.total).toBe(3)
    expect(peers.peer_details.map((p) => p.peer_id)).toEqual(['12D3KooWPeer1', '12D3KooWPeer2'])
    const routing = await client.getVerbose('routing')
    expect(routing.routing_table_size).toBe(7)
    expect(routing.buckets.map((b) => b.prefix)).toEqual(['0', '1'])
    const conns = await client.getVerbose('connections', { offset: 2 })
    expect(conns.connection_details.map((c) => c.id)).toEqual(['conn3'])
  })

  it('refuses a bad page or a view without a verbose form before asking', async () => {
    const client = createDiagnosticsClient({ addr: '127.0.0.1:1' })
    const codeOf = (promise: Promise<unknown>): Promise<string> =>
      promise.then(
        () => 'resolved',
        (err: DiagnosticsClientError) => err.code,
      )
    expect(await codeOf(client.getVerbose('peers', { limit: 0 }))).toBe('ERR_QUERY_INVALID')
    expect(await codeOf(client.getVerbose('peers', { limit: 1001 }))).toBe('ERR_QUERY_INVALID')
    expect(await codeOf(client.getVerbose('peers', { offset: -1 }))).toBe('ERR_QUERY_INVALID')
    expect(await codeOf(client.getVerbose('peers', { limit: 2.5 }))).toBe('ERR_QUERY_INVALID')
    expect(await codeOf(client.getVerbose('health' as VerboseViewName))).toBe('ERR_UNKNOWN_VIEW')
  })

  it('a node without the detail: ERR_HTTP_STATUS 501 with its message', async () => {
    const addr = await serve(createStubSource())
    const err = (await createDiagnosticsClient({ addr })
      .getVerbose('connections')
      .catch((e: unknown) => e)) as DiagnosticsHttpError
    expect(err).toMatchObject({
      name: 'DiagnosticsHttpError',
      code: 'ERR_HTTP_STATUS',
      status: 501,
      serverCode: 'not_implemented',
    })
  })

  it('a verbose body without its list is an unexpected body', async () => {
    // an older node ignores ?verbose and answers the plain body
    const app = createDiagnosticsApp({ source: createStubSource(), registry: new Registry() })
    const plainOnly = await servers.listen((req, res) => {
      req.url = (req.url ?? '/').replace(/\?.*$/, '')
      void app.callback()(req, res)
    })
    const err = (await createDiagnosticsClient({ addr: plainOnly })
      .getVerbose('peers')
      .catch((e: unknown) => e)) as DiagnosticsClientError
    expect(err.code).toBe('ERR_UNEXPECTED_BODY')
  })
})
