import { describe, expect, it } from '@jest/globals'
import {
  CONTROLS,
  CONTROL_NAMES,
  DEFAULT_PING_COUNT,
  MAX_PING_COUNT,
  countProblem,
  multiaddrProblem,
  objectWithKeys,
  peerIdProblem,
} from '../../src/index.js'
import type { Control, PingResponse } from '../../src/index.js'
import { PEER_A, createStubControl, dialFailed } from './stub-control.js'

const BAD_PEER_IDS: unknown[] = [
  '',
  'abc',
  '12D3KooW', // too short
  `12D3KooW${'0'.repeat(44)}`, // 0 is not base58
  `12D3KooW${'a'.repeat(200)}`,
  `${PEER_A} `,
  `${PEER_A}\n`,
  '../../etc/passwd',
  '<script>alert(1)</script>',
  42,
  null,
  [PEER_A],
  { id: PEER_A },
  true,
]

const BAD_MULTIADDRS: unknown[] = [
  '',
  '/',
  'ip4/127.0.0.1/tcp/1',
  '/ip4/127.0.0.1 /tcp/1',
  '/ip4/127.0.0.1/tcp/1\u0000',
  '/ip4/\u00e9',
  `/${'a'.repeat(2_000)}`,
  1,
  null,
  ['/ip4/127.0.0.1/tcp/1'],
]

/** A test name for a value: its JSON, cut short. */
function named(value: unknown): [string, unknown] {
  return [String(JSON.stringify(value)).slice(0, 40), value]
}

describe('control input rules', () => {
  it('accepts peer IDs of every common form', () => {
    for (const id of [
      PEER_A,
      'QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N',
      '16Uiu2HAmLhLvBoYaoZfaMUKuibM6ac163GwKY74c5kiSLg5KvLpY',
      'bafzaajaiaejcbzdibmxyzdjbmjxlr5dxjyt5mwfgrmvwmhlo5h2vqd7vvpk3xcq',
    ]) {
      expect(peerIdProblem(id)).toBeUndefined()
    }
  })

  it.each(BAD_PEER_IDS.map(named))('refuses %s as a peer ID, without echoing it', (_, value) => {
    const problem = peerIdProblem(value)
    expect(problem).toMatch(/^peer_id must /)
    if (typeof value === 'string' && value.length > 8) expect(problem).not.toContain(value)
  })

  it('accepts multiaddrs of every common form', () => {
    for (const addr of [
      '/ip4/127.0.0.1/tcp/28680',
      `/ip4/192.0.2.7/tcp/28680/p2p/${PEER_A}`,
      `/ip6/::1/tcp/28680/p2p/${PEER_A}`,
      '/dns4/node.example/tcp/28680',
      `/ip4/192.0.2.7/tcp/4001/p2p/${PEER_A}/p2p-circuit/p2p/${PEER_A}`,
    ]) {
      expect(multiaddrProblem(addr)).toBeUndefined()
    }
  })

  it.each(BAD_MULTIADDRS.map(named))('refuses %s as a multiaddr', (_, value) => {
    expect(multiaddrProblem(value)).toMatch(/^multiaddr must /)
  })

  it(`bounds the ping count to 1..${MAX_PING_COUNT}`, () => {
    for (const ok of [1, 3, MAX_PING_COUNT, 1e2]) expect(countProblem(ok)).toBeUndefined()
    for (const bad of [0, -1, MAX_PING_COUNT + 1, 1.5, NaN, Infinity, '3', null, [3], 2 ** 53]) {
      expect(countProblem(bad)).toBe(`count must be an integer from 1 to ${MAX_PING_COUNT}`)
    }
  })

  it('takes a JSON object with known keys only', () => {
    expect(objectWithKeys({ peer_id: PEER_A }, ['peer_id'], ['peer_id']).ok).toBe(true)
    expect(objectWithKeys({ peer_id: PEER_A, foo: 1 }, ['peer_id'], ['peer_id'])).toEqual({
      ok: false,
      message: 'unknown key "foo" (expected peer_id)',
    })
    // a key that could carry markup or a long string is not repeated
    const odd = objectWithKeys({ '<b>x</b>': 1 }, ['peer_id'], [])
    expect(odd).toEqual({ ok: false, message: 'unknown key (expected peer_id)' })
    expect(objectWithKeys(JSON.parse('{"__proto__": {"x": 1}}'), ['peer_id'], []).ok).toBe(false)
    expect(objectWithKeys({}, ['peer_id'], ['peer_id'])).toEqual({
      ok: false,
      message: 'peer_id is required',
    })
    for (const [body, kind] of [
      [[], 'an array'],
      [null, 'null'],
      ['x', 'a string'],
      [1, 'a number'],
    ] as const) {
      expect(objectWithKeys(body, ['peer_id'], [])).toEqual({
        ok: false,
        message: `the request body must be a JSON object, not ${kind}`,
      })
    }
  })
})

