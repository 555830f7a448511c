/**
 * `reloadSettings` (SIGHUP) with stub components: what it applies, what it only names, what it
 * logs, and that a configuration that does not load changes nothing.
 */

import { describe, expect, it } from '@jest/globals'
import { DEFAULT_P2P_OPTIONS } from '@wes/p2p-core'
import type { P2POptions } from '@wes/p2p-core'
import { reloadSettings } from '../../src/cmds/start/reload.js'
import type { ReloadComponents, RunningSettings } from '../../src/cmds/start/reload.js'
import { UsageError } from '../../src/errors.js'
import { createLogger } from '../../src/logger.js'

const PEER = '/ip4/127.0.0.1/tcp/9/p2p/12D3KooWMtubWgDPwyZSDhAdrUWWbbCB2AByXLkU8ZdbQRpMqCvp'
const OLD_TOKEN = 'old-token-0123456789abcdef'
const NEW_TOKEN = 'new-token-0123456789abcdef'

interface Stubs {
  components: ReloadComponents
  lines: () => Array<{ level: string; component?: string; msg: string; [key: string]: unknown }>
  bootstraps: string[][]
  tokens: Array<string | undefined>
}

function stubs(
  next: () => Promise<P2POptions>,
  token: () => Promise<string | undefined>,
  init: { diagnostics?: boolean; setBootstrap?: (b: readonly string[]) => boolean } = {},
): Stubs {
  const chunks: string[] = []
  const bootstraps: string[][] = []
  const tokens: Array<string | undefined> = []
  const components: ReloadComponents = {
    resolveOptions: next,
    readToken: token,
    logger: createLogger({
      level: 'info',
      format: 'json',
      stream: { write: (chunk: string) => chunks.push(chunk) },
    }),
    node: {
      setBootstrap:
        init.setBootstrap ??
        ((bootstrap) => {
          bootstraps.push([...bootstrap])
          return true
        }),
    },
    ...(init.diagnostics === false ? {} : { diagnostics: { setToken: (t) => tokens.push(t) } }),
    libp2pLogging: false,
  }
  return {
    components,
    lines: () => chunks.map((chunk) => JSON.parse(chunk) as ReturnType<Stubs['lines']>[number]),
    bootstraps,
    tokens,
  }
}

const running = (options: Partial<P2POptions> = {}): RunningSettings => ({
  options: { ...DEFAULT_P2P_OPTIONS, diagnosticsTokenFile: '/etc/token', ...options },
  token: OLD_TOKEN,
})

