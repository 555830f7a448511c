/**
 * A swarm of peers in a process of its own: `peers.js <target multiaddr>[,<target>...] <count>
 * [--first <index>] [--distinct] [--concurrency <dials>]` connects `count` bare libp2p nodes to
 * every target, each from its own 127.0.x.y address (peer `--first` on), dials again what a
 * loaded machine closed meanwhile, prints `connected <count> (per target: ...)` (or `error
 * <message>`), keeps dialling again what closes later, and stops them all on SIGTERM. With
 * `--distinct` every peer announces an agent and serves a protocol of its own.
 */

import { PeerSwarm } from '../lib/nodes.js'

const args = process.argv.slice(2)
const option = (name: string): string | undefined => {
  const at = args.indexOf(name)
  return at >= 0 ? args[at + 1] : undefined
}
const [targetText, countText = '100'] = args
if (targetText === undefined) {
  process.stderr.write(
    'usage: peers.js <target multiaddr>[,<target>...] [count] [--first <index>] [--distinct] [--concurrency <dials>]\n',
  )
  process.exit(2)
}
const targets = targetText.split(',')
const swarm = new PeerSwarm({
  firstIndex: Number(option('--first') ?? 0),
  distinct: args.includes('--distinct'),
})
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
  const concurrency = Number(option('--concurrency') ?? 8)
  const failures = await swarm.grow(
    Number(countText),
    targets,
    concurrency,
    (n, of) => {
      if (n % 50 === 0 && n < of) process.stdout.write(`dialled ${n} of ${of}\n`)
    },
    true,
  )
  // dials that failed, and connections a loaded machine closed meanwhile (a ping timed out)
  for (let pass = 0; pass < 3 && swarm.connectedTo(targets.length) < swarm.peers.length; pass++) {
    await new Promise((resolve) => setTimeout(resolve, 1_000))
    const again = await swarm.reconnect(targets, concurrency)
    process.stdout.write(`redialled ${again.dials}, ${again.failures.length} failed\n`)
    failures.splice(0, failures.length, ...again.failures)
  }
  const perTarget = targets.map((t) => swarm.connectedToPeer(t.split('/p2p/')[1] ?? ''))
  const connected = swarm.connectedTo(targets.length)
  process.stdout.write(
    connected < swarm.peers.length && failures[0] !== undefined
      ? `error ${connected} of ${swarm.peers.length} connected (per target: ${perTarget.join(', ')}); ${failures[0].message}\n`
      : `connected ${connected} (per target: ${perTarget.join(', ')})\n`,
  )
} catch (err) {
  process.stdout.write(`error ${err instanceof Error ? err.message : String(err)}\n`)
}
// until told to stop, connect again what closes (a ping that timed out on a loaded machine), as
// real peers would: a subject counts every peer again within seconds
let healing = false
setInterval(() => {
  if (healing || stopping || swarm.connectedTo(targets.length) === swarm.peers.length) return
  healing = true
  void swarm
    .reconnect(targets, 2)
    .then(({ dials }) => process.stdout.write(`redialled ${dials}\n`))
    .catch(() => {})
    .finally(() => {
      healing = false
    })
}, 5_000)
