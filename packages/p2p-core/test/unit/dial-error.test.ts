import { classifyDialError } from '../../src/dial-error.js'

/** An error as libp2p and Node raise them: a name, a message and maybe a system code. */
function error(name: string, message: string, code?: string): Error {
  const err = new Error(message)
  err.name = name
  return code === undefined ? err : Object.assign(err, { code })
}

describe('classifyDialError', () => {
  test.each([
    // what @libp2p/tcp raises for a closed port (checked against a real dial)
    [
      'refused',
      error(
        'Error',
        'connection error 127.0.0.1:9: connect ECONNREFUSED 127.0.0.1:9',
        'ECONNREFUSED',
      ),
    ],
    ['refused', error('Error', 'connect ECONNREFUSED 10.0.0.5:4001')],
    ['timeout', error('Error', 'connect ETIMEDOUT 10.0.0.5:4001', 'ETIMEDOUT')],
    // AbortSignal.timeout() and libp2p's own TimeoutError
    ['timeout', error('TimeoutError', 'The operation was aborted due to timeout')],
    ['no_route', error('Error', 'connect EHOSTUNREACH 2001:db8::1:4001', 'EHOSTUNREACH')],
    ['no_route', error('Error', 'connect ENETUNREACH 10.9.9.9:4001', 'ENETUNREACH')],
    ['no_route', error('Error', 'getaddrinfo ENOTFOUND nowhere.invalid', 'ENOTFOUND')],
    // a server that is not libp2p, and a libp2p peer with another ID (checked against real dials)
    ['handshake', error('EncryptionFailedError', 'Unexpected EOF - stream closed while reading')],
    ['handshake', error('EncryptionFailedError', 'Payload identity key 12D3KooWA does not match')],
    ['handshake', error('UnsupportedProtocolError', 'protocol selection failed')],
    ['handshake', error('Error', 'multistream select failed: stream reset')],
    ['handshake', error('Error', 'noise handshake failed')],
    ['denied', error('DialDeniedError', 'The dial request is blocked by gater.denyDialPeer')],
    ['denied', error('ConnectionDeniedError', 'denied by the connection gater')],
    ['aborted', error('AbortError', 'This operation was aborted')],
    ['other', error('Error', 'something nobody expected')],
  ])('%s: %p', (expected, err) => {
    expect(classifyDialError(err)).toBe(expected)
  })

  test('reads causes and aggregates, the most telling class winning', () => {
    const refused = error('Error', 'connect ECONNREFUSED 127.0.0.1:9', 'ECONNREFUSED')
    const timeout = error('TimeoutError', 'timed out')
    const handshake = error('EncryptionFailedError', 'EOF')
    expect(classifyDialError(new AggregateError([timeout, refused], 'All dials failed'))).toBe(
      'refused',
    )
    expect(classifyDialError(new AggregateError([refused, handshake]))).toBe('handshake')
    expect(classifyDialError(new Error('dial failed', { cause: refused }))).toBe('refused')
    expect(
      classifyDialError(
        new Error('a', { cause: new AggregateError([new Error('b', { cause: timeout })]) }),
      ),
    ).toBe('timeout')
  })

  test('anything else is other, and never throws', () => {
    expect(classifyDialError(undefined)).toBe('other')
    expect(classifyDialError('ECONNREFUSED as a string')).toBe('other')
    expect(classifyDialError({ code: 23, name: 42 })).toBe('other')
    const loop: Error & { cause?: unknown } = new Error('loop')
    loop.cause = loop
    expect(classifyDialError(loop)).toBe('other')
  })
})
