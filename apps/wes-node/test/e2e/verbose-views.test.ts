/**
 * The verbose views of a live node among three real nodes on 127.0.0.1, read the way operators
 * read them: `/debug/p2p/{peers,connections,routing}?verbose=1` over HTTP and `wes-node diag
 * <view> --verbose`. B dials A, then A dials C and sends C a known amount on a known protocol.
 */
import type { Stream } from '@libp2p/interface'
import type {
  ConnectionsResponse,
  ConnectionsVerbose,
  PeersResponse,
  PeersVerbose,
  RoutingResponse,
  RoutingVerbose,
} from '@wes/diagnostics/client'
import { afterEach, describe, expect, it } from '@jest/globals'
import type { Runtime } from '../../src/runtime.js'
import { LoopbackRuntimes, connect, until } from '../fixtures/runtime.js'
import { runCliCaptured } from '../fixtures/cli.js'

const nodes = new LoopbackRuntimes('wes-verbose-')

afterEach(() => nodes.cleanup())

function runtime(): Promise<Runtime> {
  return nodes.create()
}

const PROTOCOL = '/wes-test/sink/1.0.0'
const SIZE = 256 * 1024
const CHUNK = 16 * 1024

async function getJson<T>(rt: Runtime, path: string): Promise<{ status: number; body: T }> {
  const res = await fetch(`${rt.diagnostics?.url}${path}`)
  return { status: res.status, body: (await res.json()) as T }
}

type Peers = PeersResponse & PeersVerbose

