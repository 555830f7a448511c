import { multiaddr } from '@multiformats/multiaddr'
import { createNodeControls, PING_ATTEMPTS } from '../../src/index.js'
import type { P2PNode, P2PNodeStatus } from '../../src/index.js'
import { newPeerId } from '../fixtures/fake-libp2p.js'
import type { Libp2p, PeerId } from '@libp2p/interface'

function error(name: string, message: string, code?: string): Error {
  const err = new Error(message)
  err.name = name
  return code === undefined ? err : Object.assign(err, { code })
}

/** The parts of libp2p the controls use, each as a test sets it. */
interface StubLibp2p {
  peerId: PeerId
  connected: Map<string, number>
  dial?: (target: unknown, options?: { signal?: AbortSignal }) => Promise<unknown>
  ping?: (peer: PeerId) => Promise<number>
  findPeer?: (peer: PeerId) => Promise<{ id: PeerId; multiaddrs: unknown[] }>
  hangUps: string[]
}

function nodeOf(
  stub: StubLibp2p,
  status: P2PNodeStatus = 'started',
): Pick<P2PNode, 'status' | 'libp2p'> {
  const libp2p = {
    peerId: stub.peerId,
    getConnections: (peer: PeerId) => Array(stub.connected.get(peer.toString()) ?? 0).fill({}),
    dial: (target: unknown, options?: { signal?: AbortSignal }) => {
      if (stub.dial === undefined) throw new Error('no dial')
      return stub.dial(target, options)
    },
    hangUp: async (peer: PeerId) => {
      stub.hangUps.push(peer.toString())
      stub.connected.delete(peer.toString())
    },
    services: { ping: { ping: (peer: PeerId) => (stub.ping ?? (() => Promise.resolve(1)))(peer) } },
    peerRouting: {
      findPeer: (peer: PeerId) => {
        if (stub.findPeer === undefined) throw new Error('no findPeer')
        return stub.findPeer(peer)
      },
    },
  }
  return { status, libp2p: libp2p as unknown as Libp2p }
}

async function stub(): Promise<StubLibp2p> {
  return { peerId: await newPeerId(), connected: new Map(), hangUps: [] }
}

