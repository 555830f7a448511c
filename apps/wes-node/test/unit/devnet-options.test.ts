import { describe, expect, it } from '@jest/globals'
import {
  DEFAULT_DEVNET_OPTIONS,
  DEVNET_LAB_TOPOLOGIES,
  portRange,
  resolveDevnetOptions,
} from '../../src/cmds/devnet/options.js'
import { parseControlRequest } from '../../src/cmds/devnet/control.js'
import { runCliCaptured } from '../fixtures/cli.js'
import type { CliRun } from '../fixtures/cli.js'

function run(argv: string[]): Promise<CliRun> {
  return runCliCaptured(argv)
}

describe('resolveDevnetOptions', () => {
  it('fills the defaults and makes the directory absolute', () => {
    expect(resolveDevnetOptions({}, '/srv')).toEqual({
      ...DEFAULT_DEVNET_OPTIONS,
      dir: '/srv/wes-devnet',
    })
    expect(
      resolveDevnetOptions(
        {
          nodes: '5',
          dir: 'nets/a',
          basePort: '20000',
          diagBasePort: '20100',
          prometheus: true,
          prometheusPort: '0',
        },
        '/srv',
      ),
    ).toEqual({
      nodes: 5,
      dir: '/srv/nets/a',
      basePort: 20000,
      diagBasePort: 20100,
      prometheus: true,
      prometheusPort: 0,
    })
    expect(
      resolveDevnetOptions({ dir: '/abs', basePort: '0', diagBasePort: '0' }, '/srv'),
    ).toMatchObject({
      dir: '/abs',
      basePort: 0,
      diagBasePort: 0,
    })
  })

  it('takes the lab topologies a devnet runs on', () => {
    expect(resolveDevnetOptions({ lab: 'public-network' }, '/srv')).toEqual({
      ...DEFAULT_DEVNET_OPTIONS,
      dir: '/srv/wes-devnet',
      lab: 'public-network',
    })
    expect(resolveDevnetOptions({ lab: 'lan', nodes: '5' }, '/srv')).toMatchObject({
      lab: 'lan',
      nodes: 5,
    })
    expect(Object.keys(DEVNET_LAB_TOPOLOGIES)).toEqual(['public-network', 'lan'])
  })

  it.each([
    [{ nodes: '0' }, /--nodes must be an integer from 1 to 100, got "0"/],
    [{ nodes: '101' }, /--nodes must be an integer from 1 to 100/],
    [{ nodes: 'three' }, /--nodes must be an integer/],
    [{ nodes: '2.5' }, /--nodes must be an integer/],
    [{ nodes: '-1' }, /--nodes must be an integer/],
    [{ basePort: '70000' }, /--base-port must be an integer from 0 to 65535/],
    [{ basePort: '80' }, /--base-port must be 0 \(any free port\) or from 1024 to 65436/],
    [{ basePort: '65500' }, /--base-port must be 0 .* or from 1024 to 65436/],
    [{ diagBasePort: 'x' }, /--diag-base-port must be an integer/],
    [{ basePort: '30000', diagBasePort: '30050' }, /must be at least 100 apart/],
    [{ prometheusPort: '9090' }, /--prometheus-port needs --prometheus/],
    [{ prometheus: true, prometheusPort: '99999' }, /--prometheus-port must be an integer/],
    [
      { prometheus: true, prometheusPort: '29005' },
      /inside the range of --base-port \(29000 to 29099\)/,
    ],
    [{ dir: ' ' }, /--dir must not be empty/],
    [
      { lab: 'mars' },
      /^--lab must name a topology a devnet runs on \(one of: public-network, lan\), got "mars"$/,
    ],
    // lab topologies whose hosts do not all reach node 1 directly
    [{ lab: 'home-nat' }, /--lab must name a topology .*got "home-nat"/],
    [{ lab: 'lan-no-multicast' }, /--lab must name a topology .*got "lan-no-multicast"/],
    [{ lab: '' }, /--lab must name a topology .*got ""/],
    [{ lab: 'toString' }, /--lab must name a topology .*got "toString"/],
  ])('refuses %j with a usage error naming the flag', (flags, message) => {
    let caught: unknown
    try {
      resolveDevnetOptions(flags, '/srv')
    } catch (err) {
      caught = err
    }
    expect(caught).toMatchObject({ name: 'UsageError', exitCode: 2 })
    expect((caught as Error).message).toMatch(message)
  })

  it('lists consecutive ports, none for port 0', () => {
    expect(portRange(29000, 3)).toEqual([29000, 29001, 29002])
    expect(portRange(0, 3)).toEqual([])
  })
})

describe('wes-node devnet flags', () => {
  it('exits 2 with one clear line for a bad flag, before anything starts', async () => {
    for (const [argv, message] of [
      [
        ['devnet', '--nodes', '0'],
        /^wes-node: --nodes must be an integer from 1 to 100, got "0"\n$/,
      ],
      [['devnet', '--nodes'], /^wes-node: option '--nodes <n>' argument missing\n$/],
      [['devnet', '--bogus'], /^wes-node: unknown option '--bogus'/],
      [['devnet', 'add', '--count', '0'], /^wes-node: --count must be an integer from 1 to 100/],
      [
        ['devnet', 'add', '--nodes', '3'],
        /^wes-node: --nodes is a flag of wes-node devnet, not of devnet add\n$/,
      ],
      [
        ['devnet', 'status', '--wait', 'soon'],
        /^wes-node: --wait must be an integer from 1 to 86400/,
      ],
      [['devnet', 'remove'], /^wes-node: missing required argument 'node'\n$/],
      [
        ['devnet', '--lab', 'mars'],
        /^wes-node: --lab must name a topology a devnet runs on \(one of: public-network, lan\), got "mars"\n$/,
      ],
      [['devnet', '--lab'], /^wes-node: option '--lab <topology>' argument missing\n$/],
      [
        ['devnet', 'status', '--lab', 'lan'],
        /^wes-node: --lab is a flag of wes-node devnet, not of devnet status\n$/,
      ],
    ] as const) {
      const { code, stdout, stderr } = await run([...argv])
      expect({ argv, code, stderr }).toEqual({
        argv,
        code: 2,
        stderr: expect.stringMatching(message),
      })
      expect(stdout).toBe('')
    }
  })

  it('says which devnet the subcommands act on in their help', async () => {
    const { code, stdout } = await run(['devnet', 'status', '--help'])
    expect(code).toBe(0)
    expect(stdout).toContain("devnet's --dir")
    expect(stdout).toContain('--wait <seconds>')
  })
})

describe('parseControlRequest', () => {
  it('reads add and remove, and says what it expects otherwise', () => {
    expect(parseControlRequest('{"op":"add","count":2}')).toEqual({ op: 'add', count: 2 })
    expect(parseControlRequest('{"op":"remove","node":"node-3"}')).toEqual({
      op: 'remove',
      node: 'node-3',
    })
    expect(parseControlRequest('not json')).toBe('the request is not JSON')
    expect(parseControlRequest('{"op":"add","count":"2"}')).toMatch(/^expected /)
    expect(parseControlRequest('{"op":"reboot"}')).toMatch(/^expected /)
    expect(parseControlRequest('null')).toMatch(/^expected /)
  })
})
