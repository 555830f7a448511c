/**
 * The metrics that explain a node's network, moved by known actions between real nodes on
 * 127.0.0.1 and read the way Prometheus and operators read them: `/metrics` and
 * `/debug/p2p/stats` over HTTP.
 */
import { createServer } from 'node:net'
import type { AddressInfo, Socket } from 'node:net'
import type { Stream } from '@libp2p/interface'
import type { P2POptionsInit } from '@wes/p2p-core'
import { afterEach, describe, expect, it } from '@jest/globals'
import type { Runtime } from '../../src/runtime.js'
import { LoopbackRuntimes, connect, until } from '../fixtures/runtime.js'

const nodes = new LoopbackRuntimes('wes-netmetrics-')

afterEach(() => nodes.cleanup())

function runtime(init: P2POptionsInit = {}): Promise<Runtime> {
  return nodes.create(init)
}

function url(rt: Runtime, path: string): string {
  return `${rt.diagnostics?.url}${path}`
}

/** Every `p2p_*` sample of /metrics: `name{labels}` (as served) -> value. */
async function samples(rt: Runtime): Promise<Map<string, number>> {
  const text = await (await fetch(url(rt, '/metrics'))).text()
  const found = new Map<string, number>()
  for (const line of text.split('\n')) {
    const match = /^(p2p_[a-z_]+(?:\{[^}]*\})?) (\S+)$/.exec(line)
    if (match) found.set(match[1] as string, Number(match[2]))
  }
  return found
}

/** One sample by name and labels in the order prom-client writes them. */
function sample(
  all: Map<string, number>,
  name: string,
  labels: Record<string, string> = {},
): number {
  const entries = Object.entries(labels)
  const key =
    entries.length === 0 ? name : `${name}{${entries.map(([k, v]) => `${k}="${v}"`).join(',')}}`
  const value = all.get(key)
  if (value === undefined) throw new Error(`no sample ${key}`)
  return value
}

