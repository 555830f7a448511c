/**
 * The baseline subject of B5 and B8 in a process of its own: a bare libp2p node (tcp, noise,
 * yamux, identify, ping; no metrics) on 127.0.0.1. Prints `listening on: <multiaddr>`, stops on
 * SIGTERM. `--max-connections <n>` raises libp2p's limit (300) for B8's 1,000 peers. Run with
 * `--import probe.js` like the wes-node subject; over IPC, `{type: 'peers'}` answers
 * `{type: 'peers', peers: <connected peers>}`, and `{type: 'monitor', paused}` makes libp2p's
 * connection monitor skip its rounds (or ping again), answered by `{type: 'monitor', paused}`.
 */

import { createBareNode } from '../lib/nodes.js'

const at = process.argv.indexOf('--max-connections')
const maxConnections = at >= 0 ? Number(process.argv[at + 1]) : undefined
const node = await createBareNode(maxConnections !== undefined ? { maxConnections } : {})
process.stdout.write(`listening on: ${node.getMultiaddrs()[0]?.toString() ?? ''}\n`)

/**
 * B8 measures wes-node while this node waits at the lowest priority, but libp2p's monitor would
 * still ping all 1,000 peers at once every 10 s, and the peers (at normal priority) answer them
 * all at once, taking the cores from the node being measured. Paused, a round finds no
 * connections: its timer keeps its phase, so each 10 s window of this node still holds one whole
 * round, and nothing in flight is aborted (stopping the monitor would abort the round's pings and
 * with them their connections). libp2p has no switch for this; the monitor reads its connections
 * through the components it was given, so it is given a view of them.
 */
let monitorPaused = false
const monitor = (node as unknown as { components: { connectionMonitor?: { components: object } } })
  .components.connectionMonitor
if (monitor !== undefined) {
  const noConnections = { getConnections: () => [] }
  monitor.components = new Proxy(monitor.components, {
    get: (target, prop, receiver) =>
      monitorPaused && prop === 'connectionManager'
        ? noConnections
        : Reflect.get(target, prop, receiver),
  })
}
const stop = async (): Promise<void> => {
  await node.stop()
  process.exit(0)
}
// the probe answers `report` and `reset`; this answers how many peers the node holds
process.on('message', (message: { type?: string; paused?: boolean }) => {
  if (message.type === 'peers') process.send?.({ type: 'peers', peers: node.getPeers().length })
  if (message.type === 'monitor') {
    // without the monitor where libp2p 3.3 keeps it, nothing is paused, and the answer says so
    monitorPaused = monitor !== undefined && message.paused === true
    process.send?.({ type: 'monitor', paused: monitorPaused })
  }
})
process.on('SIGTERM', () => void stop())
process.on('SIGINT', () => void stop())
