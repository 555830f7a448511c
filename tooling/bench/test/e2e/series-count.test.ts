/**
 * What a user of `/metrics` relies on at scale: the number of series does not grow with the
 * number of peers, even when every peer announces an agent and a protocol of its own. The
 * subject is the runtime `wes-node start` composes (the p2p metrics, per-protocol bytes,
 * connection and dial metrics, runtime metrics, libp2p's own metrics); the peers run in worker
 * processes from `dist/` (`pnpm test` builds first), each dialling from its own 127.0.x.y
 * address. The families of `ACTIVITY_FAMILIES` fill their fixed label sets as the node works
 * (a GC kind, a protocol's first stream, the first ping), so 10 peers may not have shown all of
 * it yet: they are held to carrying no peer's agent or protocol, like every other family.
 */

import { afterEach, expect, test } from '@jest/globals'
import { startScaleSwarm } from '../../src/lib/scale-swarm.js'
import type { ScaleSwarm } from '../../src/lib/scale-swarm.js'
import { ACTIVITY_FAMILIES, seriesByFamily, seriesChanges } from '../../src/lib/series.js'
import { createSubjectRuntime } from '../../src/lib/subject.js'
import { TempDirs, httpGet, waitFor } from '../../src/lib/util.js'
import type { Runtime } from 'wes-node'

const FEW = 10
const MANY = 1_000

const dirs = new TempDirs()
const swarms: ScaleSwarm[] = []
let runtime: Runtime | undefined

afterEach(async () => {
  await Promise.all(swarms.splice(0).map(async (swarm) => swarm.stop()))
  await runtime?.stop()
  runtime = undefined
  await dirs.removeAll()
})

/** Connected peers whose agent and protocols identify told the node: `wes-bench-peer/<i>`. */
async function identifiedPeers(
  node: Runtime['node'],
): Promise<{ agents: number; protocols: number }> {
  const agents = new Set<string>()
  const protocols = new Set<string>()
  const decoder = new TextDecoder()
  for (const peerId of node.libp2p.getPeers()) {
    const peer = await node.libp2p.peerStore.get(peerId).catch(() => undefined)
    const agent = peer?.metadata.get('AgentVersion')
    if (agent !== undefined && decoder.decode(agent).startsWith('wes-bench-peer/'))
      agents.add(decoder.decode(agent))
    for (const protocol of peer?.protocols ?? []) {
      if (protocol.startsWith('/wes-bench/peer-')) protocols.add(protocol)
    }
  }
  return { agents: agents.size, protocols: protocols.size }
}

async function peersIdentified(rt: Runtime, count: number): Promise<void> {
  await waitFor(
    async () => {
      const seen = await identifiedPeers(rt.node)
      return seen.agents >= count && seen.protocols >= count
    },
    `${count} peers connected and identified`,
    { timeoutMs: 30_000, intervalMs: 250 },
  )
}

async function scrape(rt: Runtime): Promise<string> {
  const { status, body } = await httpGet(`${rt.diagnostics?.url ?? ''}/metrics`)
  expect(status).toBe(200)
  return body
}

test(`/metrics has as many series with ${MANY} peers, each with its own agent and protocol, as with ${FEW}`, async () => {
  runtime = await createSubjectRuntime(await dirs.make(), { maxConnections: MANY + 200 })
  await runtime.start()
  const target = runtime.node.libp2p.getMultiaddrs()[0]?.toString() ?? ''

  swarms.push(
    await startScaleSwarm({ targets: [target], count: FEW, workers: 1, timeoutMs: 30_000 }),
  )
  await peersIdentified(runtime, FEW)
  const few = seriesByFamily(await scrape(runtime))

  swarms.push(
    await startScaleSwarm({
      targets: [target],
      count: MANY - FEW,
      firstIndex: FEW,
      workers: 4,
      timeoutMs: 75_000,
    }),
  )
  await peersIdentified(runtime, MANY)
  const body = await scrape(runtime)
  const many = seriesByFamily(body)

  expect(runtime.node.libp2p.getPeers()).toHaveLength(MANY)
  expect(body).not.toMatch(/wes-bench-peer|\/wes-bench\/peer-/)
  // every family that changed, with its series count with few and many peers
  const changed = Object.entries(seriesChanges(few, many)).filter(
    ([family]) => !ACTIVITY_FAMILIES.includes(family),
  )
  expect(Object.fromEntries(changed)).toEqual({})
}, 115_000)
