/**
 * The diagnostics address is checked twice by package boundary: by @wes/p2p-core when the
 * options are resolved (so a bad config names its field and layer) and by @wes/diagnostics when
 * the server listens and the CLI connects. They cannot import each other; this test holds both
 * to one rule.
 */

import { describe, expect, test } from '@jest/globals'
import { tryParseHostPort } from '@wes/diagnostics/client'
import { resolveOptions } from '@wes/p2p-core'

const CORPUS = [
  '127.0.0.1:28686',
  '0.0.0.0:0',
  'localhost:65535',
  'my_host:80',
  'node-1.example.org:9090',
  '[::1]:28686',
  '[::]:0',
  '[fe80::1%eth0]:80',
  '[::ffff:127.0.0.1]:80',
  '127.0.0.1',
  '127.0.0.1:',
  ':28686',
  '127.0.0.1:65536',
  '127.0.0.1:80.5',
  '127.0.0.1:-1',
  '127.0.0.1:0x50',
  '::1:28686',
  '[::1]',
  '[::1]28686',
  '[nothost]:80',
  '[]:80',
  'http://127.0.0.1:28686',
  'host name:80',
  'a..b:80',
  '-lead:80',
  `${'a'.repeat(64)}:80`,
  'exa$mple:80',
  '',
]

function core(addr: string): boolean {
  try {
    resolveOptions({ diagnosticsAddr: addr })
    return true
  } catch {
    return false
  }
}

describe('one host:port rule for the diagnostics address', () => {
  test.each(CORPUS)('%j: p2p-core and diagnostics agree', (addr) => {
    expect({ addr, core: core(addr) }).toEqual({ addr, core: tryParseHostPort(addr).ok })
  })
})
