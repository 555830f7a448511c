import { describe, expect, it } from '@jest/globals'
import { Command } from 'commander'
import { DEFAULT_P2P_OPTIONS, DHT_MODES, LOG_FORMATS, LOG_LEVELS } from '@wes/p2p-core'
import { runCli } from '../../src/cli.js'
import { describeFlag, flagUsage, startOptions } from '../../src/cmds/start/flags.js'
import { flagLayer } from '../../src/cmds/start/options.js'
import type { ValueSource } from '../../src/cmds/start/options.js'
import { SETTINGS, START_FLAGS, attributeName, defaultText, getPath } from '../../src/settings.js'
import type { Setting } from '../../src/settings.js'

function setting(flag: string): Setting {
  const found = SETTINGS.find((s) => s.flag === flag)
  if (found === undefined) throw new Error(`no setting ${flag}`)
  return found
}

/** Parses `argv` with the generated options alone, as the start command would. */
function parse(argv: string[]): {
  flags: Record<string, unknown>
  source: (f: string) => ValueSource
} {
  const command = new Command('start').exitOverride().configureOutput({ writeErr: () => {} })
  for (const [option] of startOptions()) command.addOption(option)
  command.parse(argv, { from: 'user' })
  return {
    flags: command.opts(),
    source: (flag) => command.getOptionValueSource(flag) as ValueSource,
  }
}

describe('the settings table', () => {
  it('names each flag, variable and option path once', () => {
    for (const key of ['flag', 'env'] as const) {
      const values = START_FLAGS.map((spec) => spec[key])
      expect(new Set(values).size).toBe(values.length)
    }
    const paths = SETTINGS.map((s) => s.path)
    expect(new Set(paths).size).toBe(paths.length)
  })

  it('points every row at an option of @wes/p2p-core', () => {
    for (const { path } of SETTINGS) {
      const keys = path.split('.')
      const parent =
        keys.length > 1 ? getPath(DEFAULT_P2P_OPTIONS, keys[0] as string) : DEFAULT_P2P_OPTIONS
      const known = Object.hasOwn(parent as object, keys.at(-1) as string)
      expect({ path, known }).toEqual({ path, known: true })
    }
  })

  it("offers the same choices as @wes/p2p-core's validation", () => {
    expect(setting('--dht-mode').choices).toEqual(DHT_MODES)
    expect(setting('--log-level').choices).toEqual(LOG_LEVELS)
    expect(setting('--log-format').choices).toEqual(LOG_FORMATS)
  })

  it('spells a boolean that defaults to true as its negation, and one that defaults to false as itself', () => {
    for (const s of SETTINGS.filter((s) => s.kind === 'boolean')) {
      const negated = s.flag.startsWith('--no-')
      expect([s.flag, getPath(DEFAULT_P2P_OPTIONS, s.path)]).toEqual([s.flag, negated])
      expect(s.value).toBeUndefined()
    }
  })

  it('reads defaults as the README and help show them', () => {
    expect(defaultText(setting('--data-dir'), DEFAULT_P2P_OPTIONS)).toBe('~/.wes-node')
    expect(defaultText(setting('--listen'), DEFAULT_P2P_OPTIONS)).toBe('/ip4/0.0.0.0/tcp/28680')
    expect(defaultText(setting('--bootstrap'), DEFAULT_P2P_OPTIONS)).toBeUndefined()
    expect(defaultText(setting('--diagnostics-token-file'), DEFAULT_P2P_OPTIONS)).toBeUndefined()
    expect(defaultText(setting('--min-peers'), DEFAULT_P2P_OPTIONS)).toBe('3')
    expect(defaultText(setting('--log-format'), DEFAULT_P2P_OPTIONS)).toBe('text')
    expect(defaultText(setting('--no-libp2p-metrics'), DEFAULT_P2P_OPTIONS)).toBe('true')
  })
})