describe('verbose views of a live node', () => {
  it('peers, connections and routing in detail, bounded by limit, over HTTP and diag --verbose', async () => {
    const [a, b, c] = [await runtime(), await runtime(), await runtime()]
    if (a === undefined || b === undefined || c === undefined) throw new Error('no runtimes')
    const id = (rt: Runtime): string => rt.node.peerId
    let received = 0
    await c.node.libp2p.handle(PROTOCOL, async (stream: Stream) => {
      for await (const buf of stream) received += buf.byteLength
    })

    await connect(b, a)
    await until(
      () => getJson<Peers>(a, '/debug/p2p/peers'),
      ({ body }) => body.peers === 1,
      'A to see B',
    )
    await connect(a, c)
    // identify tells each peer's agent and protocols
    const identified = await until(
      () => getJson<Peers>(a, '/debug/p2p/peers?verbose=1'),
      ({ body }) => body.total === 2 && body.peer_details.every((p) => p.agent !== null),
      'identify of B and C',
    )
    expect(identified.status).toBe(200)

    // a known transfer on a known protocol, on a stream left open
    const stream = await a.node.libp2p.dialProtocol(c.node.libp2p.peerId, PROTOCOL)
    const chunk = new Uint8Array(CHUNK).fill(3)
    for (let sent = 0; sent < SIZE; sent += CHUNK) {
      if (!stream.send(chunk)) await stream.onDrain()
    }
    await until(
      async () => received,
      (n) => n === SIZE,
      'C to receive every byte',
    )

    // peers: the plain keys as ever, then the page
    const peers = (await getJson<Peers>(a, '/debug/p2p/peers?verbose=1')).body
    expect(peers).toMatchObject({ peers: 2, total: 2, limit: 100, offset: 0 })
    expect([...peers.peer_ids].sort()).toEqual([id(b), id(c)].sort())
    const [first, second] = peers.peer_details
    expect(first).toMatchObject({
      peer_id: id(b),
      direction: 'inbound',
      relayed: false,
      connections: 1,
    })
    expect(second).toMatchObject({
      peer_id: id(c),
      direction: 'outbound',
      relayed: false,
      connections: 1,
    })
    expect(Date.parse(first?.connected_since ?? '')).toBeLessThanOrEqual(
      Date.parse(second?.connected_since ?? ''),
    )
    for (const peer of peers.peer_details) {
      expect(typeof peer.agent).toBe('string')
      expect(peer.protocols).toEqual(expect.arrayContaining(['/ipfs/ping/1.0.0', '/wes/kad/1.0.0']))
      expect(peer.addresses.length).toBeGreaterThan(0)
      expect(peer.latency_ms === null || peer.latency_ms >= 0).toBe(true)
    }
    expect(second?.protocols).toContain(PROTOCOL)
    expect(second?.out_bytes).toBeGreaterThan(SIZE)
    expect(second?.out_bytes).toBeLessThan(SIZE * 1.1)
    expect(first?.in_bytes).toBeGreaterThan(0)
    expect(first?.out_bytes).toBeLessThan(SIZE / 4)

    // limit smaller than the total: the total stays, the list is cut, the longest connected first
    const one = (await getJson<Peers>(a, '/debug/p2p/peers?verbose=1&limit=1')).body
    expect(one).toMatchObject({ peers: 2, total: 2, limit: 1, offset: 0 })
    expect(one.peer_details.map((p) => p.peer_id)).toEqual([id(b)])
    const next = (await getJson<Peers>(a, '/debug/p2p/peers?verbose=1&limit=1&offset=1')).body
    expect(next.peer_details.map((p) => p.peer_id)).toEqual([id(c)])

    // the plain body is exactly what it always was
    expect(Object.keys((await getJson<Peers>(a, '/debug/p2p/peers')).body).sort()).toEqual([
      'peer_ids',
      'peers',
    ])

    // connections: each with its streams by protocol
    type Conns = ConnectionsResponse & ConnectionsVerbose
    const conns = (await getJson<Conns>(a, '/debug/p2p/connections?verbose=1')).body
    expect(conns).toMatchObject({ connections: 2, total: 2, limit: 100, offset: 0 })
    const [toB, toC] = conns.connection_details
    expect(toB).toMatchObject({
      peer_id: id(b),
      direction: 'inbound',
      transport: 'tcp',
      encryption: '/noise',
      muxer: '/yamux/1.0.0',
      relayed: false,
      limited: false,
    })
    expect(toC).toMatchObject({
      peer_id: id(c),
      remote_addr: c.node.libp2p.getMultiaddrs()[0]?.toString(),
      direction: 'outbound',
      transport: 'tcp',
    })
    expect(toC?.streams[PROTOCOL]).toBe(1)
    // the peer's bytes are its one connection's, read a moment earlier
    expect(toC?.out_bytes).toBeGreaterThanOrEqual(second?.out_bytes ?? Infinity)
    expect(toC?.out_bytes).toBeGreaterThan(SIZE)
    expect(toB?.age_ms).toBeGreaterThanOrEqual(toC?.age_ms ?? 0)
    expect(toB?.id).not.toBe(toC?.id)
    expect(
      (await getJson<Conns>(a, '/debug/p2p/connections?verbose=1&limit=1')).body,
    ).toMatchObject({ total: 2, connection_details: [{ peer_id: id(b) }] })

    // routing: one bucket, holding B and C, of k = 20
    type Routing = RoutingResponse & RoutingVerbose
    const routing = (
      await until(
        () => getJson<Routing>(a, '/debug/p2p/routing?verbose=1'),
        ({ body }) => body.routing_table_size === 2,
        'B and C in the routing table',
      )
    ).body
    expect(routing).toMatchObject({ mode: 'server', total: 1, limit: 100, offset: 0 })
    expect(routing.buckets).toEqual([
      {
        prefix: '',
        depth: 0,
        common_prefix_length: 0,
        contains_self: true,
        peers: 2,
        capacity: 20,
        last_ping_at: expect.any(String),
        last_refresh_at: null,
      },
    ])

    // a bad limit: the JSON error of every route
    expect(await getJson(a, '/debug/p2p/peers?verbose=1&limit=5000')).toEqual({
      status: 400,
      body: { error: 'bad_request', message: 'limit must be an integer from 1 to 1000' },
    })

    // the CLI: a table by default, the raw body with --json
    const addr = new URL(a.diagnostics?.url ?? '').host
    const peersCli = await runCliCaptured(['diag', 'peers', '--verbose', '--addr', addr])
    expect(peersCli.code).toBe(0)
    const lines = peersCli.stdout.split('\n')
    expect(lines[0]).toBe('peers: 1-2 of 2')
    expect(lines[2]).toMatch(new RegExp(`^${id(b)} +inbound +direct `))
    expect(lines[3]).toMatch(new RegExp(`^${id(c)} +outbound +direct `))
    const argv = ['diag', 'connections', '--verbose', '--limit', '1', '--json', '--addr', addr]
    const connectionsCli = await runCliCaptured(argv)
    expect(connectionsCli.code).toBe(0)
    expect(JSON.parse(connectionsCli.stdout)).toMatchObject({
      connections: 2,
      total: 2,
      limit: 1,
      connection_details: [{ peer_id: id(b) }],
    })
    const routingCli = await runCliCaptured(['diag', 'routing', '--verbose', '--addr', addr])
    expect(routingCli.code).toBe(0)
    expect(routingCli.stdout).toMatch(/^buckets: 1-1 of 1$/m)
    expect(routingCli.stdout).toMatch(/^\(all\) +>=0 \(self\) +2\/20 /m)
    expect(peersCli.stderr + connectionsCli.stderr + routingCli.stderr).toBe('')
    stream.abort(new Error('done'))
  })
})