describe('the network metrics of a live node', () => {
  it('a known transfer on a known protocol moves p2p_protocol_bytes_total and /debug/p2p/stats by its size', async () => {
    const a = await runtime()
    const b = await runtime()
    const PROTOCOL = '/wes-test/sink/1.0.0'
    const SIZE = 512 * 1024
    const CHUNK = 64 * 1024
    let received = 0
    const sink = async (stream: Stream): Promise<void> => {
      for await (const buf of stream) received += buf.byteLength
      await stream.close()
    }
    // both serve the protocol, so it is a named protocol on both sides
    await a.node.libp2p.handle(PROTOCOL, sink)
    await b.node.libp2p.handle(PROTOCOL, sink)
    await connect(b, a)

    const label = (direction: string): Record<string, string> => ({
      direction,
      protocol: PROTOCOL,
    })
    const aBefore = await samples(a)
    const bBefore = await samples(b)
    expect(sample(aBefore, 'p2p_protocol_bytes_total', label('in'))).toBe(0)
    expect(sample(bBefore, 'p2p_protocol_bytes_total', label('out'))).toBe(0)

    const stream = await b.node.libp2p.dialProtocol(a.node.libp2p.peerId, PROTOCOL)
    const chunk = new Uint8Array(CHUNK).fill(7)
    for (let sent = 0; sent < SIZE; sent += CHUNK) {
      if (!stream.send(chunk)) await stream.onDrain()
    }
    await stream.close()
    await until(
      async () => received,
      (n) => n === SIZE,
      'the receiver to get every byte',
    )

    // stream payload exactly: negotiation happens before the stream is counted, framing is not in it
    const aAfter = await samples(a)
    const bAfter = await samples(b)
    expect(sample(aAfter, 'p2p_protocol_bytes_total', label('in'))).toBe(SIZE)
    expect(sample(bAfter, 'p2p_protocol_bytes_total', label('out'))).toBe(SIZE)
    expect(sample(aAfter, 'p2p_protocol_bytes_total', label('out'))).toBe(0)
    // the node's own protocols are there from the first scrape, other too
    for (const protocol of ['/ipfs/id/1.0.0', '/ipfs/ping/1.0.0', '/wes/kad/1.0.0', 'other']) {
      expect(
        sample(aAfter, 'p2p_protocol_bytes_total', { direction: 'in', protocol }),
      ).toBeGreaterThanOrEqual(0)
    }

    const stats = (await (await fetch(url(a, '/debug/p2p/stats'))).json()) as {
      protocols: Record<string, Record<string, number>>
    }
    expect(stats.protocols[PROTOCOL]).toMatchObject({ in_total_bytes: SIZE, out_total_bytes: 0 })
    expect(stats.protocols[PROTOCOL]?.in_rate_bps).toBeGreaterThan(0)
    expect(stats.protocols.other).toEqual({
      in_rate_bps: expect.any(Number),
      out_rate_bps: expect.any(Number),
      in_total_bytes: expect.any(Number),
      out_total_bytes: expect.any(Number),
    })
  })

  it('connections: opened and closed by direction, transport and reason, with their duration', async () => {
    // DHT clients: nothing redials behind the test's back
    const a = await runtime({ dht: { mode: 'client' } })
    const b = await runtime({ dht: { mode: 'client' } })
    const opened = (direction: string) => ({ direction, transport: 'tcp' })
    const closed = (direction: string, reason: string) => ({ direction, transport: 'tcp', reason })
    const durations = async (rt: Runtime): Promise<number> =>
      sample(await samples(rt), 'p2p_connection_duration_seconds_count')

    for (const rt of [a, b]) {
      const all = await samples(rt)
      expect(sample(all, 'p2p_connections_opened_total', opened('inbound'))).toBe(0)
      expect(sample(all, 'p2p_connections_closed_total', closed('outbound', 'timeout'))).toBe(0)
      expect(
        sample(all, 'p2p_connections_opened_total', {
          direction: 'inbound',
          transport: 'circuit-relay',
        }),
      ).toBe(0)
      expect(await durations(rt)).toBe(0)
    }

    // b dials a, then hangs up: a clean close, b's own, a's peer's
    await connect(b, a)
    expect(sample(await samples(b), 'p2p_connections_opened_total', opened('outbound'))).toBe(1)
    await until(
      () => samples(a),
      (all) => sample(all, 'p2p_connections_opened_total', opened('inbound')) === 1,
      'the inbound connection',
    )
    await b.node.libp2p.hangUp(a.node.libp2p.peerId)
    await until(
      () => samples(a),
      (all) => sample(all, 'p2p_connections_closed_total', closed('inbound', 'remote')) === 1,
      "a to see the peer's close",
    )
    const bAll = await samples(b)
    expect(sample(bAll, 'p2p_connections_closed_total', closed('outbound', 'local'))).toBe(1)
    expect(await durations(a)).toBe(1)
    expect(await durations(b)).toBe(1)

    // b dials again and a aborts: an error on a's side, a reset (ECONNRESET) on b's
    await connect(b, a)
    await until(
      async () => a.node.libp2p.getConnections(b.node.libp2p.peerId),
      (conns) => conns.length === 1,
      'the second connection',
    )
    a.node.libp2p.getConnections(b.node.libp2p.peerId)[0]?.abort(new Error('test abort'))
    await until(
      () => samples(b),
      (all) => sample(all, 'p2p_connections_closed_total', closed('outbound', 'reset')) === 1,
      'b to see the reset',
    )
    const aAll = await samples(a)
    expect(sample(aAll, 'p2p_connections_closed_total', closed('inbound', 'error'))).toBe(1)
    expect(sample(aAll, 'p2p_connections_opened_total', opened('inbound'))).toBe(2)
    expect(sample(aAll, 'p2p_connections_opened_total', opened('outbound'))).toBe(0)
  })

  it('dials: every outbound dial is timed by outcome, and failures counted by the dial-error classes', async () => {
    const a = await runtime({ dht: { mode: 'client' } })
    const b = await runtime({ dht: { mode: 'client' } })
    const count = async (outcome: string): Promise<number> =>
      sample(await samples(b), 'p2p_dial_duration_seconds_count', { outcome })
    const errors = async (reason: string): Promise<number> =>
      sample(await samples(b), 'p2p_dial_errors_total', { reason })
    expect(await count('success')).toBe(0)
    expect(await count('failure')).toBe(0)

    await connect(b, a)
    expect(await count('success')).toBe(1)
    // a second dial answered from the open connection is no dial
    await connect(b, a)
    expect(await count('success')).toBe(1)

    // nothing listens: refused
    const closedPort = await freePort()
    const base = a.node.libp2p.getMultiaddrs()[0]
    if (base === undefined) throw new Error('a listens nowhere')
    const at = (port: number) => base.decapsulate('/tcp').encapsulate(`/tcp/${port}`)
    await expect(b.node.libp2p.dial(at(closedPort))).rejects.toThrow()
    expect(await errors('refused')).toBe(1)
    expect(await count('failure')).toBe(1)

    // something accepts TCP and never answers the handshake, and the dial has 500 ms: timeout
    const silent = createServer(() => {})
    const sockets: Socket[] = []
    silent.on('connection', (socket) => sockets.push(socket))
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    try {
      const port = (silent.address() as AddressInfo).port
      const started = Date.now()
      await expect(
        b.node.libp2p.dial(at(port), { signal: AbortSignal.timeout(500) }),
      ).rejects.toThrow()
      expect(Date.now() - started).toBeLessThan(5_000)
    } finally {
      for (const socket of sockets) socket.destroy()
      await new Promise((resolve) => silent.close(resolve))
    }
    expect(await errors('timeout')).toBe(1)
    expect(await count('failure')).toBe(2)
    const all = await samples(b)
    expect(sample(all, 'p2p_dial_duration_seconds_bucket', { le: '1', outcome: 'failure' })).toBe(2)
    for (const reason of ['no_route', 'handshake', 'denied', 'aborted', 'other']) {
      expect(sample(all, 'p2p_dial_errors_total', { reason })).toBe(0)
    }
  })

  it('a ping moves p2p_ping_rtt_seconds by its round trip', async () => {
    const a = await runtime({ dht: { mode: 'client' } })
    const b = await runtime({ dht: { mode: 'client' } })
    await connect(b, a)
    const before = await samples(b)
    expect(sample(before, 'p2p_ping_rtt_seconds_count')).toBe(0)

    // libp2p allows one outbound ping stream per peer at a time: retry, bounded
    const { ping } = b.node.libp2p.services as {
      ping: { ping(peer: unknown): Promise<number> }
    }
    let rttMs: number | undefined
    for (let attempt = 0; rttMs === undefined && attempt < 5; attempt++) {
      rttMs = await ping.ping(a.node.libp2p.peerId).catch(() => undefined)
    }
    if (rttMs === undefined) throw new Error('no ping got through')

    const after = await samples(b)
    const count = sample(after, 'p2p_ping_rtt_seconds_count')
    const sum = sample(after, 'p2p_ping_rtt_seconds_sum')
    // the connection monitor may have pinged too (every 10 s)
    expect(count).toBeGreaterThanOrEqual(1)
    expect(sum).toBeGreaterThanOrEqual(0)
    expect(sum / count).toBeLessThan(1)
    if (count === 1) expect(Math.abs(sum * 1_000 - rttMs)).toBeLessThanOrEqual(5)
    // a only echoed b's ping: its histogram holds its own pings, none yet (the monitor's first
    // comes 10 s after start)
    expect(sample(await samples(a), 'p2p_ping_rtt_seconds_count')).toBe(0)
  })
})

/** A TCP port that nothing listens on (it was free a moment ago). */
async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}
