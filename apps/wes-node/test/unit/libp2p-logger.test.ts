import { describe, expect, it } from '@jest/globals'
import { createLogger } from '../../src/logger.js'
import type { LogFormat } from '../../src/logger.js'
import { base32, base58btc, createLibp2pLogger, formatLibp2p } from '../../src/libp2p-logger.js'
import type { Libp2pLoggerInit } from '../../src/libp2p-logger.js'

function capture(format: LogFormat = 'json', init?: Libp2pLoggerInit) {
  const lines: string[] = []
  const logger = createLogger({
    level: 'trace',
    format,
    stream: { write: (chunk: string) => lines.push(chunk.trimEnd()) },
    now: () => new Date('2026-11-26T00:29:20.319Z'),
  })
  return { libp2pLogger: createLibp2pLogger(logger, init), lines }
}

/** Stands in for a peer id, a multiaddr or a CID: all print through `toString()`. */
const stringy = (text: string) => ({ toString: () => text })

describe('createLibp2pLogger', () => {
  it("writes at trace level with libp2p's component name as the component", () => {
    const { libp2pLogger, lines } = capture()
    const log = libp2pLogger.forComponent('libp2p:connection-manager:dial-queue')
    expect(log.enabled).toBe(true)
    log('dialing %p at %a', stringy('12D3KooWPeer'), stringy('/ip4/10.0.0.2/tcp/4001'))
    expect(lines.map((line) => JSON.parse(line) as unknown)).toEqual([
      {
        level: 'trace',
        time: '2026-11-26T00:29:20.319Z',
        component: 'libp2p:connection-manager:dial-queue',
        msg: 'dialing 12D3KooWPeer at /ip4/10.0.0.2/tcp/4001',
      },
    ])
  })

  it('marks what libp2p logs as an error, still at trace', () => {
    const { libp2pLogger, lines } = capture('text')
    libp2pLogger.forComponent('libp2p:dialer').error('dial failed - %e', new Error('refused'))
    expect(lines).toEqual([
      '2026-11-26T00:29:20.319Z TRACE [libp2p:dialer] dial failed - Error: refused libp2pLevel=error',
    ])
  })

  it('newScope appends to the component, as @libp2p/logger does', () => {
    const { libp2pLogger, lines } = capture('text')
    libp2pLogger.forComponent('libp2p:kad-dht').newScope('routing-table').newScope('refresh')('go')
    expect(lines).toEqual([
      '2026-11-26T00:29:20.319Z TRACE [libp2p:kad-dht:routing-table:refresh] go',
    ])
  })

  it("leaves libp2p's per-frame trace calls out unless asked", () => {
    const quiet = capture('text')
    quiet.libp2pLogger.forComponent('libp2p:yamux').trace('frame %d', 1)
    expect(quiet.lines).toEqual([])

    const loud = capture('text', { trace: true })
    loud.libp2pLogger.forComponent('libp2p:yamux').trace('frame %d', 1)
    expect(loud.lines).toEqual([
      '2026-11-26T00:29:20.319Z TRACE [libp2p:yamux] frame 1 libp2pLevel=trace',
    ])
  })
})

describe('formatLibp2p', () => {
  it.each([
    ['%s and %s', ['a', 2], 'a and 2'],
    ['%d bytes, %i whole, %f', ['42', 3.7, '1.5'], '42 bytes, 3 whole, 1.5'],
    ['%d', [10n], '10n'],
    ['%j', [{ a: [1, 'x'] }], '{"a":[1,"x"]}'],
    ['%o', [{ a: { b: 1 } }], '{ a: { b: 1 } }'],
    ['%O', [[1, 2]], '[ 1, 2 ]'],
    ['%s', [{ a: 1 }], '{ a: 1 }'],
    ['100%% done', [], '100% done'],
    ['%p', [undefined], 'undefined'],
    ['%c', [stringy('bafyCid')], 'bafyCid'],
    ['%k', [stringy('/peers/x')], '/peers/x'],
    ['%b', [new TextEncoder().encode('hello world')], 'StV1DL6CwTryKyV'],
    ['%t', [new TextEncoder().encode('foobar')], 'mzxw6ytboi'],
    ['%m', [new TextEncoder().encode('hi?')], 'aGk/'],
    ['no placeholders', ['left', 1, { a: 1 }], 'no placeholders left 1 { a: 1 }'],
    ['%s %s', ['only one'], 'only one %s'],
    ['%x stays', [1], '%x stays 1'],
  ])('formats %p with %p as %p', (formatter, args, expected) => {
    expect(formatLibp2p(formatter, args)).toBe(expected)
  })

  it('writes errors on one line, with aggregated errors and the cause', () => {
    const err = new AggregateError(
      [new Error('tcp refused'), new TypeError('bad addr')],
      'all dials failed',
      { cause: new Error('no route') },
    )
    expect(formatLibp2p('dial failed: %e', [err])).toBe(
      'dial failed: AggregateError: all dials failed [Error: tcp refused; TypeError: bad addr] (cause: Error: no route)',
    )
    expect(formatLibp2p('%s', [new RangeError('x')])).toBe('RangeError: x')
  })

  it('formats a call whose first argument is not a string', () => {
    expect(formatLibp2p(new Error('boom'), ['more'])).toBe('Error: boom more')
    expect(formatLibp2p({ a: 1 }, [])).toBe('{ a: 1 }')
  })

  it('survives values JSON cannot hold', () => {
    const cyclic: Record<string, unknown> = {}
    cyclic.self = cyclic
    expect(formatLibp2p('%j', [cyclic])).toBe('[Circular]')
  })
})

describe('byte encodings', () => {
  it('base58btc keeps leading zeros as 1s', () => {
    expect(base58btc(Uint8Array.from([0, 0, 1]))).toBe('112')
    expect(base58btc(new Uint8Array())).toBe('')
  })

  it('base32 matches RFC 4648, lower case, unpadded', () => {
    for (const [input, output] of [
      ['f', 'my'],
      ['fo', 'mzxq'],
      ['foo', 'mzxw6'],
      ['foob', 'mzxw6yq'],
      ['fooba', 'mzxw6ytb'],
    ]) {
      expect(base32(new TextEncoder().encode(input))).toBe(output)
    }
  })
})
