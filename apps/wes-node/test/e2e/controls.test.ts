/**
 * The controls of live nodes, the way an operator uses them: three real nodes on 127.0.0.1 in DHT
 * server mode, their diagnostics protected by a token. Through `wes-node peer` and `wes-node dht`
 * (in-process), B connects to A, pings it three times, finds C (known to A only) through the DHT,
 * and disconnects from A; a node without a token has no controls.
 */
import type {
  ConnectResponse,
  DisconnectResponse,
  FindPeerResponse,
  PingResponse,
} from '@wes/diagnostics/client'
import { afterEach, describe, expect, it } from '@jest/globals'
import type { Runtime } from '../../src/runtime.js'
import { LoopbackRuntimes } from '../fixtures/runtime.js'
import { runCliCaptured } from '../fixtures/cli.js'

const TOKEN = 'wes-e2e-control-token-0123456789'
const nodes = new LoopbackRuntimes('wes-controls-')

afterEach(() => nodes.cleanup())

function runtime(token: string | null = TOKEN): Promise<Runtime> {
  return nodes.create({}, token !== null ? { token } : {})
}

function addrOf(rt: Runtime): string {
  const url = rt.diagnostics?.url
  if (url === undefined) throw new Error('no diagnostics')
  return url.replace('http://', '')
}

async function cli(
  argv: string[],
  env: Record<string, string> = { WES_DIAGNOSTICS_TOKEN: TOKEN },
): Promise<{ code: number; stdout: string; stderr: string }> {
  return runCliCaptured(argv, env)
}

/** `wes-node ... --json` that must succeed: its JSON. */
async function json<T>(argv: string[]): Promise<T> {
  const result = await cli([...argv, '--json'])
  expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' })
  return JSON.parse(result.stdout) as T
}

async function until(done: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

describe('peer and dht controls of live nodes', () => {
  it('B connects to A, pings it, finds C through the DHT and disconnects, by the CLI', async () => {
    const [a, b, c] = [await runtime(), await runtime(), await runtime()]
    if (a === undefined || b === undefined || c === undefined) throw new Error('no runtimes')
    const aAddr = a.node.getMultiaddrs()[0] as string
    const bDiag = ['--addr', addrOf(b)]

    // C is known to A only: B learns of it from A's DHT
    await c.node.libp2p.dial(a.node.libp2p.getMultiaddrs()[0] ?? a.node.libp2p.peerId)
    await until(
      () => a.node.snapshot().routing.routingTableSize >= 1,
      'C in the routing table of A',
    )

    const connected = await json<ConnectResponse>(['peer', 'connect', aAddr, ...bDiag])
    expect(connected).toMatchObject({ peer_id: a.node.peerId, direction: 'outbound' })
    expect(connected.ms).toBeGreaterThanOrEqual(0)
    expect(b.node.snapshot().peerIds).toContain(a.node.peerId)

    const pinged = await cli(['peer', 'ping', a.node.peerId, '-n', '3', ...bDiag])
    expect(pinged.code).toBe(0)
    const lines = pinged.stdout.trimEnd().split('\n')
    expect(lines[0]).toBe(`PING ${a.node.peerId}`)
    expect(lines.slice(1, 4)).toEqual([
      expect.stringMatching(/^seq=1 time=\d+ ms$/),
      expect.stringMatching(/^seq=2 time=\d+ ms$/),
      expect.stringMatching(/^seq=3 time=\d+ ms$/),
    ])
    expect(lines.at(-2)).toMatch(/^3 sent, 3 received, 0% loss, time \d+ ms$/)
    expect(lines.at(-1)).toMatch(/^rtt min\/avg\/max = [\d.]+\/[\d.]+\/[\d.]+ ms$/)
    const ping = await json<PingResponse>(['peer', 'ping', a.node.peerId, '-n', '3', ...bDiag])
    expect(ping).toMatchObject({ peer_id: a.node.peerId, sent: 3, received: 3 })
    expect(ping.rtts_ms).toHaveLength(3)
    expect(ping.min_ms).toBeLessThanOrEqual(ping.max_ms)

    // C was never named to B: its DHT learns C from A (in this query, or in B's own routing
    // table refresh before it)
    const cListen = c.node.libp2p
      .getMultiaddrs()
      .map((addr) => addr.decapsulateCode(421).toString())
    const found = await json<FindPeerResponse>(['dht', 'findpeer', c.node.peerId, ...bDiag])
    expect(found.peer_id).toBe(c.node.peerId)
    expect(found.multiaddrs.map((addr) => addr.replace(/\/p2p\/[^/]+$/, ''))).toEqual(
      expect.arrayContaining(cListen),
    )

    const disconnected = await json<DisconnectResponse>([
      'peer',
      'disconnect',
      a.node.peerId,
      ...bDiag,
    ])
    expect(disconnected.peer_id).toBe(a.node.peerId)
    expect(disconnected.closed_connections).toBeGreaterThanOrEqual(1)
  }, 60_000)

  it('failures exit 1 with one line; bad input exits 2 before any request', async () => {
    const b = await runtime()
    const bDiag = ['--addr', addrOf(b)]
    const refused = await cli(['peer', 'connect', '/ip4/127.0.0.1/tcp/1', ...bDiag])
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(
      /^wes-node: cannot connect to \/ip4\/127\.0\.0\.1\/tcp\/1: connection refused/,
    )
    expect(refused.stderr.trimEnd().split('\n')).toHaveLength(1)

    const self = await cli(['peer', 'ping', b.node.peerId, ...bDiag])
    expect(self).toMatchObject({ code: 2, stderr: 'wes-node: cannot ping the node itself\n' })

    for (const argv of [
      ['peer', 'ping', 'not-a-peer'],
      ['peer', 'ping', b.node.peerId, '-n', '101'],
      ['peer', 'connect', 'ip4/127.0.0.1'],
      ['peer', 'disconnect'],
      ['dht', 'findpeer', b.node.peerId, '--timeout', 'soon'],
    ]) {
      const result = await cli([...argv, ...bDiag])
      expect({ argv, code: result.code }).toEqual({ argv, code: 2 })
      expect(result.stderr.trimEnd().split('\n')).toHaveLength(1)
    }

    const noToken = await cli(['peer', 'disconnect', b.node.peerId, ...bDiag], {})
    expect(noToken.code).toBe(1)
    expect(noToken.stderr).toMatch(/need a valid token/)
  }, 30_000)

  it('a node without a token has no controls: the CLI says so and exits 1', async () => {
    const open = await runtime(null)
    const result = await cli(['dht', 'findpeer', open.node.peerId, '--addr', addrOf(open)])
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(
      /has no controls: they exist only while its diagnostics require a token/,
    )
    const res = await fetch(`${open.diagnostics?.url}/control/p2p/connect`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ multiaddr: '/ip4/127.0.0.1/tcp/1' }),
    })
    expect(res.status).toBe(404)
  }, 30_000)
})
