import { BootstrapHistory } from '../../src/node/bootstrap-history.js'

const SELF = '12D3KooWJZnSb1Lkoz4VNGhhUYxo94Uypiv2sgvyUZmXrJchub9M'
const A = '12D3KooWGN55TLsugEGog8fzGTEm9h8J58Th3Xv5VFLs1vBrzfG2'
const B = '12D3KooWCyhUym37PFy8R9qKbp3AQEfyn46V5ZwK3Rj9ULuRCTtm'
const addrA = `/ip4/127.0.0.1/tcp/9/p2p/${A}`
const addrB = `/ip4/10.0.0.5/tcp/4001/p2p/${B}`

const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), {
  code: 'ECONNREFUSED',
})

describe('the bootstrap history', () => {
  test('lists every configured peer but self, once, before any dial', () => {
    const history = new BootstrapHistory(
      [addrA, `/ip4/127.0.0.1/tcp/1/p2p/${SELF}`, addrB, addrA],
      SELF,
    )
    expect(history.read(new Set([B]))).toEqual([
      {
        peerId: A,
        multiaddr: addrA,
        connected: false,
        lastOutcome: null,
        lastDialAt: null,
        errorClass: null,
        error: null,
        failingSince: null,
      },
      expect.objectContaining({ peerId: B, multiaddr: addrB, connected: true, lastOutcome: null }),
    ])
  })

  test('keeps the first failure of a run, the class and the last error; a success ends the run', () => {
    const history = new BootstrapHistory([addrA], SELF)
    history.record({ mechanism: 'bootstrap', peerId: A, outcome: 'failure', error: refused }, 1_000)
    history.record(
      {
        mechanism: 'bootstrap',
        peerId: A,
        outcome: 'failure',
        error: Object.assign(new Error('The operation was aborted due to timeout'), {
          name: 'TimeoutError',
        }),
      },
      6_000,
    )
    expect(history.read(new Set())[0]).toEqual({
      peerId: A,
      multiaddr: addrA,
      connected: false,
      lastOutcome: 'failure',
      lastDialAt: 6_000,
      errorClass: 'timeout',
      error: 'TimeoutError: The operation was aborted due to timeout',
      failingSince: 1_000,
    })

    history.record({ mechanism: 'bootstrap', peerId: A, outcome: 'success' }, 9_000)
    expect(history.read(new Set([A]))[0]).toMatchObject({
      connected: true,
      lastOutcome: 'success',
      lastDialAt: 9_000,
      errorClass: null,
      error: null,
      failingSince: null,
    })
    history.record(
      { mechanism: 'bootstrap', peerId: A, outcome: 'failure', error: refused },
      12_000,
    )
    expect(history.read(new Set())[0]).toMatchObject({
      errorClass: 'refused',
      failingSince: 12_000,
    })
  })

  test('ignores the dials of other mechanisms and of peers it does not list; reset forgets', () => {
    const history = new BootstrapHistory([addrA], SELF)
    history.record({ mechanism: 'dht', peerId: A, outcome: 'failure', error: refused }, 1)
    history.record({ mechanism: 'bootstrap', peerId: B, outcome: 'failure', error: refused }, 1)
    expect(history.read(new Set())).toEqual([expect.objectContaining({ lastOutcome: null })])
    history.record({ mechanism: 'bootstrap', peerId: A, outcome: 'failure', error: refused }, 1)
    history.reset()
    expect(history.read(new Set())).toEqual([expect.objectContaining({ lastOutcome: null })])
  })

  test('keeps an error to one line of at most 200 characters', () => {
    const history = new BootstrapHistory([addrA], SELF)
    const long = new Error(`line one\nline two ${'x'.repeat(500)}`)
    history.record({ mechanism: 'bootstrap', peerId: A, outcome: 'failure', error: long }, 1)
    const { error, errorClass } = history.read(new Set())[0] ?? {}
    expect(error).toMatch(/^Error: line one line two x+$/)
    expect(error?.length).toBe(200)
    expect(errorClass).toBe('other')
  })
})