describe('commander options generated from the table', () => {
  it('makes one option per row, with the attribute name the options layer reads', () => {
    const options = startOptions()
    expect(options.map(([, spec]) => spec)).toEqual(START_FLAGS)
    for (const [option, spec] of options) {
      expect(option.flags).toBe(flagUsage(spec))
      expect(option.attributeName()).toBe(attributeName(spec.flag))
      expect(option.negate).toBe(spec.flag.startsWith('--no-'))
      expect(option.variadic).toBe(spec.value?.endsWith('...') === true)
    }
  })

  it('turns typed flags into the options layer, negations and integers included', () => {
    const { flags, source } = parse([
      '--no-mdns',
      '--no-libp2p-metrics',
      '--relay-server',
      '--dht-mode',
      'server',
      '--log-format',
      'json',
      '--max-connections',
      '5',
      '--max-inbound-pending',
      '400',
      '--listen',
      '/ip4/127.0.0.1/tcp/0',
      '/ip6/::1/tcp/0',
    ])
    expect(flagLayer(flags, source)).toEqual({
      mdns: false,
      libp2pMetrics: false,
      relay: { server: true },
      dht: { mode: 'server' },
      logFormat: 'json',
      maxConnections: 5,
      maxInboundPending: 400,
      listen: ['/ip4/127.0.0.1/tcp/0', '/ip6/::1/tcp/0'],
    })
  })

  it('leaves untyped flags out, although commander defaults a --no-* flag to true', () => {
    const { flags, source } = parse([])
    expect(flags.mdns).toBe(true)
    expect(flagLayer(flags, source)).toEqual({})
  })

  it.each([
    [['--log-format', 'xml'], /'--log-format <format>' argument 'xml' is invalid.*text, json/],
    [['--dht-mode', 'fast'], /auto, client, server/],
    [['--min-peers', '-1'], /'--min-peers <n>' argument '-1' is invalid/],
    [['--libp2p-metrics'], /unknown option/],
  ])('rejects %p while parsing', (argv, message) => {
    expect(() => parse(argv)).toThrow(message)
  })

  it('describes a flag with its variable and, when known, its default', () => {
    expect(describeFlag(setting('--data-dir'), DEFAULT_P2P_OPTIONS)).toBe(
      'where the node keeps its identity (env WES_DATA_DIR) (default: ~/.wes-node)',
    )
    expect(describeFlag(setting('--data-dir'))).toBe(
      'where the node keeps its identity (env WES_DATA_DIR)',
    )
    expect(describeFlag(setting('--no-mdns'), DEFAULT_P2P_OPTIONS)).toBe(
      'do not discover peers on the LAN with mDNS (env WES_MDNS=false)',
    )
    expect(describeFlag(setting('--relay-server'), DEFAULT_P2P_OPTIONS)).toBe(
      'serve as a circuit relay for other peers (env WES_RELAY_SERVER=true)',
    )
  })
})

describe('wes-node start --help', () => {
  async function help(argv: string[]): Promise<{ code: number; stdout: string }> {
    let stdout = ''
    const code = await runCli(argv, {
      stdout: { write: (chunk: string) => (stdout += chunk) },
      stderr: { write: () => true },
      env: {},
      signal: new AbortController().signal,
    })
    return { code, stdout }
  }

  it('lists every flag with its environment variable and the real default', async () => {
    const { code, stdout } = await help(['start', '--help'])
    expect(code).toBe(0)
    // commander wraps long lines; compare the words
    const words = stdout.replace(/\s+/g, ' ')
    for (const spec of START_FLAGS) {
      expect(words).toContain(flagUsage(spec))
      expect(words).toContain(`(env ${spec.env}`)
    }
    for (const s of SETTINGS.filter((s) => s.kind !== 'boolean')) {
      const shown = defaultText(s, DEFAULT_P2P_OPTIONS)
      if (shown !== undefined) expect(words).toContain(`(default: ${shown})`)
    }
    expect(words).toContain('-h, --help')
  })

  it('answers -h too, and wins over a bad environment', async () => {
    let stdout = ''
    const code = await runCli(['start', '-h'], {
      stdout: { write: (chunk: string) => (stdout += chunk) },
      stderr: { write: () => true },
      env: { WES_DHT_MODE: 'fast' },
      signal: new AbortController().signal,
    })
    expect(code).toBe(0)
    expect(stdout).toContain('--log-format <format>')
  })

  it('`wes-node help start` lists the flags too', async () => {
    const { code, stdout } = await help(['help', 'start'])
    expect(code).toBe(0)
    expect(stdout).toContain('--no-libp2p-metrics')
  })
})