describe('createNodeControls', () => {
  test('every control needs a started node', async () => {
    const controls = createNodeControls(nodeOf(await stub(), 'stopped'))
    const peer = (await newPeerId()).toString()
    for (const run of [
      () => controls.connect('/ip4/127.0.0.1/tcp/1'),
      () => controls.disconnect(peer),
      () => controls.ping(peer),
      () => controls.findPeer(peer),
    ]) {
      await expect(run()).rejects.toMatchObject({
        name: 'NotStartedError',
        code: 'ERR_NOT_STARTED',
      })
    }
  })

  test('refuses text that is no peer ID or multiaddr, and the node itself', async () => {
    const s = await stub()
    const controls = createNodeControls(nodeOf(s))
    await expect(controls.ping('12D3KooWnotreally')).rejects.toMatchObject({
      name: 'PeerOperationError',
      code: 'ERR_INVALID_PEER_ID',
    })
    await expect(controls.connect('/ip4/1.2.3/tcp/1')).rejects.toMatchObject({
      code: 'ERR_INVALID_MULTIADDR',
      message: expect.stringMatching(/^not a multiaddr: /),
    })
    await expect(
      controls.connect(`/ip4/127.0.0.1/tcp/1/p2p/${s.peerId.toString()}`),
    ).rejects.toMatchObject({
      code: 'ERR_SELF',
      message: 'cannot connect to the node itself',
    })
    await expect(controls.ping(s.peerId.toString())).rejects.toMatchObject({ code: 'ERR_SELF' })
    await expect(controls.findPeer(s.peerId.toString())).rejects.toMatchObject({ code: 'ERR_SELF' })
  })

  test('connect: the connection, or the dial error classified', async () => {
    const s = await stub()
    const remote = await newPeerId()
    s.dial = async () => ({
      remotePeer: remote,
      remoteAddr: multiaddr('/ip4/127.0.0.1/tcp/4001'),
      direction: 'outbound',
    })
    const controls = createNodeControls(nodeOf(s))
    await expect(controls.connect('/ip4/127.0.0.1/tcp/4001')).resolves.toEqual({
      peerId: remote.toString(),
      remoteAddr: '/ip4/127.0.0.1/tcp/4001',
      direction: 'outbound',
    })
    s.dial = async () => {
      throw new AggregateError(
        [
          error(
            'Error',
            'connection error 127.0.0.1:1: connect ECONNREFUSED 127.0.0.1:1',
            'ECONNREFUSED',
          ),
        ],
        'All multiaddr dials failed',
      )
    }
    await expect(controls.connect('/ip4/127.0.0.1/tcp/1')).rejects.toMatchObject({
      code: 'ERR_DIAL_FAILED',
      dialError: 'refused',
      message:
        'cannot connect to /ip4/127.0.0.1/tcp/1: connection refused (All multiaddr dials failed)',
    })
    // an abort is the caller's: passed through as it is
    const controller = new AbortController()
    controller.abort()
    const aborted = error('AbortError', 'aborted')
    s.dial = async () => {
      throw aborted
    }
    await expect(
      controls.connect('/ip4/127.0.0.1/tcp/1', { signal: controller.signal }),
    ).rejects.toBe(aborted)
  })

  test('disconnect: how many connections were open', async () => {
    const s = await stub()
    const peer = await newPeerId()
    s.connected.set(peer.toString(), 2)
    const controls = createNodeControls(nodeOf(s))
    await expect(controls.disconnect(peer.toString())).resolves.toBe(2)
    await expect(controls.disconnect(peer.toString())).resolves.toBe(0)
    expect(s.hangUps).toEqual([peer.toString()])
  })

  test(`ping: tried again while another ping is open, at most ${PING_ATTEMPTS} times`, async () => {
    const s = await stub()
    const peer = await newPeerId()
    s.connected.set(peer.toString(), 1)
    let tries = 0
    s.ping = async () => {
      if (++tries < PING_ATTEMPTS) throw error('TooManyOutboundProtocolStreamsError', 'too many')
      return 7
    }
    const controls = createNodeControls(nodeOf(s))
    await expect(controls.ping(peer.toString())).resolves.toBe(7)
    expect(tries).toBe(PING_ATTEMPTS)
    tries = 0
    s.ping = async () => {
      tries++
      throw error('TooManyOutboundProtocolStreamsError', 'too many')
    }
    await expect(controls.ping(peer.toString())).rejects.toMatchObject({ code: 'ERR_PING_FAILED' })
    expect(tries).toBe(PING_ATTEMPTS)
  })

  test('ping: a failure with no connection is a dial failure, with one a ping failure', async () => {
    const s = await stub()
    const peer = await newPeerId()
    s.ping = async () => {
      throw error('Error', 'connect ECONNREFUSED 127.0.0.1:1', 'ECONNREFUSED')
    }
    const controls = createNodeControls(nodeOf(s))
    await expect(controls.ping(peer.toString())).rejects.toMatchObject({
      code: 'ERR_DIAL_FAILED',
      dialError: 'refused',
    })
    s.connected.set(peer.toString(), 1)
    s.ping = async () => {
      throw error('UnsupportedProtocolError', 'protocol selection failed')
    }
    await expect(controls.ping(peer.toString())).rejects.toMatchObject({
      code: 'ERR_PING_FAILED',
      dialError: undefined,
      message: `${peer.toString()} did not answer the ping: protocol selection failed`,
    })
  })

  test('findPeer: the addresses, or not found', async () => {
    const s = await stub()
    const peer = await newPeerId()
    s.findPeer = async (id) => ({ id, multiaddrs: [multiaddr('/ip4/127.0.0.1/tcp/4002')] })
    const controls = createNodeControls(nodeOf(s))
    await expect(controls.findPeer(peer.toString())).resolves.toEqual(['/ip4/127.0.0.1/tcp/4002'])
    s.findPeer = async () => {
      throw error('NotFoundError', 'Not found')
    }
    await expect(controls.findPeer(peer.toString())).rejects.toMatchObject({
      code: 'ERR_PEER_NOT_FOUND',
      message: `no peer in the DHT knows ${peer.toString()}`,
    })
  })
})
