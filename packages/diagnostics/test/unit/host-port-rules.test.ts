import { describe, expect, it } from '@jest/globals'
import { parseHostPort, tryParseHostPort } from '../../src/index.js'

describe('the one host:port rule, for listening and for connecting', () => {
  it('allows port 0 to listen, not to connect', () => {
    expect(parseHostPort('127.0.0.1:0')).toEqual({ host: '127.0.0.1', port: 0 })
    expect(tryParseHostPort('127.0.0.1:0', { allowPortZero: false })).toEqual({
      ok: false,
      message:
        'invalid diagnostics address "127.0.0.1:0": port 0 is out of range 1-65535 (expected host:port, e.g. 127.0.0.1:28686 or [::1]:28686)',
    })
  })

  it('names the address as the caller calls it', () => {
    expect(tryParseHostPort('nowhere', { label: '--addr' })).toEqual({
      ok: false,
      message:
        'invalid --addr "nowhere": the port is missing (expected host:port, e.g. 127.0.0.1:28686 or [::1]:28686)',
    })
  })

  it.each([
    ['http://127.0.0.1:1', 'write it without a scheme'],
    ['::1:80', 'write an IPv6 host in brackets'],
    [':80', 'the host is missing'],
    ['a b:1', '"a b" is not a valid host'],
    ['127.0.0.1:70000', 'port 70000 is out of range 0-65535'],
  ])('%p: %s', (addr, why) => {
    const result = tryParseHostPort(addr)
    expect(result.ok).toBe(false)
    expect(!result.ok && result.message).toContain(`"${addr}": ${why} (`)
  })

  it('accepts what hosts files and container networks resolve', () => {
    expect(tryParseHostPort('wes_node-1:28686')).toEqual({
      ok: true,
      value: { host: 'wes_node-1', port: 28686 },
    })
  })
})
