/**
 * libp2p refuses an inbound connection while as many others are in their handshake as its
 * pending-handshake limit allows (`maxIncomingPendingConnections`, 10 by default, wes-node's
 * `--max-inbound-pending`). 200 stock js-libp2p peers dial one wes-node at the same moment, each
 * from its own loopback address (libp2p also takes at most 5 connections a second from one host):
 * with the limit at 400 every handshake completes; with the default some are refused, and the node
 * counts them in `p2p_inbound_refused_total{reason="pending_limit"}` and its verdict names
 * `inbound_refused`.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import { afterEach, describe, expect, it } from '@jest/globals'
import { resolveOptions } from '@wes/p2p-core'
import { createLogger, createRuntime } from 'wes-node'
import type { Runtime } from 'wes-node'

const PEERS = 200

const runtimes: Runtime[] = []
const dirs: string[] = []

afterEach(async () => {
  await Promise.all(runtimes.splice(0).map((rt) => rt.stop()))
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })))
})

async function runtime(maxInboundPending?: number): Promise<Runtime> {
  const dataDir = await mkdtemp(join(tmpdir(), 'wes-refused-'))
  dirs.push(dataDir)
  const rt = await createRuntime(
    resolveOptions({
      listen: ['/ip4/127.0.0.1/tcp/0'],
      mdns: false,
      autonat: false,
      diagnosticsAddr: '127.0.0.1:0',
      dht: { mode: 'client' },
      dataDir,
      ...(maxInboundPending !== undefined ? { maxInboundPending } : {}),
    }),
    { logger: createLogger({ level: 'silent' }) },
  )
  runtimes.push(rt)
  await rt.start()
  return rt
}

interface Dialled {
  connected: number
  /** Error names of the dials that failed, and how many. */
  errors: Record<string, number>
  ms: number
}

type WorkerMessage =
  | { type: 'ready' }
  | { type: 'stopped' }
  | { type: 'error'; message: string }
  | ({ type: 'dialled' } & Dialled)

/**
 * `count` stock js-libp2p peers in a worker thread (test/fixtures/simultaneous-dialers.mjs), each
 * from its own loopback address from `firstAddress` on, dial the node all at once; `check` runs
 * while they are connected, then every peer stops, and the worker with them.
 */
async function dialAtOnce(
  rt: Runtime,
  count: number,
  firstAddress: string,
  check: (dialled: Dialled) => Promise<void>,
): Promise<void> {
  const target = rt.node.libp2p.getMultiaddrs()[0]
  if (target === undefined) throw new Error('the node listens nowhere')
  const worker = new Worker(new URL('../fixtures/simultaneous-dialers.mjs', import.meta.url), {
    workerData: { target: target.toString(), count, firstAddress },
  })
  const next = (): Promise<WorkerMessage> =>
    new Promise((resolve, reject) => {
      worker.once('message', resolve)
      worker.once('error', reject)
    })
  try {
    const ready = await next()
    if (ready.type !== 'ready')
      throw new Error(`the dialers did not start: ${JSON.stringify(ready)}`)
    worker.postMessage('dial')
    const dialled = await next()
    if (dialled.type !== 'dialled') throw new Error(`unexpected ${JSON.stringify(dialled)}`)
    await check(dialled)
  } finally {
    worker.postMessage('stop')
    await Promise.race([next(), new Promise((resolve) => setTimeout(resolve, 15_000))])
    await worker.terminate()
  }
}

async function metric(rt: Runtime, series: string): Promise<number> {
  const text = await (await fetch(`${rt.diagnostics?.url}/metrics`)).text()
  const line = text.split('\n').find((l) => l.startsWith(`${series} `))
  if (line === undefined) throw new Error(`no ${series}`)
  return Number(line.slice(series.length + 1))
}

interface Health {
  status: string
  reasons: Array<{ code: string; severity: string; message: string; hint: string }>
}

async function health(rt: Runtime): Promise<Health> {
  return (await (await fetch(`${rt.diagnostics?.url}/debug/p2p/health`)).json()) as Health
}

const PENDING = 'p2p_inbound_refused_total{reason="pending_limit"}'

describe(`${PEERS} peers dialling one node at once`, () => {
  it('with --max-inbound-pending 400, every handshake completes and none is refused', async () => {
    const rt = await runtime(400)
    await dialAtOnce(rt, PEERS, '127.0.3.1', async (dialled) => {
      console.log(
        `${PEERS} simultaneous dials, --max-inbound-pending 400: ${JSON.stringify(dialled)}`,
      )
      // a dialler is connected once it sent its part of the handshake; the node finishes its own
      // side just after, the last ones a moment later on a loaded machine (bounded: 15 s)
      const deadline = Date.now() + 15_000
      while (rt.node.snapshot().peerIds.length < PEERS && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
      const snapshot = rt.node.snapshot()
      const opened = await metric(
        rt,
        'p2p_connections_opened_total{direction="inbound",transport="tcp"}',
      )
      // one picture on failure: what the peers saw, what the node opened and still has
      expect({
        connected: dialled.connected,
        errors: dialled.errors,
        opened,
        peers: snapshot.peerIds.length,
      }).toEqual({ connected: PEERS, errors: {}, opened: PEERS, peers: PEERS })
      expect(snapshot.facts.inboundRefused.maxPending).toBe(400)
      expect(Object.values(snapshot.facts.inboundRefused.reasons).map((r) => r.count)).toEqual([
        0, 0, 0, 0,
      ])
      expect(await metric(rt, PENDING)).toBe(0)
      expect((await health(rt)).reasons.map((r) => r.code)).not.toContain('inbound_refused')
    })
  }, 180_000)

  it("with libp2p's default of 10, some are refused: counted as pending_limit, and the verdict says so", async () => {
    const rt = await runtime()
    await dialAtOnce(rt, PEERS, '127.0.4.1', async (dialled) => {
      const refused = rt.node.snapshot().facts.inboundRefused.reasons
      console.log(
        `${PEERS} simultaneous dials, --max-inbound-pending 10: ${JSON.stringify(dialled)}, the node refused ${refused.pending_limit.count} (pending_limit)`,
      )
      // every dial that failed is a connection the node refused for its pending handshakes
      expect(dialled.connected).toBeLessThan(PEERS)
      expect(refused.pending_limit.count).toBe(PEERS - dialled.connected)
      expect(refused.rate_limit.count + refused.max_connections.count + refused.denied.count).toBe(
        0,
      )
      expect(await metric(rt, PENDING)).toBe(PEERS - dialled.connected)
      expect(await metric(rt, 'p2p_health_reason{code="inbound_refused"}')).toBe(1)

      const verdict = await health(rt)
      const reason = verdict.reasons.find((r) => r.code === 'inbound_refused')
      expect(reason).toMatchObject({ severity: 'degraded' })
      expect(reason?.message).toContain(`pending_limit (${PEERS - dialled.connected} since start)`)
      expect(reason?.hint).toContain('--max-inbound-pending')
      expect(verdict.status).toBe('degraded')
    })
  }, 180_000)
})
