import { MdnsState, isOwnResponse } from '../../src/node/mdns-probe.js'

const SELF = '12D3KooWJZnSb1Lkoz4VNGhhUYxo94Uypiv2sgvyUZmXrJchub9M'
const OTHER = '12D3KooWGN55TLsugEGog8fzGTEm9h8J58Th3Xv5VFLs1vBrzfG2'
const TAG = '_p2p._udp.local'

/** A response as @libp2p/mdns sends it (multicast-dns decodes TXT data as a list of buffers). */
function response(peerName: string, peerId: string) {
  return {
    answers: [
      { type: 'PTR', name: TAG, data: `${peerName}.${TAG}` },
      {
        type: 'TXT',
        name: `${peerName}.${TAG}`,
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
})
