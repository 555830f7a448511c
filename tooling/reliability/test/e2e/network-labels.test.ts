/**
 * Peers choose their agent strings and the protocols they announce; none of that may add a
 * series to a node's /metrics. Stock js-libp2p peers, each with an agent (`nodeInfo.userAgent`)
 * and a protocol of its own, connect to a wes-node runtime on 127.0.0.1, and the node's series
 * are compared before and after.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { identify } from '@libp2p/identify'
import { tcp } from '@libp2p/tcp'
import { afterEach, describe, expect, it } from '@jest/globals'
import { createLibp2p } from 'libp2p'
import type { Libp2p } from '@libp2p/interface'
import { resolveOptions } from '@wes/p2p-core'
import { createLogger, createRuntime } from 'wes-node'
import type { Runtime } from 'wes-node'

const runtimes: Runtime[] = []
const dirs: string[] = []

afterEach(async () => {
  await Promise.all(runtimes.splice(0).map((rt) => rt.stop()))
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })))
})

async function runtime(): Promise<Runtime> {
  const dataDir = await mkdtemp(join(tmpdir(), 'wes-labels-'))
  dirs.push(dataDir)
  const rt = await createRuntime(
    resolveOptions({
      listen: ['/ip4/127.0.0.1/tcp/0'],
      mdns: false,
      autonat: false,
      diagnosticsAddr: '127.0.0.1:0',
      dht: { mode: 'client' },
      dataDir,
    }),
    { logger: createLogger({ level: 'silent' }) },
  )
  runtimes.push(rt)
  await rt.start()
  return rt
}

interface StockPeerInit {
  userAgent: string
  /** Where its connections come from: libp2p takes at most 5 a second from one host. */
  sourceAddress: string
  /** A protocol it serves and announces. */
  protocol?: string
}

/** A stock js-libp2p peer: TCP, noise, yamux, identify; dial only. */
async function stockPeer(init: StockPeerInit): Promise<Libp2p> {
  const peer = await createLibp2p({
    privateKey: await generateKeyPair('Ed25519'),
    nodeInfo: { userAgent: init.userAgent },
    addresses: { listen: [] },
    // net.connect takes localAddress; the transport's option type does not list it
    transports: [
      tcp({ dialOpts: { localAddress: init.sourceAddress } } as Parameters<typeof tcp>[0]),
    ],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify() },
  })
  if (init.protocol !== undefined) {
    await peer.handle(init.protocol, async (stream) => {
      // drain what the node sends
      for await (const chunk of stream) void chunk
      await stream.close()
    })
  }
  return peer
}

/** The node's own series (`p2p_*`, `wes_*`) as served: name and labels -> value. */
async function series(rt: Runtime): Promise<Map<string, number>> {
  const text = await (await fetch(`${rt.diagnostics?.url}/metrics`)).text()
  const found = new Map<string, number>()
  for (const line of text.split('\n')) {
    const match = /^((?:p2p|wes)_[a-z_]+(?:\{[^}]*\})?) (\S+)$/.exec(line)
    if (match) found.set(match[1] as string, Number(match[2]))
  }
  return found
}

async function until<T>(read: () => Promise<T>, done: (v: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 30_000
  for (;;) {
    const value = await read()
    if (done(value)) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

const byAgent = (all: Map<string, number>, agent: string): number | undefined =>
  all.get(`p2p_peers_by_agent{agent="${agent}"}`)

describe('what peers announce never adds a series', () => {
  it('counts peers by the class of the agent they set, a wes-node among them', async () => {
    const rt = await runtime()
    const wes = await runtime()
    const peers: Libp2p[] = []
    try {
      const agents = [
        'kubo/0.29.0/3f0947b',
        'rust-libp2p/0.44.0',
        'helia/5.4.2 libp2p/2.8.8',
        'homebrew/1',
      ]
      for (const [i, userAgent] of agents.entries()) {
        peers.push(await stockPeer({ userAgent, sourceAddress: `127.0.1.${i + 1}` }))
      }
      const target = rt.node.libp2p.getMultiaddrs()[0]
      if (target === undefined) throw new Error('the node listens nowhere')
      for (const peer of peers) await peer.dial(target)
      await wes.node.libp2p.dial(target)

      const all = await until(
        () => series(rt),
        (s) => s.get('p2p_peers_total') === 5 && byAgent(s, 'unknown') === 0,
        'five identified peers',
      )
      expect(byAgent(all, 'kubo')).toBe(1)
      expect(byAgent(all, 'rust-libp2p')).toBe(1)
      expect(byAgent(all, 'helia')).toBe(1)
      expect(byAgent(all, 'other')).toBe(1)
      expect(byAgent(all, 'wes-node')).toBe(1)
      expect(byAgent(all, 'js-libp2p')).toBe(0)

      // a peer that leaves leaves its class
      await peers[0]?.stop()
      await until(
        () => series(rt),
        (s) => byAgent(s, 'kubo') === 0,
        'the kubo peer to be gone',
      )
    } finally {
      await Promise.all(peers.map((peer) => peer.stop().catch(() => undefined)))
    }
  })

  it('60 peers with agents and protocols of their own leave the set of series as it was', async () => {
    const rt = await runtime()
    const PEERS = 60
    const peers: Libp2p[] = []
    try {
      // the first scrape creates every series a node has at rest
      const before = await series(rt)
      const target = rt.node.libp2p.getMultiaddrs()[0]
      if (target === undefined) throw new Error('the node listens nowhere')
      for (let i = 0; i < PEERS; i++) {
        peers.push(
          await stockPeer({
            userAgent: `peer-${i}/${'v'.repeat(i)} ${i}`,
            sourceAddress: `127.0.2.${i + 1}`,
            protocol: `/peer-${i}/proto/1.0.0`,
          }),
        )
      }
      // a few at a time: libp2p refuses more than 10 handshakes at once
      for (let i = 0; i < PEERS; i += 5) {
        await Promise.all(peers.slice(i, i + 5).map(async (peer) => peer.dial(target)))
      }
      await until(
        () => series(rt),
        (s) => s.get('p2p_peers_total') === PEERS && byAgent(s, 'other') === PEERS,
        'every peer identified',
      )
      // the node speaks each peer's own protocol, and each peer tries its protocol on the node
      for (const [i, peer] of peers.entries()) {
        const stream = await rt.node.libp2p.dialProtocol(peer.peerId, `/peer-${i}/proto/1.0.0`)
        stream.send(new Uint8Array(100))
        await stream.close()
        await expect(
          peer.dialProtocol(rt.node.libp2p.peerId, `/peer-${i}/proto/1.0.0`),
        ).rejects.toThrow()
      }

      const after = await series(rt)
      expect([...after.keys()].sort()).toEqual([...before.keys()].sort())
      expect(
        after.get('p2p_protocol_bytes_total{direction="out",protocol="other"}'),
      ).toBeGreaterThanOrEqual(PEERS * 100)
      const text = await (await fetch(`${rt.diagnostics?.url}/metrics`)).text()
      expect(text).not.toMatch(/^(p2p|wes)_.*peer-\d/m)
    } finally {
      await Promise.all(peers.map((peer) => peer.stop().catch(() => undefined)))
    }
  })
})
