import { afterEach, describe, expect, it } from '@jest/globals'
import { Registry } from 'prom-client'
import { createDiagnosticsServer, isLoopbackHost } from '../../src/index.js'
import type { DiagnosticsServer } from '../../src/index.js'
import { createStubSource } from '../unit/stub-source.js'

const TOKEN = 'wes-test-token-0123456789abcdef'
const PATHS = [
  '/metrics',
  '/debug/p2p/peers',
  '/debug/p2p/connections',
  '/debug/p2p/stats',
  '/debug/p2p/health',
  '/debug/p2p/routing',
  '/nope',
]

let servers: DiagnosticsServer[] = []
afterEach(async () => {
  await Promise.all(servers.map((server) => server.stop()))
  servers = []
})

async function serve(token?: string, logs: string[] = []): Promise<DiagnosticsServer> {
  const log = (line: string): number => logs.push(line)
  const server = createDiagnosticsServer(
    { addr: '127.0.0.1:0', ...(token !== undefined ? { token } : {}) },
    {
      source: createStubSource(),
      registry: new Registry(),
      logger: { info: log, warn: log, error: log },
    },
  )
  servers.push(server)
  await server.start()
  return server
}

describe('bearer token', () => {
  it.each(PATHS)('protects %s: 401 JSON without or with a wrong token', async (path) => {
    const server = await serve(TOKEN)
    for (const headers of [
      {},
      { authorization: 'Bearer wrong-token-0123456789' },
      { authorization: TOKEN },
      { authorization: `Basic ${TOKEN}` },
    ]) {
      const res = await fetch(server.url + path, { headers })
      expect(res.status).toBe(401)
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="wes-node"')
      expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8')
      const body = (await res.json()) as { error: string; message: string }
      expect(body.error).toBe('unauthorized')
      expect(JSON.stringify(body)).not.toContain(TOKEN)
    }
  })

  it('serves every route with the right token', async () => {
    const server = await serve(TOKEN)
    for (const path of PATHS) {
      const res = await fetch(server.url + path, { headers: { authorization: `Bearer ${TOKEN}` } })
      expect(res.status).toBe(path === '/nope' ? 404 : 200)
    }
  })

  it('is optional: without one every route answers', async () => {
    const server = await serve()
    expect((await fetch(`${server.url}/metrics`)).status).toBe(200)
  })

  it('refuses a short or whitespace token at creation', () => {
    for (const token of ['short', 'has whitespace in the middle!!']) {
      expect(() =>
        createDiagnosticsServer(
          { addr: '127.0.0.1:0', token },
          { source: createStubSource(), registry: new Registry() },
        ),
      ).toThrow(expect.objectContaining({ code: 'ERR_INIT_INVALID' }))
    }
  })
})

describe('binding', () => {
  it('tells loopback hosts apart', () => {
    expect(isLoopbackHost('127.0.0.1')).toBe(true)
    expect(isLoopbackHost('127.8.9.10')).toBe(true)
    expect(isLoopbackHost('::1')).toBe(true)
    expect(isLoopbackHost('localhost')).toBe(true)
    expect(isLoopbackHost('0.0.0.0')).toBe(false)
    expect(isLoopbackHost('::')).toBe(false)
    expect(isLoopbackHost('192.168.1.2')).toBe(false)
  })

  it('warns when it listens beyond loopback', async () => {
    const logs: string[] = []
    const server = createDiagnosticsServer(
      { addr: '0.0.0.0:0' },
      {
        source: createStubSource(),
        registry: new Registry(),
        logger: { info: () => {}, warn: (l) => logs.push(l), error: () => {} },
      },
    )
    servers.push(server)
    await server.start()
    expect(logs).toHaveLength(1)
    expect(logs[0]).toMatch(/reachable beyond this machine on 0\.0\.0\.0:0 without a token/)

    const quiet: string[] = []
    await serve(undefined, quiet)
    expect(quiet.some((line) => line.includes('beyond this machine'))).toBe(false)
  })
})