describe('the control table', () => {
  it.each(CONTROL_NAMES)('%s: a POST path under /control/, a timeout, required keys', (name) => {
    const control: Control = CONTROLS[name]
    expect(control.path).toMatch(/^\/control\/(p2p|dht)\/[a-z]+$/)
    expect(control.timeoutMs).toBeGreaterThan(0)
    expect(Object.keys(control.required)).toContain('peer_id')
    expect(control.parse({ nope: 1 }).ok).toBe(false)
    expect(control.parse([]).ok).toBe(false)
  })

  it('parses each control body, count optional', () => {
    expect(CONTROLS.connect.parse({ multiaddr: '/ip4/127.0.0.1/tcp/1' })).toEqual({
      ok: true,
      value: { multiaddr: '/ip4/127.0.0.1/tcp/1' },
    })
    expect(CONTROLS.ping.parse({ peer_id: PEER_A })).toEqual({
      ok: true,
      value: { peer_id: PEER_A },
    })
    expect(CONTROLS.ping.parse({ peer_id: PEER_A, count: 3 })).toEqual({
      ok: true,
      value: { peer_id: PEER_A, count: 3 },
    })
    expect(CONTROLS.ping.parse({ peer_id: PEER_A, count: 0 }).ok).toBe(false)
    expect(CONTROLS.connect.parse({ peer_id: PEER_A }).ok).toBe(false)
    expect(CONTROLS.findpeer.parse({ peer_id: PEER_A, count: 3 }).ok).toBe(false)
  })

  it(`ping: ${DEFAULT_PING_COUNT} pings by default, each after the last`, async () => {
    let inFlight = 0
    let most = 0
    const source = createStubControl({
      async ping() {
        most = Math.max(most, ++inFlight)
        await new Promise((resolve) => setTimeout(resolve, 1))
        inFlight--
        return 2
      },
    })
    const body = (await CONTROLS.ping.run(
      source,
      { peer_id: PEER_A },
      { signal: new AbortController().signal },
    )) as PingResponse
    expect(body.sent).toBe(DEFAULT_PING_COUNT)
    expect(body.received).toBe(DEFAULT_PING_COUNT)
    expect(most).toBe(1)
  })

  it('ping: a lost ping is null, a failed dial ends the run, none answered rejects', async () => {
    const rtts = [4, undefined, 2, 'dial']
    let i = 0
    const source = createStubControl({
      async ping() {
        const next = rtts[i++]
        if (next === 'dial') throw dialFailed()
        if (next === undefined) throw new Error('stream reset')
        return next as number
      },
    })
    const signal = new AbortController().signal
    const body = (await CONTROLS.ping.run(
      source,
      { peer_id: PEER_A, count: 10 },
      { signal },
    )) as PingResponse
    expect(body).toMatchObject({
      sent: 4,
      received: 2,
      rtts_ms: [4, null, 2, null],
      min_ms: 2,
      avg_ms: 3,
      max_ms: 4,
    })
    expect(CONTROLS.ping.render(body).split('\n')).toEqual([
      `PING ${PEER_A}`,
      'seq=1 time=4 ms',
      'seq=2 lost',
      'seq=3 time=2 ms',
      'seq=4 lost',
      '',
      `--- ${PEER_A} ping statistics ---`,
      expect.stringMatching(/^4 sent, 2 received, 50% loss, time \d+ ms$/),
      'rtt min/avg/max = 2/3/4 ms',
    ])

    const dead = createStubControl({ ping: () => Promise.reject(dialFailed()) })
    await expect(
      CONTROLS.ping.run(dead, { peer_id: PEER_A, count: 5 }, { signal }),
    ).rejects.toMatchObject({ name: 'ControlError', code: 'ERR_DIAL_FAILED' })
    expect(dead.calls).toHaveLength(1)
  })

  it('renders answers as lines, remote strings made printable', () => {
    expect(
      CONTROLS.findpeer.render({
        peer_id: PEER_A,
        multiaddrs: ['/ip4/127.0.0.1/tcp/1', '/ip4/1.2.3.4/tcp/1\u001b[31m'],
        ms: 12.5,
      }),
    ).toBe(`found ${PEER_A} in 12.5 ms\n  /ip4/127.0.0.1/tcp/1\n  /ip4/1.2.3.4/tcp/1?[31m`)
    expect(CONTROLS.findpeer.render({ peer_id: PEER_A, multiaddrs: [], ms: 1 })).toContain(
      '(no addresses)',
    )
    expect(CONTROLS.disconnect.render({ peer_id: PEER_A, closed_connections: 0 })).toBe(
      `not connected to ${PEER_A}`,
    )
    expect(CONTROLS.disconnect.render({ peer_id: PEER_A, closed_connections: 2 })).toBe(
      `disconnected from ${PEER_A}: 2 connections closed`,
    )
    expect(
      CONTROLS.connect.render({
        peer_id: PEER_A,
        remote_addr: '/ip4/127.0.0.1/tcp/1',
        direction: 'outbound',
        ms: 3.2,
      }),
    ).toBe(`connected to ${PEER_A} in 3.2 ms\n  /ip4/127.0.0.1/tcp/1 (outbound)`)
  })
})
