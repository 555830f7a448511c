import { mkdtemp, writeFile, chmod } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from '@jest/globals'
import {
  envLayer,
  flagLayer,
  mergeLayers,
  resolveStartOptions,
} from '../../src/cmds/start/options.js'
import type { StartFlags, ValueSource } from '../../src/cmds/start/options.js'

const PEER = '12D3KooWGRUVh2fRhcKdzMDhoBVSTWN7MTv5Ck3sCsAh5eSKtR6n'

/** Flags as commander gives them: every flag here was typed on the command line. */
function typed(flags: StartFlags): {
  flags: StartFlags
  flagSource: (flag: string) => ValueSource
} {
  return { flags, flagSource: (flag) => (flag in flags ? 'cli' : undefined) }
}

async function configFile(content: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'wes-cfg-'))
  const path = join(dir, 'wes.json')
  await writeFile(path, content)
  return path
}

describe('resolveStartOptions', () => {
  it('gives the documented defaults with no config, env or flags', async () => {
    const options = await resolveStartOptions({ ...typed({}), env: {} })
    expect(options.listen).toEqual(['/ip4/0.0.0.0/tcp/28680'])
    expect(options.bootstrap).toEqual([])
    expect(options.mdns).toBe(true)
    expect(options.dht).toEqual({ mode: 'auto', protocol: '/wes/kad/1.0.0' })
    expect(options.autonat).toBe(true)
    expect(options.relay).toEqual({ enabled: true, server: false })
    expect(options.diagnosticsEnabled).toBe(true)
    expect(options.diagnosticsAddr).toBe('127.0.0.1:28686')
    expect(options.logLevel).toBe('info')
    expect(options.dataDir.endsWith('.wes-node')).toBe(true)
  })

  it('layers defaults < config file < WES_* environment < flags', async () => {
    const path = await configFile(
      JSON.stringify({
        dht: { mode: 'client' },
        logLevel: 'warn',
        mdns: false,
        diagnosticsAddr: '127.0.0.1:1001',
      }),
    )
    const env = { WES_LOG_LEVEL: 'error', WES_DIAGNOSTICS_ADDR: '127.0.0.1:1002' }

    const fromFile = await resolveStartOptions({ ...typed({ config: path }), env: {} })
    expect(fromFile.dht).toEqual({ mode: 'client', protocol: '/wes/kad/1.0.0' })
    expect(fromFile.logLevel).toBe('warn')
    expect(fromFile.mdns).toBe(false)

    const fromEnv = await resolveStartOptions({ ...typed({ config: path }), env })
    expect(fromEnv.logLevel).toBe('error')
    expect(fromEnv.diagnosticsAddr).toBe('127.0.0.1:1002')
    expect(fromEnv.dht.mode).toBe('client')

    const fromFlags = await resolveStartOptions({
      ...typed({ config: path, diagnosticsAddr: '127.0.0.1:1003', dhtMode: 'server' }),
      env,
    })
    expect(fromFlags.diagnosticsAddr).toBe('127.0.0.1:1003')
    expect(fromFlags.dht.mode).toBe('server')
    expect(fromFlags.logLevel).toBe('error')
    expect(fromFlags.mdns).toBe(false)
  })

  it('takes the config file from WES_CONFIG when --config is absent', async () => {
    const path = await configFile(JSON.stringify({ logLevel: 'debug' }))
    const options = await resolveStartOptions({ ...typed({}), env: { WES_CONFIG: path } })
    expect(options.logLevel).toBe('debug')
  })

  it('ignores flag values commander filled in by default (e.g. --no-mdns implying mdns=true)', async () => {
    const path = await configFile(JSON.stringify({ mdns: false }))
    const options = await resolveStartOptions({
      flags: { config: path, mdns: true },
      flagSource: (flag) => (flag === 'config' ? 'cli' : 'default'),
      env: {},
    })
    expect(options.mdns).toBe(false)
  })

  it('resolves a relative dataDir in a config file against the file, and on flags against cwd', async () => {
    const path = await configFile(JSON.stringify({ dataDir: 'state' }))
    const fromFile = await resolveStartOptions({ ...typed({ config: path }), env: {} })
    expect(fromFile.dataDir).toBe(join(path, '..', 'state'))
    const fromFlag = await resolveStartOptions({
      ...typed({ dataDir: 'here' }),
      env: {},
      cwd: '/srv/wes',
    })
    expect(fromFlag.dataDir).toBe('/srv/wes/here')
  })

  it.each([
    ['{ not json', /is not valid JSON/],
    ['[1, 2]', /must hold a JSON object/],
    ['"text"', /must hold a JSON object/],
    ['{"listen": "/ip4/0.0.0.0/tcp/1"}', /listen/],
    ['{"mdns": "yes"}', /mdns/],
    ['{"dht": {"mode": "fast"}}', /dht\.mode/],
    ['{"colour": "blue"}', /colour/],
    ['{"dht": {"mode": "server", "extra": 1}}', /extra/],
  ])('rejects config %s with a usage error naming the problem', async (content, pattern) => {
    const path = await configFile(content)
    const error = await resolveStartOptions({ ...typed({ config: path }), env: {} }).catch(
      (err: unknown) => err,
    )
    expect(error).toMatchObject({ name: 'UsageError', exitCode: 2 })
    expect((error as Error).message).toMatch(pattern)
    expect((error as Error).message).not.toContain('\n')
  })

  it('says when the config file is missing or unreadable', async () => {
    const missing = await resolveStartOptions({
      ...typed({ config: '/nonexistent/wes.json' }),
      env: {},
    }).catch((err: unknown) => err)
    expect(missing).toMatchObject({
      exitCode: 2,
      message: 'cannot read config file /nonexistent/wes.json: no such file',
    })

    const path = await configFile('{}')
    await chmod(path, 0o000)
    const denied = await resolveStartOptions({
      ...typed({ config: path }),
      env: {},
      readConfig: async () => {
        throw Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' })
      },
    }).catch((err: unknown) => err)
    expect(denied).toMatchObject({
      exitCode: 2,
      message: `cannot read config file ${path}: permission denied`,
    })
  })

  it.each([
    [{ WES_MDNS: 'maybe' }, /WES_MDNS.*maybe/],
    [{ WES_MAX_CONNECTIONS: '12x' }, /WES_MAX_CONNECTIONS/],
    [{ WES_MAX_INBOUND_PENDING: 'many' }, /WES_MAX_INBOUND_PENDING.*expected an integer/],
    [
      { WES_MAX_INBOUND_PENDING: '0' },
      /environment.*maxInboundPending: 0 \(expected an integer from 1/,
    ],
    [{ WES_DHT_MODE: 'fast' }, /environment.*dht\.mode/],
    [{ WES_BOOTSTRAP: '/ip4/127.0.0.1/tcp/1' }, /bootstrap/],
  ])('rejects bad environment %p', async (env, pattern) => {
    const error = await resolveStartOptions({ ...typed({}), env }).catch((err: unknown) => err)
    expect(error).toMatchObject({ exitCode: 2 })
    expect((error as Error).message).toMatch(pattern)
  })

  it.each([
    [{ listen: ['not-a-multiaddr'] }, /listen/],
    [{ bootstrap: ['/ip4/127.0.0.1/tcp/4001'] }, /bootstrap/],
    [{ diagnosticsAddr: '127.0.0.1:99999' }, /diagnosticsAddr/],
    [{ maxConnections: 0 }, /maxConnections/],
    [{ maxInboundPending: 0 }, /flags: invalid option maxInboundPending: 0/],
    [
      { maxInboundPending: 10_001 },
      /maxInboundPending: 10001 \(expected an integer from 1 to 10000\)/,
    ],
  ])('rejects bad flags %p', async (flags, pattern) => {
    const error = await resolveStartOptions({ ...typed(flags), env: {} }).catch(
      (err: unknown) => err,
    )
    expect(error).toMatchObject({ exitCode: 2 })
    expect((error as Error).message).toMatch(pattern)
  })

  it('takes --max-inbound-pending from the config file, WES_MAX_INBOUND_PENDING and the flag, in that order', async () => {
    const path = await configFile('{"maxInboundPending": 32}')
    const fromFile = await resolveStartOptions({ ...typed({ config: path }), env: {} })
    expect(fromFile.maxInboundPending).toBe(32)
    const env = { WES_MAX_INBOUND_PENDING: '64' }
    expect((await resolveStartOptions({ ...typed({ config: path }), env })).maxInboundPending).toBe(
      64,
    )
    const flags = typed({ config: path, maxInboundPending: 400 })
    expect((await resolveStartOptions({ ...flags, env })).maxInboundPending).toBe(400)
    expect((await resolveStartOptions({ ...typed({}), env: {} })).maxInboundPending).toBe(10)
  })

  it('accepts a bootstrap multiaddr with a peer id from the environment, split on commas', async () => {
    const addr = `/ip4/127.0.0.1/tcp/4001/p2p/${PEER}`
    const options = await resolveStartOptions({
      ...typed({}),
      env: { WES_BOOTSTRAP: `${addr}, ${addr}` },
    })
    expect(options.bootstrap).toEqual([addr, addr])
  })
})

describe('option layers', () => {
  it('merges nested objects key by key and replaces arrays', () => {
    expect(
      mergeLayers(
        { dht: { mode: 'client' }, listen: ['a'] },
        { dht: { protocol: '/x' }, listen: ['b'] },
      ),
    ).toEqual({ dht: { mode: 'client', protocol: '/x' }, listen: ['b'] })
  })

  it('maps WES_* variables to option paths and treats empty ones as unset', () => {
    expect(
      envLayer({
        WES_RELAY_SERVER: 'true',
        WES_MIN_PEERS: '5',
        WES_LISTEN: '',
        WES_AUTONAT: 'off',
      }),
    ).toEqual({
      relay: { server: true },
      discovery: { minPeers: 5 },
      autonat: false,
    })
  })

  it('keeps only flags typed on the command line', () => {
    const layer = flagLayer({ mdns: true, relay: false, logLevel: 'debug' }, (flag) =>
      flag === 'relay' ? 'cli' : 'default',
    )
    expect(layer).toEqual({ relay: { enabled: false } })
  })
})
