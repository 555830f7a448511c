/**
 * The baseline subject of B5 and B8 in a process of its own: a bare libp2p node (tcp, noise,
 * yamux, identify, ping; no metrics) on 127.0.0.1. Prints `listening on: <multiaddr>`, stops on
 * SIGTERM. `--max-connections <n>` raises libp2p's limit (300) for B8's 1,000 peers. Run with
 * `--import probe.js` like the wes-node subject; over IPC, `{type: 'peers'}` answers
 * `{type: 'peers', peers: <connected peers>}`.
 */

import { createBareNode } from '../lib/nodes.js'

const at = process.argv.indexOf('--max-connections')
const maxConnections = at >= 0 ? Number(process.argv[at + 1]) : undefined
const node = await createBareNode(maxConnections !== undefined ? { maxConnections } : {})
process.stdout.write(`listening on: ${node.getMultiaddrs()[0]?.toString() ?? ''}\n`)
const stop = async (): Promise<void> => {
  await node.stop()
  process.exit(0)
}
// the probe answers `report` and `reset`; this answers how many peers the node holds
process.on('message', (message: { type?: string }) => {
  if (message.type === 'peers') process.send?.({ type: 'peers', peers: node.getPeers().length })
})
process.on('SIGTERM', () => void stop())
process.on('SIGINT', () => void stop())
