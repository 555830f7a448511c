import { Agent, get } from 'node:http'
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

  it('says at start that the token is on, and counts each 401 in p2p_diagnostics_unauthorized_total', async () => {
    const logs: string[] = []
    const server = await serve(TOKEN, logs)
    expect(logs.join('\n')).toMatch(/require a bearer token on every route/)
    for (const headers of [{}, { authorization: 'Bearer wrong-token-0123456789' }]) {
      expect((await fetch(`${server.url}/debug/p2p/stats`, { headers })).status).toBe(401)
    }
    const res = await fetch(`${server.url}/metrics`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    })
    expect(await res.text()).toMatch(/^p2p_diagnostics_unauthorized_total 2$/m)

    const open: string[] = []
    const plain = await serve(undefined, open)
    expect(open.join('\n')).not.toMatch(/bearer token/)
    // the series is there without a token too, at 0
    expect(await (await fetch(`${plain.url}/metrics`)).text()).toMatch(
      /^p2p_diagnostics_unauthorized_total 0$/m,
    )
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

  it('setToken: the new token works at once, on an open connection too, and the old one gets 401', async () => {
    const server = await serve(TOKEN)
    const next = 'wes-next-token-0123456789abcdef'
    // one keep-alive connection for every request
    const agent = new Agent({ keepAlive: true, maxSockets: 1 })
    const reused: boolean[] = []
    const status = (token?: string): Promise<number> =>
      new Promise((resolve, reject) => {
        const req = get(
          `${server.url}/metrics`,
          { agent, headers: token === undefined ? {} : { authorization: `Bearer ${token}` } },
          (res) => {
            res.resume()
            res.on('end', () => resolve(res.statusCode ?? 0))
          },
        )
        reused.push(req.reusedSocket)
        req.on('error', reject)
      })
    try {
      expect(await status(TOKEN)).toBe(200)
      server.setToken(next)
      expect(await status(TOKEN)).toBe(401)
      expect(await status(next)).toBe(200)
      expect(reused).toEqual([false, true, true])
    } finally {
      agent.destroy()
    }

    // a token that breaks the rule changes nothing
    expect(() => server.setToken('short')).toThrow(
      expect.objectContaining({ code: 'ERR_INIT_INVALID' }),
    )

    // none: every request passes; set again: required again
    const plain = async (token?: string): Promise<number> =>
      (
        await fetch(`${server.url}/metrics`, {
          headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
        })
      ).status
    expect(await plain(next)).toBe(200)
    server.setToken(undefined)
    expect(await plain()).toBe(200)
    server.setToken(TOKEN)
    expect(await plain()).toBe(401)
    expect(await plain(TOKEN)).toBe(200)
  })

  it('setToken on a server without one starts requiring it', async () => {
    const server = await serve()
    expect((await fetch(`${server.url}/metrics`)).status).toBe(200)
    server.setToken(TOKEN)
    expect((await fetch(`${server.url}/metrics`)).status).toBe(401)
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

  it('warns when a token is taken away from a server reachable beyond loopback', async () => {
    const logs: string[] = []
    const server = createDiagnosticsServer(
      { addr: '0.0.0.0:0', token: TOKEN },
      {
        source: createStubSource(),
        registry: new Registry(),
        logger: { info: () => {}, warn: (l) => logs.push(l), error: () => {} },
      },
    )
    servers.push(server)
    await server.start()
    expect(logs).toEqual([expect.stringMatching(/protected by a bearer token/)])
    server.setToken(undefined)
    expect(logs[1]).toMatch(/no longer require a token/)
  })
})
