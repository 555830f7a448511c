/**
 * The baseline subject of B5 in a process of its own: a bare libp2p node (tcp, noise, yamux,
 * identify, ping; no metrics) on 127.0.0.1. Prints `listening on: <multiaddr>`, stops on SIGTERM.
 * Run with `--import probe.js` like the wes-node subject.
 */

import { createBareNode } from '../lib/nodes.js'

const node = await createBareNode()
process.stdout.write(`listening on: ${node.getMultiaddrs()[0]?.toString() ?? ''}\n`)
const stop = async (): Promise<void> => {
  await node.stop()
  process.exit(0)
}
process.on('SIGTERM', () => void stop())
process.on('SIGINT', () => void stop())
