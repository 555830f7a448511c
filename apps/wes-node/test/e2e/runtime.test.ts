/**
 * The node wired to its diagnostics, in-process: what Prometheus and operators read over HTTP
 * while real nodes on 127.0.0.1 bootstrap, transfer data and lose their bootstrap peer.
 */
import { mdnsIsolation } from '@wes/config/multicast'
import type { Stream } from '@libp2p/interface'
import { renderExposition } from '@wes/diagnostics'
import { libp2pVersion } from '@wes/p2p-core'
import type { P2POptionsInit } from '@wes/p2p-core'
import { afterEach, describe, expect, it } from '@jest/globals'
import type { Runtime } from '../../src/runtime.js'
import { LoopbackRuntimes, until } from '../fixtures/runtime.js'
import { VERSION } from '../../src/version.js'

// mDNS only where its multicast cannot leave the machine: a namespace of its own
const isolation = await mdnsIsolation()
if (!isolation.ok) console.warn(`runtime mDNS e2e SKIPPED: ${isolation.reason}`)
const mdnsIt = isolation.ok ? it : it.skip

const nodes = new LoopbackRuntimes('wes-runtime-')

afterEach(() => nodes.cleanup())

/** A node whose bootstrap retries come quickly, so the tests need not wait long. */
function runtime(init: P2POptionsInit = {}, start = true): Promise<Runtime> {
  const discovery = {
    bootstrapIntervalMs: 200,
    bootstrapMaxIntervalMs: 800,
    dialTimeoutMs: 2_000,
    ...init.discovery,
  }
  return nodes.create({ ...init, discovery }, { start })
}

function url(rt: Runtime, path: string): string {
  return `${rt.diagnostics?.url}${path}`
}

async function json(rt: Runtime, path: string): Promise<Record<string, unknown>> {
  const res = await fetch(url(rt, path))
  expect(res.status).toBe(200)
  expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8')
  return (await res.json()) as Record<string, unknown>
}

/** name -> value of the unlabelled samples of /metrics. */
async function metrics(rt: Runtime): Promise<Record<string, number>> {
  const res = await fetch(url(rt, '/metrics'))
  expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8')
  const values: Record<string, number> = {}
  for (const line of (await res.text()).split('\n')) {
    const match = /^(p2p_[a-z_]+) (\S+)$/.exec(line)
    if (match) values[match[1] as string] = Number(match[2])
  }
  return values
}

function typeOf(value: unknown): string {
  return Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value
}

