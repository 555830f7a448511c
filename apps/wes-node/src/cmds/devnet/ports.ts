import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import { UsageError } from '../../errors.js'

/** Whether a TCP port can be bound on 127.0.0.1 now. */
export function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => {
      server.close(() => resolve(true))
    })
  })
}

/** A port free on 127.0.0.1 now, chosen by the system. */
export function anyFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen({ port: 0, host: '127.0.0.1' }, () => {
      const { port } = server.address() as AddressInfo
      server.close(() => resolve(port))
    })
  })
}

/** A port the devnet wants and what it is for (`diagnostics of node-2`). */
export interface WantedPort {
  port: number
  use: string
}

/** A `UsageError` (exit 2) naming the first wanted port that is in use, before anything starts. */
export async function requireFreePorts(wanted: WantedPort[]): Promise<void> {
  for (const { port, use } of wanted) {
    if (port !== 0 && !(await portFree(port))) {
      throw new UsageError(
        `port ${port} (${use}) is in use on 127.0.0.1; choose other ports (--base-port, --diag-base-port, --prometheus-port)`,
        'ERR_PORT_IN_USE',
      )
    }
  }
}
