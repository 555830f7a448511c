import { afterEach, describe, expect, it } from '@jest/globals'
import { Agent, createServer, request } from 'node:http'
import type { Server } from 'node:http'
import { connect } from 'node:net'
import type { AddressInfo, Socket } from 'node:net'
import { Registry } from 'prom-client'
import { createDiagnosticsServer, createP2PMetrics } from '../../src/index.js'
import type { DiagnosticsServer, DiagnosticsServerInit } from '../../src/index.js'
import { createStubSource } from '../unit/stub-source.js'

const cleanups: Array<() => Promise<void>> = []

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

interface LogLines {
  info: string[]
  warn: string[]
  error: string[]
}

function startable(init: Partial<DiagnosticsServerInit> = {}): {
  server: DiagnosticsServer
  logs: LogLines
} {
  const registry = new Registry()
  const source = createStubSource()
  createP2PMetrics(registry, { source })
  const logs: LogLines = { info: [], warn: [], error: [] }
  const logger = {
    info: (m: string) => logs.info.push(m),
    warn: (m: string) => logs.warn.push(m),
    error: (m: string) => logs.error.push(m),
  }
  const server = createDiagnosticsServer(
    { addr: '127.0.0.1:0', ...init },
    { source, registry, logger },
  )
  cleanups.push(() => server.stop())
  return { server, logs }
}

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (err) {
    return err
  }
  throw new Error('expected a rejection')
}

/** Resolves with how long `promise` took, or rejects after `limitMs`. */
async function within<T>(limitMs: number, promise: Promise<T>): Promise<number> {
  const started = performance.now()
  let timer: NodeJS.Timeout | undefined
  await Promise.race([
    promise,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`not settled within ${limitMs} ms`)), limitMs)
    }),
  ]).finally(() => clearTimeout(timer))
  return performance.now() - started
}

describe('createDiagnosticsServer', () => {
  it('listens on the real port, answers, and reports url and address', async () => {
    const { server, logs } = startable()
    expect(server.address()).toBeUndefined()
    expect(() => server.url).toThrow(expect.objectContaining({ code: 'ERR_NOT_STARTED' }))

    await server.start()
    const address = server.address()
    expect(address?.host).toBe('127.0.0.1')
    expect(address?.port).toBeGreaterThan(0)
    expect(server.url).toBe(`http://127.0.0.1:${address?.port}`)
    expect(logs.info).toContain(`diagnostics listening on ${server.url}`)

    const res = await fetch(`${server.url}/debug/p2p/connections`)
    expect(await res.json()).toEqual({ connections: 5 })
    expect((await fetch(`${server.url}/metrics`)).status).toBe(200)
  })

  it('start and stop are idempotent, and the server can start again', async () => {
    const { server } = startable()
    await Promise.all([server.start(), server.start()])
    const port = server.address()?.port
    await server.start()
    expect(server.address()?.port).toBe(port)

    await Promise.all([server.stop(), server.stop()])
    await server.stop()
    expect(server.address()).toBeUndefined()
    await expect(fetch(`http://127.0.0.1:${port}/metrics`)).rejects.toThrow()

    await server.start()
    expect((await fetch(`${server.url}/metrics`)).status).toBe(200)
    await server.stop()
  })

  it('stop() before start() resolves', async () => {
    const { server } = startable()
    await server.stop()
    expect(server.address()).toBeUndefined()
  })

  it('rejects with ERR_ADDR_IN_USE when the address is taken', async () => {
    const blocker: Server = createServer()
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve))
    cleanups.push(() => new Promise<void>((resolve) => blocker.close(() => resolve())))
    const { port } = blocker.address() as AddressInfo

    const { server } = startable({ addr: `127.0.0.1:${port}` })
    const err = await caught(server.start())
    expect(err).toMatchObject({
      name: 'DiagnosticsServerError',
      code: 'ERR_ADDR_IN_USE',
      message: `diagnostics address 127.0.0.1:${port} is already in use`,
    })
    expect(server.address()).toBeUndefined()
    await server.stop()
  })

  it('rejects with ERR_ADDR_INVALID on a bad address', async () => {
    for (const addr of ['127.0.0.1', 'localhost:99999', '::1:80']) {
      const { server } = startable({ addr })
      expect(await caught(server.start())).toMatchObject({
        name: 'DiagnosticsServerError',
        code: 'ERR_ADDR_INVALID',
      })
    }
  })

  it('rejects with ERR_INIT_INVALID on bad limits', async () => {
    const { server } = startable({ headersTimeoutMs: 60_000, requestTimeoutMs: 1_000 })
    expect(await caught(server.start())).toMatchObject({ code: 'ERR_INIT_INVALID' })
    const { server: negative } = startable({ maxConnections: -1 })
    expect(await caught(negative.start())).toMatchObject({ code: 'ERR_INIT_INVALID' })
  })

  it('stop() closes idle keep-alive connections promptly', async () => {
    const { server } = startable({ keepAliveTimeoutMs: 60_000 })
    await server.start()
    const { port } = server.address() ?? { port: 0 }
    const agent = new Agent({ keepAlive: true, maxSockets: 1 })
    cleanups.push(async () => agent.destroy())

    const socket = await new Promise<Socket>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/debug/p2p/peers', agent }, (res) => {
        res.resume()
        res.on('end', () => resolve(req.socket as Socket))
      })
      req.on('error', reject)
      req.end()
    })
    expect(isOpen(socket)).toBe(true)
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()))

    const stopMs = await within(2_000, server.stop())
    await within(1_000, closed)
    expect(stopMs).toBeLessThan(2_000)
  })

  it('stop() does not wait for a client stuck in the middle of its headers', async () => {
    const { server } = startable()
    await server.start()
    const { port } = server.address() ?? { port: 0 }
    const socket = connect(port, '127.0.0.1')
    cleanups.push(async () => void socket.destroy())
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()))
    socket.write('GET /metrics HTTP/1.1\r\nHost: x\r\n')
    await new Promise((resolve) => setTimeout(resolve, 50))
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()))

    await within(2_000, server.stop())
    await within(1_000, closed)
  })

  it('logs unexpected route errors on the logger, one line without a stack', async () => {
    const registry = new Registry()
    const errors: string[] = []
    const server = createDiagnosticsServer(
      { addr: '127.0.0.1:0' },
      {
        source: {
          snapshot() {
            throw new Error('adapter broke')
          },
        },
        registry,
        logger: { info: () => {}, warn: () => {}, error: (m) => errors.push(m) },
      },
    )
    cleanups.push(() => server.stop())
    await server.start()
    const res = await fetch(`${server.url}/debug/p2p/health`)
    expect(res.status).toBe(500)
    expect(errors).toEqual(['diagnostics request failed: adapter broke'])
  })

  it('listens on IPv6 loopback when the host has it', async () => {
    const { server } = startable({ addr: '[::1]:0' })
    const err = await server.start().then(
      () => undefined,
      (e: unknown) => e,
    )
    if (err !== undefined) {
      // no IPv6 on this machine: the failure must still be typed
      expect(err).toMatchObject({ name: 'DiagnosticsServerError' })
      return
    }
    expect(server.url).toMatch(/^http:\/\/\[::1\]:\d+$/)
    expect((await fetch(`${server.url}/metrics`)).status).toBe(200)
  })
})

/** An idle socket kept by the agent for reuse. */
function isOpen(socket: Socket): boolean {
  return !socket.destroyed && socket.readyState === 'open'
}
