import { describe, expect, it } from '@jest/globals'
import { formatHostPort, parseHostPort } from '../../src/index.js'

describe('parseHostPort', () => {
  it.each([
    ['127.0.0.1:28686', { host: '127.0.0.1', port: 28686 }],
    ['0.0.0.0:0', { host: '0.0.0.0', port: 0 }],
    ['localhost:8080', { host: 'localhost', port: 8080 }],
    ['[::1]:28686', { host: '::1', port: 28686 }],
    ['[::]:0', { host: '::', port: 0 }],
    ['node-1.example.org:65535', { host: 'node-1.example.org', port: 65535 }],
  ])('parses %s', (addr, expected) => {
    expect(parseHostPort(addr)).toEqual(expected)
    expect(formatHostPort(expected)).toBe(addr)
  })

  it.each([
    '',
    '127.0.0.1',
    ':28686',
    '127.0.0.1:',
    '127.0.0.1:abc',
    '127.0.0.1:65536',
    '127.0.0.1:-1',
    '::1:28686',
    '[::1]',
    '[::1]28686',
    '[nope]:1',
    'bad host:1',
    'http://127.0.0.1:1',
    '127.0.0.1:1 ',
  ])('rejects %p with ERR_ADDR_INVALID', (addr) => {
    let caught: unknown
    try {
      parseHostPort(addr)
    } catch (err) {
      caught = err
    }
    expect(caught).toMatchObject({ name: 'DiagnosticsServerError', code: 'ERR_ADDR_INVALID' })
    expect((caught as Error).message).toContain(`"${addr}"`)
  })
})