describe('a live node through its diagnostics', () => {
  it('answers 503 before start and after stop, while /metrics still answers', async () => {
    const rt = await runtime({}, false)
    await rt.diagnostics?.start()
    for (const view of ['peers', 'connections', 'stats', 'health', 'routing']) {
      const res = await fetch(url(rt, `/debug/p2p/${view}`))
      expect(res.status).toBe(503)
      expect(await res.json()).toEqual({ error: 'not_ready', message: expect.any(String) })
    }
    expect((await fetch(url(rt, '/metrics'))).status).toBe(200)

    await rt.node.start()
    expect((await fetch(url(rt, '/debug/p2p/health'))).status).toBe(200)
    await rt.node.stop()
    expect((await fetch(url(rt, '/debug/p2p/health'))).status).toBe(503)
    await rt.diagnostics?.stop()
  })

  mdnsIt('two nodes with mDNS find each other and the mDNS counters move', async () => {
    const a = await runtime({ mdns: true })
    const b = await runtime({ mdns: true })
    const health = await json(a, '/debug/p2p/health')
    expect((health.mdns as Record<string, unknown>).enabled).toBe(true)
    if ((health.mdns as Record<string, unknown>).available !== true) {
      throw new Error('mDNS is not available on this machine (no multicast on loopback?)')
    }
    const before = Math.floor(Date.now() / 1000) - 1
    for (const rt of [a, b]) {
      await until(
        () => metrics(rt),
        (v) => (v.p2p_discovery_mdns_responses_total ?? 0) >= 1,
        'an mDNS answer',
        20_000,
      )
    }
    // the first to hear the other finds it; the other may hear it only once connected (no find)
    const both = await until(
      async () => [await metrics(a), await metrics(b)],
      (vs) => vs.some((v) => (v.p2p_discovery_mdns_peer_found_total ?? 0) >= 1),
      'an mDNS find',
      20_000,
    )
    for (const m of both) {
      expect(m.p2p_discovery_mdns_peer_found_total).toBeLessThanOrEqual(1)
      if (m.p2p_discovery_mdns_peer_found_total === 1) {
        expect(m.p2p_discovery_last_mdns_found_unixtime).toBeGreaterThanOrEqual(before)
      } else {
        expect(m.p2p_discovery_last_mdns_found_unixtime).toBe(0)
      }
    }
    // one of the two dials the other; either way they end up connected
    await until(
      () => json(a, '/debug/p2p/peers'),
      (p) => (p.peer_ids as string[]).includes(b.node.peerId),
      'A and B connected',
      20_000,
    )
    const success =
      (await metrics(a)).p2p_discovery_mdns_connect_success_total! +
      (await metrics(b)).p2p_discovery_mdns_connect_success_total!
    expect(success).toBeGreaterThanOrEqual(1)
  })

  it('B and C bootstrap from A: counters and last_bootstrap_unixtime move; endpoints agree with /metrics', async () => {
    const a = await runtime()
    const aAddr = a.node.getMultiaddrs()[0] as string
    const before = Math.floor(Date.now() / 1000)
    const b = await runtime({ bootstrap: [aAddr] })
    const c = await runtime({ bootstrap: [aAddr] })

    for (const rt of [b, c]) {
      const m = await until(
        () => metrics(rt),
        (v) => v.p2p_discovery_bootstrap_success_total === 1,
        'bootstrap success',
      )
      expect(m.p2p_discovery_bootstrap_attempt_total).toBeGreaterThanOrEqual(1)
      expect(m.p2p_discovery_last_bootstrap_unixtime).toBeGreaterThanOrEqual(before)
      expect(m.p2p_discovery_last_bootstrap_unixtime).toBeLessThanOrEqual(
        Math.floor(Date.now() / 1000),
      )
    }
    const aMetrics = await until(
      () => metrics(a),
      (v) => v.p2p_peers_total === 2,
      'A to see two peers',
    )
    expect(aMetrics.p2p_discovery_bootstrap_attempt_total).toBe(0)
    expect(aMetrics.p2p_discovery_last_bootstrap_unixtime).toBe(0)

    // every endpoint: documented keys and types
    const peers = await json(a, '/debug/p2p/peers')
    expect(peers.peers).toBe(2)
    expect((peers.peer_ids as string[]).sort()).toEqual([b.node.peerId, c.node.peerId].sort())
    const connections = await json(a, '/debug/p2p/connections')
    expect(typeOf(connections.connections)).toBe('number')
    const stats = await json(a, '/debug/p2p/stats')
    expect(stats).toMatchObject({ peers: 2, host_id: a.node.peerId })
    const bandwidth = stats.bandwidth as Record<string, unknown>
    for (const key of ['in_rate_bps', 'out_rate_bps', 'in_total_bytes', 'out_total_bytes']) {
      expect(typeOf(bandwidth[key])).toBe('number')
    }
    const health = await json(a, '/debug/p2p/health')
    expect(health).toMatchObject({
      host_id: a.node.peerId,
      num_peers: 2,
      relay_stats: { enabled: true },
    })
    expect(['public', 'private', 'unknown']).toContain(health.reachability)
    expect(['public', 'private', 'unknown']).toContain(health.autoNAT_status)
    expect(typeOf(health.num_conns)).toBe('number')
    const routing = await until(
      () => json(a, '/debug/p2p/routing'),
      (r) => r.routing_table_size === 2,
      'routing table',
    )
    expect(routing).toMatchObject({ mode: 'server', num_bootstrap_peers: 0 })
    expect((await json(b, '/debug/p2p/routing')).num_bootstrap_peers).toBe(1)

    // /metrics agrees with the JSON read right after it
    const m = await metrics(a)
    const s = await json(a, '/debug/p2p/stats')
    expect(m.p2p_peers_total).toBe(s.peers)
    expect(m.p2p_connections_total).toBe(s.connections)
    expect(m.p2p_routing_table_size).toBe(2)
    const sb = s.bandwidth as Record<string, number>
    expect(m.p2p_bandwidth_in_total_bytes).toBeLessThanOrEqual(sb.in_total_bytes as number)
    expect(m.p2p_bandwidth_out_total_bytes).toBeLessThanOrEqual(sb.out_total_bytes as number)
  })

  it("a 2 MiB stream grows both sides' wire totals by at least its size, with a rate during the transfer", async () => {
    const a = await runtime()
    const b = await runtime()
    const PROTOCOL = '/wes-test/sink/1.0.0'
    const SIZE = 2 * 1024 * 1024
    const CHUNK = 64 * 1024
    let received = 0
    await a.node.libp2p.handle(PROTOCOL, async (stream: Stream) => {
      for await (const buf of stream) received += buf.byteLength
      await stream.close()
    })
    await b.node.libp2p.dial(a.node.libp2p.getMultiaddrs()[0] ?? a.node.libp2p.peerId)
    await until(
      () => metrics(a),
      (v) => v.p2p_connections_total === 1,
      'the connection',
    )
    const aBefore = await metrics(a)
    const bBefore = await metrics(b)

    const stream = await b.node.libp2p.dialProtocol(a.node.libp2p.peerId, PROTOCOL)
    const chunk = new Uint8Array(CHUNK).fill(7)
    let midway: Record<string, number> | undefined
    for (let sent = 0; sent < SIZE; sent += CHUNK) {
      if (!stream.send(chunk)) await stream.onDrain()
      if (midway === undefined && sent >= SIZE / 2) midway = await metrics(b)
    }
    await stream.close()
    await until(
      async () => received,
      (n) => n === SIZE,
      'the receiver to get every byte',
    )

    const aAfter = await metrics(a)
    const bAfter = await metrics(b)
    expect(
      aAfter.p2p_bandwidth_in_total_bytes! - aBefore.p2p_bandwidth_in_total_bytes!,
    ).toBeGreaterThanOrEqual(SIZE)
    expect(
      bAfter.p2p_bandwidth_out_total_bytes! - bBefore.p2p_bandwidth_out_total_bytes!,
    ).toBeGreaterThanOrEqual(SIZE)
    expect(midway?.p2p_bandwidth_out_rate_bytes_per_sec).toBeGreaterThan(0)
    expect(aAfter.p2p_bandwidth_in_rate_bytes_per_sec).toBeGreaterThan(0)

    // libp2p's transfer counter, counted by the node's own taps (countTransfers): the stream's
    // payload exactly under its protocol, and at least as much on the wire under `global`
    const transfer = async (rt: Runtime, key: string): Promise<number> => {
      const text = await (await fetch(url(rt, '/metrics'))).text()
      const line = text
        .split('\n')
        .find((l) => l.startsWith(`libp2p_data_transfer_bytes_total{protocol="${key}"} `))
      return Number(line?.split(' ').at(-1))
    }
    expect(await transfer(a, `${PROTOCOL} received`)).toBe(SIZE)
    expect(await transfer(b, `${PROTOCOL} sent`)).toBe(SIZE)
    expect(await transfer(a, 'global received')).toBeGreaterThanOrEqual(SIZE)
    expect(await transfer(b, 'global sent')).toBeGreaterThanOrEqual(SIZE)
  })

  it("serves libp2p's own metrics beside the node's, each node on its own registry, and none with libp2pMetrics: false", async () => {
    const a = await runtime()
    const b = await runtime()
    const bare = await runtime({ libp2pMetrics: false })
    await b.node.libp2p.dial(a.node.libp2p.getMultiaddrs()[0] ?? a.node.libp2p.peerId)
    await until(
      () => metrics(a),
      (v) => v.p2p_connections_total === 1,
      'the connection',
    )

    const families = async (rt: Runtime): Promise<string[]> => {
      const text = await (await fetch(url(rt, '/metrics'))).text()
      return [...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1] as string)
    }
    for (const rt of [a, b]) {
      const names = await families(rt)
      expect(names.filter((n) => n.startsWith('libp2p_')).length).toBeGreaterThan(20)
      expect(names).toContain('libp2p_data_transfer_bytes_total')
      expect(names).toContain('p2p_connections_total')
      // libp2p's traffic counted on this node's registry, not on the first node's
      const text = await (await fetch(url(rt, '/metrics'))).text()
      const sent = /^libp2p_data_transfer_bytes_total\{protocol="global sent"\} (\d+)$/m.exec(text)
      expect(Number(sent?.[1])).toBeGreaterThan(0)
      // libp2p's disk usage is read beside the scrape, not inside it, and is still served
      const disk = /^nodejs_fs_usage_bytes\{filesystem="total"\} (\d+)$/m.exec(text)
      expect(Number(disk?.[1])).toBeGreaterThan(0)
    }
    const bareNames = await families(bare)
    expect(bareNames.filter((n) => n.startsWith('libp2p_'))).toEqual([])
    expect(bareNames).toContain('p2p_discovery_dials_total')
  })

  it('writes the whole registry of a connected node as prom-client would, in both formats', async () => {
    const a = await runtime()
    const b = await runtime()
    await b.node.libp2p.dial(a.node.libp2p.getMultiaddrs()[0] ?? a.node.libp2p.peerId)
    await until(
      () => metrics(a),
      (v) => v.p2p_connections_total === 1,
      'the connection',
    )
    // the series of each line (values move between two renders of a live node)
    const series = (text: string): string[] =>
      text
        .split('\n')
        .filter((line) => line !== '' && !line.startsWith('#'))
        .map((line) => line.slice(0, line.lastIndexOf(' ')))
        .sort()
    const ours = await renderExposition(a.registry, 'prometheus')
    const theirs = await a.registry.metrics()
    expect(series(ours)).toEqual(series(theirs))
    expect(ours.match(/^# (HELP|TYPE) .*$/gm)).toEqual(theirs.match(/^# (HELP|TYPE) .*$/gm))
    expect(series(await renderExposition(a.registry, 'openmetrics'))).toEqual(series(theirs))
    expect(ours).toContain('# TYPE libp2p_protocol_streams_total gauge\n')
  })

  it('serves wes_node_build_info: the versions of wes-node, libp2p and Node.js, value 1', async () => {
    const rt = await runtime({ libp2pMetrics: false })
    const text = await (await fetch(url(rt, '/metrics'))).text()
    expect(text).toContain('# TYPE wes_node_build_info gauge\n')
    const series = text.split('\n').filter((line) => line.startsWith('wes_node_build_info'))
    expect(series).toEqual([
      `wes_node_build_info{version="${VERSION}",libp2p="${libp2pVersion()}",node="${process.version}"} 1`,
    ])
    expect(libp2pVersion()).toMatch(/^\d+\.\d+\.\d+/)
  })

  it('a dead bootstrap address: attempts rise, successes stay 0, the node stays up', async () => {
    const gone = await runtime()
    const deadAddr = gone.node.getMultiaddrs()[0] as string
    await gone.stop()
    const rt = await runtime({ bootstrap: [deadAddr] })
    const m = await until(
      () => metrics(rt),
      (v) => (v.p2p_discovery_bootstrap_attempt_total ?? 0) >= 3,
      'three attempts',
    )
    expect(m.p2p_discovery_bootstrap_success_total).toBe(0)
    expect(m.p2p_discovery_last_bootstrap_unixtime).toBe(0)
    expect(rt.node.status).toBe('started')
    expect((await json(rt, '/debug/p2p/health')).num_peers).toBe(0)
  })
})
