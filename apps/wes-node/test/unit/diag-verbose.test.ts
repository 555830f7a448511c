import { createServer } from 'node:http'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from '@jest/globals'
import { Registry } from 'prom-client'
import { createDiagnosticsApp } from '@wes/diagnostics'
import type { DetailsPage, DiagnosticsSource, PeerDetails } from '@wes/diagnostics'
import { resolveDiagOptions } from '../../src/cmds/diag/options.js'
import { runCliCaptured } from '../fixtures/cli.js'

interface Run {
  code: number
  stdout: string
  stderr: string
}

async function run(argv: string[]): Promise<Run> {
  return runCliCaptured(argv)
}

const NOW = Date.now()

function peer(n: number, overrides: Partial<PeerDetails> = {}): PeerDetails {
  return {
    peerId: `12D3KooWPeer${n}`,
    addresses: [`/ip4/10.0.0.${n}/tcp/28680`],
    direction: 'outbound',
    agent: `wes-node/0.1.0`,
    protocols: ['/ipfs/ping/1.0.0'],
    latencyMs: 2,
    connectedSince: NOW - n * 60_000,
    inBytes: 4096,
    outBytes: 512,
    relayed: false,
    connections: 1,
    ...overrides,
  }
}

/** A running node with two peers, as a diagnostics source; `details: false` for an older one. */
function source(details = true): DiagnosticsSource {
  const peers = [peer(2), peer(1, { direction: 'inbound', relayed: true })]
  return {
    snapshot: () => ({
      hostId: '12D3KooWHost',
      peerIds: peers.map((p) => p.peerId),
      connections: 2,
      listenAddrs: [],
      bandwidth: {
        inTotalBytes: 0,
        outTotalBytes: 0,
        inRateBytesPerSecond: 0,
        outRateBytesPerSecond: 0,
      },
      health: {
        reachability: 'private',
        autoNATStatus: 'unknown',
        relay: { enabled: true, server: false, reservations: 0 },
        mdns: { enabled: false, available: false },
      },
      routing: { routingTableSize: 2, mode: 'server', currentMode: 'server', bootstrapPeers: 0 },
    }),
    ...(details
      ? {
          peerDetails: async ({ limit, offset }): Promise<DetailsPage<PeerDetails>> => ({
            total: peers.length,
            limit,
            offset,
            items: peers.slice(offset, offset + limit),
          }),
        }
      : {}),
  }
}

const servers: Server[] = []
afterEach(async () => {
  await Promise.all(
    servers.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))),
  )
})

async function serve(src: DiagnosticsSource): Promise<string> {
  const server = createServer(
    createDiagnosticsApp({ source: src, registry: new Registry() }).callback(),
  )
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return `127.0.0.1:${(server.address() as AddressInfo).port}`
}

describe('diag --verbose options', () => {
  it('asks for a page of peers, connections or routing', () => {
    expect(resolveDiagOptions('peers', { verbose: true }, {}).verbose).toEqual({})
    expect(
      resolveDiagOptions('routing', { verbose: true, limit: 5, offset: 10 }, {}).verbose,
    ).toEqual({ limit: 5, offset: 10 })
    expect(resolveDiagOptions('connections', {}, {}).verbose).toBeUndefined()
  })

  it.each([
    [['diag', 'stats', '--verbose'], '--verbose applies to diag peers, connections, routing only'],
    [['diag', 'health', '--verbose'], '--verbose applies to diag peers, connections, routing only'],
    [['diag', 'peers', '--limit', '5'], '--limit needs --verbose'],
    [['diag', 'peers', '--offset', '5'], '--offset needs --verbose'],
    [['diag', 'peers', '--verbose', '--limit', '0'], 'expected an integer from 1 to 1000'],
    [['diag', 'peers', '--verbose', '--limit', '1001'], 'expected an integer from 1 to 1000'],
    [['diag', 'peers', '--verbose', '--limit', '2.5'], 'expected an integer from 1 to 1000'],
    [['diag', 'peers', '--verbose', '--limit', 'all'], 'expected an integer from 1 to 1000'],
    [
      ['diag', 'routing', '--verbose', '--offset', '-1'],
      'expected an integer from 0 to 1000000000',
    ],
    [['diag', 'peers', '--verbose', '--wait', '5'], '--wait applies to diag health only'],
  ])('%p is a usage error: exit 2, one line', async (argv, message) => {
    const { code, stdout, stderr } = await run([...argv, '--addr', '127.0.0.1:1'])
    expect(code).toBe(2)
    expect(stdout).toBe('')
    expect(stderr.trim().split('\n')).toHaveLength(1)
    expect(stderr).toContain(message)
  })
})

describe('diag --verbose against a node', () => {
  it('prints the peers table, the longest connected first, and exits 0', async () => {
    const addr = await serve(source())
    const { code, stdout, stderr } = await run(['diag', 'peers', '--verbose', '--addr', addr])
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' })
    const lines = stdout.trimEnd().split('\n')
    expect(lines[0]).toBe('peers: 1-2 of 2')
    expect(lines[1]).toMatch(/^PEER +DIR +VIA +CONNECTED +LATENCY +IN +OUT +ADDRS +PROTOS +AGENT$/)
    expect(lines[2]).toMatch(
      /^12D3KooWPeer2 +outbound +direct +2m0\ds +2 ms +4\.0 KiB +512 B +1 +1 +wes-node\/0\.1\.0$/,
    )
    expect(lines[3]).toMatch(/^12D3KooWPeer1 +inbound +relayed +1m0\ds /)
    expect(lines[4]).toBe('(addresses and protocols: --json)')
  })

  it('--limit and --offset page the list; --json prints the raw body', async () => {
    const addr = await serve(source())
    const paged = await run([
      'diag',
      'peers',
      '--verbose',
      '--limit',
      '1',
      '--offset',
      '1',
      '--addr',
      addr,
    ])
    expect(paged.code).toBe(0)
    expect(paged.stdout.split('\n')[0]).toBe('peers: 2-2 of 2')
    expect(paged.stdout).toContain('12D3KooWPeer1')
    expect(paged.stdout).not.toContain('12D3KooWPeer2 ')

    const json = await run(['diag', 'peers', '--verbose', '--limit', '1', '--json', '--addr', addr])
    expect(json.code).toBe(0)
    const body = JSON.parse(json.stdout) as Record<string, unknown>
    expect(body).toMatchObject({ peers: 2, total: 2, limit: 1, offset: 0 })
    expect(body.peer_ids).toEqual(['12D3KooWPeer2', '12D3KooWPeer1'])
    expect(body.peer_details).toEqual([
      expect.objectContaining({ peer_id: '12D3KooWPeer2', direction: 'outbound', in_bytes: 4096 }),
    ])
  })

  it('without --verbose the output is what it always was', async () => {
    const addr = await serve(source())
    const { code, stdout } = await run(['diag', 'peers', '--addr', addr])
    expect(code).toBe(0)
    expect(stdout).toBe('peers  2\npeer_ids\n  12D3KooWPeer2\n  12D3KooWPeer1\n')
  })

  it('a node without the detail: exit 1, one line that says so', async () => {
    const addr = await serve(source(false))
    const { code, stdout, stderr } = await run(['diag', 'peers', '--verbose', '--addr', addr])
    expect(code).toBe(1)
    expect(stdout).toBe('')
    expect(stderr).toBe(
      `wes-node: node answered HTTP 501 at ${addr}: this node has no verbose form of /debug/p2p/peers\n`,
    )
  })
})
