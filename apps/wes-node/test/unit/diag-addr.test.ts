/**
 * `diag --addr` takes what `start` prints (`diagnostics: http://127.0.0.1:28686`) as well as
 * `host:port`; what the diagnostics server cannot be (https, a path) is a usage error that says so.
 */

import { describe, expect, it } from '@jest/globals'
import { diagAddrOf, resolveDiagOptions } from '../../src/cmds/diag/options.js'
import { runCli } from '../../src/cli.js'

describe('diag --addr', () => {
  it.each([
    ['http://127.0.0.1:28686', '127.0.0.1:28686'],
    ['http://127.0.0.1:28686/', '127.0.0.1:28686'],
    ['HTTP://localhost:9000', 'localhost:9000'],
    ['http://[::1]:28686/', '[::1]:28686'],
    ['  http://127.0.0.1:1  ', '127.0.0.1:1'],
    ['127.0.0.1:28686', '127.0.0.1:28686'],
  ])('takes %p as %p', (raw, addr) => {
    expect(diagAddrOf(raw)).toBe(addr)
    expect(resolveDiagOptions('stats', { addr: raw }, {}).addr).toBe(addr)
  })

  it.each([
    ['https://127.0.0.1:28686', /plain HTTP, not https/],
    ['https://127.0.0.1:28686/', /plain HTTP, not https/],
    ['http://127.0.0.1:28686/metrics', /without a path/],
    ['http://127.0.0.1:28686//', /without a path/],
    ['http://127.0.0.1:28686/?verbose=1', /without a path/],
    ['http://user@127.0.0.1:28686', /without a path, query or user/],
    ['http://127.0.0.1', /the port is missing/],
    ['http://127.0.0.1:0/', /out of range/],
    ['http://', /the port is missing/],
    ['ftp://127.0.0.1:21', /without a scheme/],
  ])('rejects %p as a usage error (exit 2)', (raw, why) => {
    expect(() => diagAddrOf(raw)).toThrow(
      expect.objectContaining({
        name: 'UsageError',
        exitCode: 2,
        message: expect.stringMatching(why),
      }),
    )
  })

  it('keeps WES_DIAGNOSTICS_ADDR to host:port: start listens on the same variable', () => {
    expect(() =>
      resolveDiagOptions('stats', {}, { WES_DIAGNOSTICS_ADDR: 'http://127.0.0.1:1' }),
    ).toThrow(expect.objectContaining({ exitCode: 2 }))
  })

  it('prints one line and exits 2 through the CLI', async () => {
    let stderr = ''
    const code = await runCli(['diag', 'health', '--addr', 'https://127.0.0.1:28686'], {
      stdout: { write: () => true },
      stderr: { write: (chunk: string) => (stderr += chunk) },
      env: {},
      signal: new AbortController().signal,
    })
    expect(code).toBe(2)
    expect(stderr).toBe(
      'wes-node: invalid --addr "https://127.0.0.1:28686": the diagnostics server speaks plain HTTP, not https (give http://host:port or host:port)\n',
    )
  })
})
