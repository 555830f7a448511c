/**
 * `pnpm netlab up <topology>`: builds a named topology and keeps it until Ctrl-C (or SIGTERM),
 * printing each host's namespace and addresses; `pnpm netlab down`: removes the labs (namespaces
 * and working folders) of runs that are gone, leaving running labs alone; `pnpm netlab down --all`:
 * every lab namespace on this machine, running or not; `pnpm netlab list`: the named topologies.
 * Exit codes: 0 ok, 1 failure, 2 usage.
 */

import { labUnavailableReason } from './commands.js'
import { removeAllLabs, removeStaleLabs, startLab } from './lab.js'
import { TOPOLOGIES } from './topologies/index.js'

const USAGE = 'usage: netlab up <topology> | netlab down [--all] | netlab list'

function fail(message: string, code: number): never {
  console.error(`netlab: ${message}`)
  process.exit(code)
}

async function up(name: string | undefined): Promise<void> {
  const entry = name === undefined ? undefined : TOPOLOGIES[name]
  if (entry === undefined) {
    fail(
      `${name === undefined ? 'no topology given' : `unknown topology "${name}"`} (one of: ${Object.keys(TOPOLOGIES).join(', ')})`,
      2,
    )
  }
  const lab = await startLab({ ...entry.build(), name: name! }, { handleSignals: false })
  console.log(`lab ${lab.id}: ${lab.topology.name} is up; Ctrl-C tears it down`)
  for (const host of lab.topology.hosts) {
    const addresses = host.interfaces.map((i) => `${i.address} (${i.segment})`).join(', ')
    console.log(`  ${host.name.padEnd(10)} ${lab.netns(host.name).padEnd(30)} ${addresses}`)
  }
  console.log('run a command on a host: ip netns exec <namespace> <command>')
  // a signal listener alone keeps no handle open: hold the loop until one arrives
  const hold = setInterval(() => undefined, 60_000)
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve)
    process.once('SIGTERM', resolve)
  })
  clearInterval(hold)
  await lab.stop()
  console.log(`lab ${lab.id} removed`)
}

const [command, ...args] = process.argv.slice(2)
const unavailable = labUnavailableReason()
try {
  if (command === 'list') {
    for (const [name, { describe }] of Object.entries(TOPOLOGIES))
      console.log(`${name.padEnd(18)} ${describe}`)
  } else if (command === 'up') {
    if (unavailable !== undefined) fail(unavailable, 1)
    await up(args[0])
  } else if (command === 'down') {
    if (unavailable !== undefined) fail(unavailable, 1)
    const all = args[0] === '--all'
    if (args.length > (all ? 1 : 0)) fail(`unexpected "${args.join(' ')}"; ${USAGE}`, 2)
    // a lab another process runs (a test, a devnet, `netlab up`) is its own: only --all takes it
    const removed = all ? removeAllLabs() : removeStaleLabs()
    console.log(
      removed.length === 0
        ? `no ${all ? '' : 'left-over '}lab namespaces`
        : `removed ${removed.join(', ')}`,
    )
  } else {
    fail(command === undefined ? USAGE : `unknown command "${command}"; ${USAGE}`, 2)
  }
} catch (err) {
  fail((err as Error).message.split('\n')[0] ?? String(err), 1)
}
