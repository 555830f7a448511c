import { EventEmitter } from 'node:events'
import { TypedEventEmitter } from 'main-event'
import { SILENT_LOGGER } from '../../src/logger.js'
import { MdnsState, answerRecordOf, isOwnResponse, watchMdns } from '../../src/node/mdns-probe.js'
import type { MdnsHandle, MdnsPacket } from '../../src/node/mdns-probe.js'
import type { PeerDiscoveryEvents } from '@libp2p/interface'

const SELF = '12D3KooWJZnSb1Lkoz4VNGhhUYxo94Uypiv2sgvyUZmXrJchub9M'
const OTHER = '12D3KooWGN55TLsugEGog8fzGTEm9h8J58Th3Xv5VFLs1vBrzfG2'
const TAG = '_p2p._udp.local'

/** A response as @libp2p/mdns sends it (multicast-dns decodes TXT data as a list of buffers). */
function response(peerName: string, peerId: string, ttl = 120) {
  return {
    answers: [
      { type: 'PTR', name: TAG, ttl, data: `${peerName}.${TAG}` },
      {
        type: 'TXT',
        name: `${peerName}.${TAG}`,
        ttl,
        data: [Buffer.from(`dnsaddr=/ip4/192.168.1.5/tcp/4001/p2p/${peerId}`)],
      },
    ],
    additionals: [],
  }
}

describe('the mDNS probe', () => {
  test("tells the node's own responses from others', by name or by peer ID", () => {
    expect(isOwnResponse(response('selfname', SELF), SELF, 'selfname')).toBe(true)
    expect(isOwnResponse(response('othername', SELF), SELF, 'selfname')).toBe(true)
    expect(isOwnResponse(response('selfname', OTHER), SELF, 'selfname')).toBe(true)
    expect(isOwnResponse(response('othername', OTHER), SELF, 'selfname')).toBe(false)
    expect(isOwnResponse(response('othername', OTHER), SELF)).toBe(false)
    // another service's answer (a printer, say) is another host's
    expect(isOwnResponse({ answers: [{ type: 'A', data: '192.168.1.9' }] }, SELF, 'x')).toBe(false)
    expect(isOwnResponse({}, SELF, 'x')).toBe(false)
  })

  test('reports its state, failure and the responses it heard, reset on start', () => {
    const state = new MdnsState()
    expect(state.facts(false)).toEqual({
      state: 'off',
      failure: null,
      responses: 0,
      lastResponseAt: null,
    })
    state.update(() => {
      state.started = true
    })
    expect(state.facts(true).state).toBe('starting')
    state.update(() => {
      state.bound = true
      state.joined = true
    })
    state.heard(1_000)
    state.heard(2_000)
    expect(state.facts(true)).toEqual({
      state: 'up',
      failure: null,
      responses: 2,
      lastResponseAt: 2_000,
    })
    state.update(() => {
      state.failure = 'Error: bind EADDRINUSE 0.0.0.0:5353'
    })
    expect(state.facts(true)).toMatchObject({
      state: 'failed',
      failure: 'Error: bind EADDRINUSE 0.0.0.0:5353',
    })
    state.reset()
    expect(state.facts(true)).toEqual({
      state: 'starting',
      failure: null,
      responses: 0,
      lastResponseAt: null,
    })
  })

  test('reads the peer and record TTL of a libp2p answer, as @libp2p/mdns reads the peer', () => {
    expect(answerRecordOf(response('othername', OTHER))).toEqual({
      peerId: OTHER,
      ttlMs: 120_000,
    })
    expect(answerRecordOf(response('othername', OTHER, 3200))?.ttlMs).toBe(3_200_000)
    expect(answerRecordOf(response('othername', OTHER, 0))?.ttlMs).toBe(0)
    // a relayed address names the relay first: the peer is the last /p2p/
    const relayed = {
      answers: [{ type: 'PTR', name: TAG, ttl: 120, data: `x.${TAG}` }],
      additionals: [
        {
          type: 'TXT',
          data: [Buffer.from(`dnsaddr=/ip4/10.0.0.1/tcp/1/p2p/${SELF}/p2p-circuit/p2p/${OTHER}`)],
        },
      ],
    }
    expect(answerRecordOf(relayed)?.peerId).toBe(OTHER)
    // another service, or an answer without a peer: none
    expect(answerRecordOf({ answers: [{ type: 'PTR', name: '_http._tcp.local', ttl: 120 }] })).toBe(
      undefined,
    )
    expect(answerRecordOf({ answers: [{ type: 'PTR', name: TAG, ttl: 120 }] })).toBe(undefined)
    expect(answerRecordOf({})).toBe(undefined)
    expect(answerRecordOf(response('othername', OTHER), '_other._udp.local')).toBe(undefined)
  })

  test("tells the discovery service the TTL of the answer its 'peer' event comes from", async () => {
    const state = new MdnsState()
    const socket = new EventEmitter()
    const service = Object.assign(new TypedEventEmitter<PeerDiscoveryEvents>(), {
      peerName: 'selfname',
      serviceTag: TAG,
      mdns: undefined as MdnsHandle['mdns'],
      // as @libp2p/mdns: its socket and its own 'response' listener exist once start() ran
      async start() {
        this.mdns = socket as unknown as MdnsHandle['mdns']
        socket.on('response', (packet: MdnsPacket) => {
          const record = answerRecordOf(packet)
          if (record !== undefined) seen.push(state.recordTtlMs(record.peerId))
        })
      },
    })
    const seen: Array<number | undefined> = []
    watchMdns(service, state, SILENT_LOGGER, SELF)
    await service.start()
    socket.emit('response', response('othername', OTHER, 120))
    socket.emit('response', response('othername', OTHER, 0))
    // the probe's listener ran first, so each event saw its own packet's TTL
    expect(seen).toEqual([120_000, 0])
    expect(state.recordTtlMs(SELF)).toBe(undefined)
    expect(state.facts(true).responses).toBe(2)
  })
})
