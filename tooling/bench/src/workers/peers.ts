/**
 * A swarm of peers in a process of its own: `peers.js <target multiaddr> <count>` connects
 * `count` bare libp2p nodes to the target, each from its own 127.0.x.y address, prints
 * `connected <count>` (or `error <message>`), and stops them all on SIGTERM.
 */

import { PeerSwarm } from '../lib/nodes.js'

const [target, countText = '100'] = process.argv.slice(2)
if (target === undefined) {
  process.stderr.write('usage: peers.js <target multiaddr> [count]\n')
  process.exit(2)
}
const swarm = new PeerSwarm()
let stopping = false
const stop = async (): Promise<void> => {
  if (stopping) return
  stopping = true
  const timer = setTimeout(() => process.exit(1), 10_000)
  await swarm.stop()
  clearTimeout(timer)
  process.exit(0)
}
process.on('SIGTERM', () => void stop())
process.on('SIGINT', () => void stop())
try {
  await swarm.grow(Number(countText), target)
  const open = swarm.peers.filter((p) => p.getConnections().length > 0).length
  process.stdout.write(`connected ${open}\n`)
} catch (err) {
  process.stdout.write(`error ${err instanceof Error ? err.message : String(err)}\n`)
}
// stay up until told to stop
setInterval(() => {}, 60_000)
