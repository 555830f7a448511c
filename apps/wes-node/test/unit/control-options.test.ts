import { describe, expect, it } from '@jest/globals'
import { DEFAULT_PING_COUNT } from '@wes/diagnostics/client'
import { resolveControlOptions } from '../../src/cmds/control/options.js'
import { runCliCaptured } from '../fixtures/cli.js'

const PEER = '12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN'

async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return runCliCaptured(argv)
}

describe('resolveControlOptions', () => {
  it('builds each request from the argument and flags', () => {
    expect(resolveControlOptions('connect', '/ip4/127.0.0.1/tcp/1', {}, {})).toEqual({
      control: 'connect',
      request: { multiaddr: '/ip4/127.0.0.1/tcp/1' },
      addr: '127.0.0.1:28686',
      json: false,
    })
    expect(resolveControlOptions('ping', PEER, { count: 3 }, {}).request).toEqual({
      peer_id: PEER,
      count: 3,
    })
    expect(resolveControlOptions('ping', PEER, {}, {}).request).toEqual({
      peer_id: PEER,
      count: DEFAULT_PING_COUNT,
    })
    expect(resolveControlOptions('findpeer', PEER, { json: true }, {})).toMatchObject({
      request: { peer_id: PEER },
      json: true,
    })
    expect(resolveControlOptions('disconnect', PEER, { timeout: 500 }, {}).timeoutMs).toBe(500)
  })

  it("reads the address and token by diag's rules", () => {
    const env = {
      WES_DIAGNOSTICS_ADDR: '127.0.0.1:9000',
      WES_DIAGNOSTICS_TOKEN: 'from-env-token-0123456789',
    }
    expect(resolveControlOptions('disconnect', PEER, {}, env)).toMatchObject({
      addr: '127.0.0.1:9000',
      token: 'from-env-token-0123456789',
    })
    expect(
      resolveControlOptions('disconnect', PEER, { addr: '[::1]:1234', tokenFile: '/t' }, env),
    ).toMatchObject({ addr: '[::1]:1234', tokenFile: '/t' })
    expect(() => resolveControlOptions('disconnect', PEER, { addr: 'nope' }, {})).toThrow(
      expect.objectContaining({ name: 'UsageError' }),
    )
  })

  it('refuses bad input with a usage error naming the argument', () => {
    const usage = (fn: () => unknown, message: RegExp): void => {
      expect(fn).toThrow(expect.objectContaining({ name: 'UsageError', exitCode: 2 }))
      expect(fn).toThrow(message)
    }
    usage(() => resolveControlOptions('ping', 'x', {}, {}), /^<peer-id> must be a peer ID/)
    usage(() => resolveControlOptions('ping', PEER, { count: 0 }, {}), /^-n must be an integer/)
    usage(() => resolveControlOptions('ping', PEER, { count: 101 }, {}), /^-n must be/)
    usage(() => resolveControlOptions('connect', '1.2.3.4:80', {}, {}), /^<multiaddr> must be/)
    usage(() => resolveControlOptions('findpeer', `${PEER}x`.repeat(3), {}, {}), /<peer-id>/)
  })
})

describe('wes-node peer and dht', () => {
  it('list their subcommands in help', async () => {
    const peer = await run(['peer', '--help'])
    expect(peer.code).toBe(0)
    for (const sub of ['connect [options] <multiaddr>', 'disconnect', 'ping']) {
      expect(peer.stdout).toContain(sub)
    }
    const dht = await run(['dht', '--help'])
    expect(dht.stdout).toContain('findpeer')
    const top = await run(['--help'])
    expect(top.stdout).toMatch(/peer/)
    expect(top.stdout).toMatch(/dht/)
  })

  it('exit 2 on usage errors, one line, no request made', async () => {
    // no subcommand: the help, on stderr
    const bare = await run(['peer'])
    expect(bare.code).toBe(2)
    expect(bare.stderr).toContain('Usage: wes-node peer')
    for (const argv of [
      ['peer', 'ping'],
      ['peer', 'ping', PEER, '-n', 'x'],
      ['peer', 'ping', PEER, '--nope'],
      ['peer', 'frobnicate', PEER],
      ['dht', 'findpeer', 'x'],
      ['peer', 'connect', '/ip4/127.0.0.1/tcp/1', '--addr', 'host'],
    ]) {
      const result = await run(argv)
      expect({ argv, code: result.code }).toEqual({ argv, code: 2 })
      expect(result.stderr.trimEnd().split('\n').length).toBeLessThanOrEqual(2)
      expect(result.stderr).toMatch(/^wes-node: /)
    }
  })

  it('exit 1 when the node is unreachable', async () => {
    const result = await run(['peer', 'disconnect', PEER, '--addr', '127.0.0.1:9'])
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/^wes-node: cannot reach wes-node diagnostics at 127\.0\.0\.1:9/)
  })
})
