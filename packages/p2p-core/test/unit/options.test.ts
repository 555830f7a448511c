import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { DEFAULT_P2P_OPTIONS, resolveOptions } from '../../src/options.js'
import type { OptionsError } from '../../src/errors.js'

const PEER = '12D3KooWJZnSb1Lkoz4VNGhhUYxo94Uypiv2sgvyUZmXrJchub9M'

function rejection(init: Record<string, unknown>): OptionsError {
  try {
    resolveOptions(init)
  } catch (err) {
    return err as OptionsError
  }
  throw new Error(`expected ${JSON.stringify(init)} to be rejected`)
}

describe('resolveOptions', () => {
  test('defaults match the documented contract', () => {
    expect(resolveOptions()).toEqual({
      listen: ['/ip4/0.0.0.0/tcp/28680'],
      bootstrap: [],
      mdns: true,
      dht: { mode: 'auto', protocol: '/wes/kad/1.0.0' },
      autonat: true,
      relay: { enabled: true, server: false },
      dataDir: join(homedir(), '.wes-node'),
      diagnosticsEnabled: true,
      diagnosticsAddr: '127.0.0.1:28686',
      logLevel: 'info',
      logFormat: 'text',
      libp2pMetrics: true,
      processMetrics: true,
      discovery: {
        minPeers: 3,
        bootstrapIntervalMs: 5_000,
        bootstrapMaxIntervalMs: 60_000,
        dialTimeoutMs: 10_000,
      },
      health: {
        bootstrapFailingMs: 60_000,
        mdnsSilentMs: 30_000,
        routingGraceMs: 60_000,
        readyMinPeers: 1,
      },
      maxConnections: 300,
      maxInboundPending: 10,
    })
    expect(resolveOptions({})).toEqual(DEFAULT_P2P_OPTIONS)
  })

  test('results are independent copies of the defaults', () => {
    const options = resolveOptions()
    options.listen.push('/ip4/127.0.0.1/tcp/1')
    options.dht.mode = 'server'
    expect(DEFAULT_P2P_OPTIONS.listen).toEqual(['/ip4/0.0.0.0/tcp/28680'])
    expect(resolveOptions().dht.mode).toBe('auto')
  })

  test('nested objects merge field by field; arrays replace', () => {
    const options = resolveOptions({
      dht: { mode: 'server' },
      relay: { server: true },
      discovery: { minPeers: 0 },
      listen: ['/ip4/127.0.0.1/tcp/0'],
      bootstrap: [`/ip4/127.0.0.1/tcp/4001/p2p/${PEER}`],
    })
    expect(options.dht).toEqual({ mode: 'server', protocol: '/wes/kad/1.0.0' })
    expect(options.relay).toEqual({ enabled: true, server: true })
    expect(options.discovery).toEqual({ ...DEFAULT_P2P_OPTIONS.discovery, minPeers: 0 })
    expect(options.listen).toEqual(['/ip4/127.0.0.1/tcp/0'])
    expect(options.bootstrap).toEqual([`/ip4/127.0.0.1/tcp/4001/p2p/${PEER}`])
  })

  test('takes the health thresholds field by field, 0 included', () => {
    expect(resolveOptions({ health: { bootstrapFailingMs: 0, readyMinPeers: 0 } }).health).toEqual({
      ...DEFAULT_P2P_OPTIONS.health,
      bootstrapFailingMs: 0,
      readyMinPeers: 0,
    })
  })

  test('undefined fields count as not set', () => {
    expect(resolveOptions({ mdns: undefined, dht: { mode: undefined } })).toEqual(
      DEFAULT_P2P_OPTIONS,
    )
  })

  test('takes the log format and libp2p metrics switch', () => {
    expect(resolveOptions({ logFormat: 'json', libp2pMetrics: false })).toMatchObject({
      logFormat: 'json',
      libp2pMetrics: false,
    })
  })

  test('accepts IPv6 and hostname diagnostics addresses, ports 0 and 65535', () => {
    expect(resolveOptions({ diagnosticsAddr: '[::1]:0' }).diagnosticsAddr).toBe('[::1]:0')
    expect(resolveOptions({ diagnosticsAddr: 'localhost:65535' }).diagnosticsAddr).toBe(
      'localhost:65535',
    )
  })

  test.each([
    [
      { dht: { mode: 'fast' } },
      'dht.mode',
      'invalid option dht.mode: "fast" (expected one of auto, client, server)',
    ],
    [{ dht: { protocol: 'wes/kad' } }, 'dht.protocol', 'invalid option dht.protocol: "wes/kad"'],
    [
      { logLevel: 'loud' },
      'logLevel',
      'invalid option logLevel: "loud" (expected one of silent, error, warn, info, debug, trace)',
    ],
    [
      { logFormat: 'yaml' },
      'logFormat',
      'invalid option logFormat: "yaml" (expected one of text, json)',
    ],
    [
      { libp2pMetrics: 'no' },
      'libp2pMetrics',
      'invalid option libp2pMetrics: "no" (expected true or false)',
    ],
    [{ mdns: 'yes' }, 'mdns', 'invalid option mdns: "yes" (expected true or false)'],
    [{ autonat: 1 }, 'autonat', 'invalid option autonat: 1'],
    [{ relay: { enabled: null } }, 'relay.enabled', 'invalid option relay.enabled: null'],
    [{ relay: true }, 'relay', 'invalid option relay: true (expected an object)'],
    [
      { diagnosticsEnabled: 'false' },
      'diagnosticsEnabled',
      'invalid option diagnosticsEnabled: "false"',
    ],
    [
      { listen: '/ip4/0.0.0.0/tcp/1' },
      'listen',
      'invalid option listen: "/ip4/0.0.0.0/tcp/1" (expected an array of strings)',
    ],
    [
      { listen: ['/ip4/0.0.0.0/tcp/1', 'tcp:4001'] },
      'listen[1]',
      'invalid option listen[1]: "tcp:4001"',
    ],
    [{ listen: [42] }, 'listen[0]', 'invalid option listen[0]: 42 (expected a string)'],
    [
      { bootstrap: ['/ip4/1.2.3.4/tcp/4001'] },
      'bootstrap[0]',
      'invalid option bootstrap[0]: "/ip4/1.2.3.4/tcp/4001" (expected a multiaddr ending in /p2p/<peer id>)',
    ],
    [
      { bootstrap: ['/ip4/1.2.3.4/tcp/4001/p2p/QmNotAPeer'] },
      'bootstrap[0]',
      'invalid option bootstrap[0]: "/ip4/1.2.3.4/tcp/4001/p2p/QmNotAPeer"',
    ],
    [{ dataDir: '' }, 'dataDir', 'invalid option dataDir: "" (expected a non-empty string)'],
    [
      { diagnosticsAddr: '127.0.0.1' },
      'diagnosticsAddr',
      'invalid option diagnosticsAddr: "127.0.0.1"',
    ],
    [
      { diagnosticsAddr: '127.0.0.1:65536' },
      'diagnosticsAddr',
      'invalid option diagnosticsAddr: "127.0.0.1:65536"',
    ],
    [
      { diagnosticsAddr: '127.0.0.1:80.5' },
      'diagnosticsAddr',
      'invalid option diagnosticsAddr: "127.0.0.1:80.5"',
    ],
    [
      { diagnosticsAddr: '::1:28686' },
      'diagnosticsAddr',
      'invalid option diagnosticsAddr: "::1:28686"',
    ],
    [{ diagnosticsAddr: ':28686' }, 'diagnosticsAddr', 'invalid option diagnosticsAddr: ":28686"'],
    [
      { discovery: { minPeers: -1 } },
      'discovery.minPeers',
      'invalid option discovery.minPeers: -1 (expected an integer from 0 to 1000)',
    ],
    [
      { discovery: { minPeers: 1.5 } },
      'discovery.minPeers',
      'invalid option discovery.minPeers: 1.5',
    ],
    [
      { discovery: { bootstrapIntervalMs: 50 } },
      'discovery.bootstrapIntervalMs',
      'invalid option discovery.bootstrapIntervalMs: 50 (expected an integer from 100 to 3600000)',
    ],
    [
      { discovery: { bootstrapMaxIntervalMs: Number.POSITIVE_INFINITY } },
      'discovery.bootstrapMaxIntervalMs',
      'invalid option discovery.bootstrapMaxIntervalMs: Infinity',
    ],
    [
      { discovery: { bootstrapIntervalMs: 10_000, bootstrapMaxIntervalMs: 5_000 } },
      'discovery.bootstrapMaxIntervalMs',
      'invalid option discovery.bootstrapMaxIntervalMs: 5000 (expected a value >= discovery.bootstrapIntervalMs (10000))',
    ],
    [
      { discovery: { dialTimeoutMs: NaN } },
      'discovery.dialTimeoutMs',
      'invalid option discovery.dialTimeoutMs: NaN',
    ],
    [
      { discovery: { dialTimeoutMs: 300_001 } },
      'discovery.dialTimeoutMs',
      'invalid option discovery.dialTimeoutMs: 300001',
    ],
    [
      { maxConnections: 0 },
      'maxConnections',
      'invalid option maxConnections: 0 (expected an integer from 1 to 10000)',
    ],
    [{ maxConnections: '300' }, 'maxConnections', 'invalid option maxConnections: "300"'],
    [
      { maxInboundPending: 0 },
      'maxInboundPending',
      'invalid option maxInboundPending: 0 (expected an integer from 1 to 10000)',
    ],
    [
      { maxInboundPending: 2.5 },
      'maxInboundPending',
      'invalid option maxInboundPending: 2.5 (expected an integer from 1 to 10000)',
    ],
    [{ maxInboundPending: '400' }, 'maxInboundPending', 'invalid option maxInboundPending: "400"'],
    [
      { health: { bootstrapFailingMs: -1 } },
      'health.bootstrapFailingMs',
      'invalid option health.bootstrapFailingMs: -1 (expected an integer from 0 to 86400000)',
    ],
    [
      { health: { mdnsSilentMs: '30s' } },
      'health.mdnsSilentMs',
      'invalid option health.mdnsSilentMs',
    ],
    [
      { health: { routingGraceMs: 1.5 } },
      'health.routingGraceMs',
      'invalid option health.routingGraceMs: 1.5',
    ],
    [
      { health: { readyMinPeers: 1001 } },
      'health.readyMinPeers',
      'invalid option health.readyMinPeers: 1001 (expected an integer from 0 to 1000)',
    ],
    [{ health: 5 }, 'health', 'invalid option health: 5 (expected an object)'],
  ])('rejects %j naming %s', (init, field, message) => {
    const err = rejection(init)
    expect(err.name).toBe('OptionsError')
    expect(err.code).toBe('ERR_INVALID_OPTIONS')
    expect(err.field).toBe(field)
    expect(err.message.startsWith(message)).toBe(true)
  })

  test('the rejected value is kept on the error', () => {
    expect(rejection({ dht: { mode: 'fast' } }).value).toBe('fast')
  })

  test('unknown keys are rejected, top-level and nested', () => {
    const top = rejection({ foo: 1 })
    expect(top.message).toBe('unknown option "foo"')
    expect(top.field).toBe('foo')
    expect(top.code).toBe('ERR_INVALID_OPTIONS')

    const nested = rejection({ dht: { mode: 'server', kBucketSize: 20 } })
    expect(nested.message).toBe('unknown option "dht.kBucketSize"')
    expect(nested.field).toBe('dht.kBucketSize')

    expect(rejection({ discovery: { minpeers: 3 } }).message).toBe(
      'unknown option "discovery.minpeers"',
    )
    expect(rejection({ relay: { hop: true } }).field).toBe('relay.hop')
  })

  test('keys inherited from Object.prototype are unknown keys too, not silently ignored', () => {
    // JSON.parse makes "__proto__" an own key, exactly as a config file would
    const proto = rejection(JSON.parse('{"__proto__": {"mdns": false}}') as Record<string, unknown>)
    expect(proto.message).toBe('unknown option "__proto__"')
    expect(rejection({ constructor: 1 } as Record<string, unknown>).message).toBe(
      'unknown option "constructor"',
    )
    expect(rejection({ toString: 'x' } as Record<string, unknown>).field).toBe('toString')
    expect(rejection({ dht: { hasOwnProperty: 1 } } as Record<string, unknown>).field).toBe(
      'dht.hasOwnProperty',
    )
  })

  test('non-object options are rejected', () => {
    expect(rejection([] as unknown as Record<string, unknown>).code).toBe('ERR_INVALID_OPTIONS')
  })

  test('a leading ~ in dataDir expands to the home directory', () => {
    expect(resolveOptions({ dataDir: '~' }).dataDir).toBe(homedir())
    expect(resolveOptions({ dataDir: '~/wes/data' }).dataDir).toBe(join(homedir(), 'wes', 'data'))
    expect(resolveOptions({ dataDir: '/var/lib/wes' }).dataDir).toBe('/var/lib/wes')
    expect(resolveOptions({ dataDir: 'rel/dir' }).dataDir).toBe(resolve('rel/dir'))
    // only a leading ~ is special
    expect(resolveOptions({ dataDir: '/tmp/~x' }).dataDir).toBe('/tmp/~x')
  })
})
