/**
 * `wes-node diag watch` flags: `--interval` and `--count` bounds, the address and token as for
 * every view, and a usage error (exit 2) for each flag that does not belong.
 */
import { describe, expect, it } from '@jest/globals'
import {
  DEFAULT_WATCH_OPTIONS,
  historyLength,
  parseCount,
  parseIntervalSeconds,
  resolveWatchOptions,
} from '../../src/cmds/diag/watch/options.js'
import { runCliCaptured } from '../fixtures/cli.js'
import type { CliRun } from '../fixtures/cli.js'

function run(argv: string[]): Promise<CliRun> {
  return runCliCaptured(argv)
}

describe('diag watch options', () => {
  it('--interval takes seconds from 0.2 to 3600, fractions too', () => {
    expect(parseIntervalSeconds('1')).toBe(1)
    expect(parseIntervalSeconds(' 0.5 ')).toBe(0.5)
    expect(parseIntervalSeconds('0.2')).toBe(0.2)
    expect(parseIntervalSeconds('3600')).toBe(3600)
    for (const bad of ['0', '0.1', '3601', '-1', '1e3', 'abc', '', '1s', '.5', 'Infinity']) {
      expect(parseIntervalSeconds(bad)).toBeUndefined()
    }
  })

  it('--count takes an integer from 1 to a million', () => {
    expect(parseCount('1')).toBe(1)
    expect(parseCount('1000000')).toBe(1_000_000)
    for (const bad of ['0', '-3', '1.5', '1000001', 'x', ''])
      expect(parseCount(bad)).toBeUndefined()
  })

  it('reads the address and token as every diag view does, with its own defaults', () => {
    expect(resolveWatchOptions({}, {})).toEqual({
      addr: '127.0.0.1:28686',
      timeoutMs: DEFAULT_WATCH_OPTIONS.timeoutMs,
      json: false,
      intervalMs: 1_000,
    })
    const options = resolveWatchOptions(
      { addr: 'http://[::1]:7000/', interval: 0.5, count: 3, json: true, timeout: 900 },
      { WES_DIAGNOSTICS_TOKEN: ' secret ', WES_DIAGNOSTICS_TOKEN_FILE: '/run/token' },
    )
    expect(options).toEqual({
      addr: '[::1]:7000',
      timeoutMs: 900,
      token: 'secret',
      tokenFile: '/run/token',
      json: true,
      intervalMs: 500,
      count: 3,
    })
    expect(resolveWatchOptions({}, { WES_DIAGNOSTICS_ADDR: '10.0.0.1:9' }).addr).toBe('10.0.0.1:9')
  })

  it('keeps five minutes of history, bounded', () => {
    expect(historyLength(1_000)).toBe(301)
    expect(historyLength(200)).toBe(600)
    expect(historyLength(3_600_000)).toBe(2)
  })

  it.each([
    [['diag', 'watch', '--interval', '0'], /'--interval <seconds>' argument '0' is invalid/],
    [['diag', 'watch', '--count', '0'], /'--count <n>' argument '0' is invalid/],
    [['diag', 'watch', '--addr', 'nowhere'], /invalid --addr "nowhere"/],
    [['diag', 'watch', '--addr', 'https://127.0.0.1:1'], /plain HTTP, not https/],
    [['diag', 'watch', '--wait', '3'], /--wait applies to diag health only, not to diag watch/],
    [['diag', 'watch', '--verbose'], /--verbose applies to a view, not to diag watch/],
    [['diag', 'stats', '--interval', '2'], /--interval applies to diag watch only/],
    [['diag', 'peers', '--count', '2'], /--count applies to diag watch only/],
    [['diag', 'watch', '--bogus'], /unknown option '--bogus'/],
  ])('%j is a usage error (exit 2)', async (argv, message) => {
    const { code, stdout, stderr } = await run(argv)
    expect({ code, stdout }).toEqual({ code: 2, stdout: '' })
    expect(stderr).toMatch(message)
    expect(stderr.trim().split('\n')).toHaveLength(1)
  })

  it('an unreadable token file is a usage error before any read', async () => {
    const { code, stderr } = await run([
      'diag',
      'watch',
      '--token-file',
      '/nonexistent/token',
      '--count',
      '1',
    ])
    expect(code).toBe(2)
    expect(stderr).toBe('wes-node: cannot read token file /nonexistent/token: no such file\n')
  })

  it('diag --help lists watch after the views', async () => {
    const { code, stdout } = await run(['diag', '--help'])
    expect(code).toBe(0)
    expect(stdout).toMatch(/\nThe live view .*\n {2}watch +until q or Ctrl-C: health, peers/)
    expect(stdout).toMatch(/--interval <seconds> +watch only/)
  })
})