describe('reloadSettings', () => {
  it('says so when nothing changed, and applies nothing', async () => {
    const before = running()
    const s = stubs(
      async () => before.options,
      async () => OLD_TOKEN,
    )
    expect(await reloadSettings(before, s.components)).toEqual(before)
    expect(s.lines()).toEqual([
      expect.objectContaining({
        level: 'info',
        component: 'config',
        msg: 'configuration reloaded: nothing changed',
      }),
    ])
    expect(s.bootstraps).toEqual([])
    expect(s.tokens).toEqual([])
  })

  it('applies the bootstrap peers, the token and the level, in one line; names what needs a restart', async () => {
    const before = running()
    const next: P2POptions = {
      ...before.options,
      logLevel: 'debug',
      bootstrap: [PEER],
      listen: ['/ip4/127.0.0.1/tcp/1'],
      mdns: false,
    }
    const s = stubs(
      async () => next,
      async () => NEW_TOKEN,
    )
    const after = await reloadSettings(before, s.components)

    expect(s.bootstraps).toEqual([[PEER]])
    expect(s.tokens).toEqual([NEW_TOKEN])
    expect(s.components.logger.level).toBe('debug')
    // what needs a restart keeps its running value, so the next reload names it again
    expect(after).toEqual({
      options: { ...before.options, logLevel: 'debug', bootstrap: [PEER] },
      token: NEW_TOKEN,
    })
    const lines = s.lines()
    expect(lines).toEqual([
      expect.objectContaining({ level: 'warn', settings: ['listen', 'mdns'] }),
      expect.objectContaining({
        level: 'info',
        msg: 'configuration reloaded: bootstrap 1 peer (was 0), diagnostics token replaced, logLevel info -> debug',
        changed: ['bootstrap', 'diagnosticsToken', 'logLevel'],
      }),
    ])
    expect(JSON.stringify(lines)).not.toContain(NEW_TOKEN)
  })

  it('a quieter level: the line is written before the level drops', async () => {
    const before = running()
    const s = stubs(
      async () => ({ ...before.options, logLevel: 'error' }),
      async () => OLD_TOKEN,
    )
    await reloadSettings(before, s.components)
    expect(s.lines().map((line) => line.msg)).toEqual([
      'configuration reloaded: logLevel info -> error',
    ])
    expect(s.components.logger.level).toBe('error')
    s.components.logger.forComponent('discovery').warn('now dropped')
    expect(s.lines()).toHaveLength(1)
  })

  it('a token set or removed says so', async () => {
    const set = stubs(
      async () => running().options,
      async () => NEW_TOKEN,
    )
    await reloadSettings({ ...running(), token: undefined }, set.components)
    expect(set.lines()[0]?.msg).toBe('configuration reloaded: diagnostics token set')

    const removed = stubs(
      async () => ({ ...running().options, diagnosticsTokenFile: undefined }),
      async () => undefined,
    )
    await reloadSettings(running(), removed.components)
    expect(removed.tokens).toEqual([undefined])
    expect(removed.lines()[0]?.msg).toBe('configuration reloaded: diagnostics token removed')
  })

  it('without diagnostics there is no token to read or change', async () => {
    const s = stubs(
      async () => running().options,
      async () => {
        throw new Error('must not be read')
      },
      { diagnostics: false },
    )
    const after = await reloadSettings(running(), s.components)
    expect(after.token).toBe(OLD_TOKEN)
    expect(s.lines()[0]?.msg).toBe('configuration reloaded: nothing changed')
  })

  it.each([
    [
      'the config file',
      async () => {
        throw new UsageError('config file /etc/wes.json is not valid JSON: Unexpected end')
      },
      async () => NEW_TOKEN,
      'config file /etc/wes.json is not valid JSON: Unexpected end',
    ],
    [
      'the token file',
      async () => ({ ...running().options, logLevel: 'debug' as const, bootstrap: [PEER] }),
      async () => {
        throw new UsageError('cannot read diagnostics token file /etc/token: no such file')
      },
      'cannot read diagnostics token file /etc/token: no such file',
    ],
  ])('%s failing: one error naming the problem, nothing changed', async (_, next, token, error) => {
    const before = running()
    const s = stubs(next, token)
    expect(await reloadSettings(before, s.components)).toBe(before)
    expect(s.lines()).toEqual([
      expect.objectContaining({
        level: 'error',
        component: 'config',
        msg: 'configuration reload failed; the node keeps its running settings',
        error,
      }),
    ])
    expect(s.bootstraps).toEqual([])
    expect(s.tokens).toEqual([])
    expect(s.components.logger.level).toBe('info')
  })

  it('a bootstrap list the node refuses changes nothing either', async () => {
    const before = running()
    const s = stubs(
      async () => ({ ...before.options, logLevel: 'debug', bootstrap: ['/ip4/1.2.3.4/tcp/1'] }),
      async () => NEW_TOKEN,
      {
        setBootstrap: () => {
          throw new Error('invalid option bootstrap[0]')
        },
      },
    )
    expect(await reloadSettings(before, s.components)).toBe(before)
    expect(s.tokens).toEqual([])
    expect(s.components.logger.level).toBe('info')
    expect(s.lines()[0]).toMatchObject({ level: 'error', error: 'invalid option bootstrap[0]' })
  })
})
