import { createServer } from 'node:http'
import type { RequestListener, Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { formatHostPort } from '../../src/index.js'

/** In-process HTTP servers on loopback, closed together (call `closeAll()` in `afterEach`). */
export interface LoopbackServers {
  /** Listens on a free port of `host` (default 127.0.0.1); resolves with `host:port`. */
  listen(handler: RequestListener, host?: string): Promise<string>
  /** Closes the most recent server, so its port refuses connections. */
  closeLast(): Promise<void>
  /** Closes every server and its connections. */
  closeAll(): Promise<void>
}

function close(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve())
    server.closeAllConnections()
  })
}

export function createLoopbackServers(): LoopbackServers {
  let servers: Server[] = []
  return {
    async listen(handler, host = '127.0.0.1') {
      const server = createServer(handler)
      servers.push(server)
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject)
        server.listen(0, host, resolve)
      })
      return formatHostPort({ host, port: (server.address() as AddressInfo).port })
    },
    async closeLast() {
      const server = servers.pop()
      if (server !== undefined) await close(server)
    },
    async closeAll() {
      await Promise.all(servers.map(close))
      servers = []
    },
  }
}
