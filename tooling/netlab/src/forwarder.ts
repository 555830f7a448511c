/**
 * Runs inside a lab namespace: accepts connections on a Unix socket and forwards each to a TCP
 * address inside that namespace. Unix sockets live in the file system, which the namespaces
 * share, so a test reaches a lab node's diagnostics without any network link between the lab
 * and the machine.
 *
 * Usage: node forwarder.js <socket path> <host> <port>; prints `ready` once listening.
 */

import { createServer, connect } from 'node:net'
import { rmSync } from 'node:fs'

const [socketPath, host, portText] = process.argv.slice(2)
const port = Number(portText)
if (socketPath === undefined || host === undefined || !Number.isInteger(port)) {
  console.error('usage: forwarder <socket path> <host> <port>')
  process.exit(2)
}

const server = createServer((client) => {
  const upstream = connect(port, host)
  const close = (): void => {
    client.destroy()
    upstream.destroy()
  }
  client.on('error', close).on('close', close)
  upstream.on('error', close).on('close', close)
  client.pipe(upstream).pipe(client)
})
server.on('error', (err) => {
  console.error(`forwarder: ${err.message}`)
  process.exit(1)
})
rmSync(socketPath, { force: true })
server.listen(socketPath, () => console.log('ready'))
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.close()
    rmSync(socketPath, { force: true })
    process.exit(0)
  })
}
