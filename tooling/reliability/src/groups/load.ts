/**
 * Load and churn against the subject harness (the real CLI in its own process, reporting heap
 * and process warnings over IPC): concurrent scrapes with a ping latency bound, connect/
 * disconnect churn with gauges back to baseline and a heap bound, and a flood of peers up to the
 * connection limit.
 */

import { get, parseMetrics } from '../lib/http.js'
import { loopbackFlags, spawnSubject, started, tempDir } from '../lib/processes.js'
import type { CliProcess, RunningNode } from '../lib/processes.js'
import { createPeer, dial, hangUp, multiaddr, pingOnce } from '../lib/peers.js'
import type { Peer } from '../lib/peers.js'
import { check, percentile, sleep, waitUntil } from '../lib/runner.js'
import type { CaseContext, Suite } from '../lib/runner.js'
import { scrape } from '../lib/scrape.js'

/** p99 of libp2p ping to the node while it is scraped: 2 shared cores, scrapes saturate one. */
const PING_P99_BOUND_MS = 250
/**
 * Heap growth over the churn, after a full GC, measured from after the warm-up cycles. Observed
 * 1-13 MiB for 500 cycles and 7 MiB for 1,500 (no trend with the cycle count: caches and V8
 * noise, not a per-connection leak); a leak of 50 KiB per connection would cross it.
 */
const HEAP_GROWTH_BOUND_BYTES = 24 * 1024 * 1024
const SCRAPE_CONCURRENCY = 8
/** Connect/disconnect cycles per second, over 50 peer addresses (2 per host per second). */
const CHURN_PER_SECOND = 100

async function gauges(node: RunningNode): Promise<{ connections: number; peers: number }> {
  const m = parseMetrics((await get(`${node.diagUrl}/metrics`)).text)
  return {
    connections: m.get('p2p_connections_total') ?? Number.NaN,
    peers: m.get('p2p_peers_total') ?? Number.NaN,
  }
}

async function heapUsed(cli: CliProcess): Promise<number> {
  const reply = await (cli.request as NonNullable<CliProcess['request']>)({ type: 'heap' })
  check(reply.gc === true, 'the subject runs without --expose-gc')
  return reply.heapUsed as number
}

function warnings(cli: CliProcess): string[] {
  const fromIpc = cli.messages
    .filter((m) => m.type === 'warning')
    .map((m) => `${String(m.name)}: ${String(m.message)}`)
  const fromStderr = cli
    .stderr()
    .split('\n')
    .filter((l) => /Warning:/.test(l))
  return [...fromIpc, ...fromStderr]
}

export async function load(suite: Suite, scope: CaseContext): Promise<void> {
  const { loadSeconds, churnCycles } = suite.options
  const dir = await tempDir(scope)
  const cli = spawnSubject(loopbackFlags(dir), scope)
  const node = await started(cli)
  check(cli.request !== undefined, 'the subject has no IPC channel')

  suite.watch('scrapes')
  suite.watch('pings under load')
  await suite.case(
    `${loadSeconds} s of concurrent scrapes of every endpoint: zero errors, ping p99 < ${PING_P99_BOUND_MS} ms`,
    loadSeconds * 1_000 + 60_000,
    async (ctx) => {
      const peer = await createPeer(ctx)
      await dial(peer, node.multiaddr)
      const load = scrape(ctx, {
        baseUrl: node.diagUrl,
        seconds: loadSeconds,
        concurrency: SCRAPE_CONCURRENCY,
        maxRequests: loadSeconds * 20_000,
      })
      const rtts: number[] = []
      let pingFailures = 0
      const deadline = performance.now() + loadSeconds * 1_000
      // one ping every 100 ms: bounded by the duration (and to 10 per second)
      while (performance.now() < deadline && !ctx.signal.aborted) {
        try {
          rtts.push(await pingOnce(peer, node.multiaddr, 5_000))
        } catch {
          pingFailures++
        }
        await sleep(100, ctx.signal)
      }
      const result = await load
      const p50 = percentile(rtts, 50)
      const p99 = percentile(rtts, 99)
      suite.lose('scrapes', result.errors)
      suite.lose('pings under load', pingFailures)
      suite.tally.loadHeld.push(
        `${loadSeconds} s x ${SCRAPE_CONCURRENCY} scrapers: ${result.ok} scrapes (${Math.round(result.ok / loadSeconds)}/s, p99 ${result.p99.toFixed(1)} ms), ${result.errors} errors; ${rtts.length} pings p50 ${p50.toFixed(1)} ms p99 ${p99.toFixed(1)} ms (bound ${PING_P99_BOUND_MS} ms)`,
      )
      check(
        result.errors === 0,
        `${result.errors} scrape errors: ${result.errorSamples.join('; ')}`,
      )
      check(pingFailures === 0, `${pingFailures} pings failed`)
      check(rtts.length >= loadSeconds * 2, `only ${rtts.length} pings in ${loadSeconds} s`)
      check(p99 < PING_P99_BOUND_MS, `ping p99 ${p99.toFixed(1)} ms >= ${PING_P99_BOUND_MS} ms`)
    },
  )

  await suite.case(
    `${churnCycles} connect/disconnect cycles: gauges back to baseline, heap growth < ${HEAP_GROWTH_BOUND_BYTES / 1048576} MiB, no MaxListenersExceeded`,
    churnCycles * 400 + 60_000,
    async (ctx) => {
      const baseline = await waitUntil(
        'a quiet node (no connections)',
        15_000,
        async () => {
          const g = await gauges(node)
          return g.connections === 0 ? g : undefined
        },
        250,
        ctx.signal,
      )
      // a pool of 50 identities on distinct loopback addresses, reconnecting again and again,
      // 5 at a time (each host stays under libp2p's 5 inbound connections per second)
      const pool: Peer[] = []
      for (let i = 0; i < 50; i++)
        pool.push(await createPeer(ctx, { sourceAddress: `127.0.1.${i + 1}` }))
      const target = multiaddr(node.multiaddr)
      let done = 0
      let failures = 0
      const failureSamples: string[] = []
      const warmup = Math.min(100, Math.floor(churnCycles / 5))
      const runCycles = async (count: number): Promise<void> => {
        let next = 0
        const t0 = performance.now()
        await Promise.all(
          Array.from({ length: 5 }, async (_, w) => {
            // worker w owns peers 10w..10w+9 and takes them in turn
            let own = 0
            for (let i = next++; i < count && !ctx.signal.aborted; i = next++) {
              // paced to CHURN_PER_SECOND overall: 50 hosts then stay well under libp2p's 5
              // inbound connections per second per host, which would refuse (reset) the rest
              const due = t0 + (i * 1_000) / CHURN_PER_SECOND - performance.now()
              if (due > 0) await sleep(due, ctx.signal)
              const peer = pool[w * 10 + (own++ % 10)] as Peer
              try {
                await peer.dial(target, { signal: AbortSignal.timeout(10_000) })
                if (i % 10 === 0) await pingOnce(peer, node.multiaddr, 5_000)
                await hangUp(peer, node.multiaddr)
                done++
              } catch (err) {
                failures++
                if (failureSamples.length < 3)
                  failureSamples.push(err instanceof Error ? err.message : String(err))
              }
            }
          }),
        )
      }
      await runCycles(warmup)
      await waitUntil(
        'gauges back after warm-up',
        15_000,
        async () => ((await gauges(node)).connections === baseline.connections ? true : undefined),
        250,
        ctx.signal,
      )
      const heapBefore = await heapUsed(cli)
      const t0 = performance.now()
      await runCycles(churnCycles - warmup)
      const churnMs = performance.now() - t0
      const settled = performance.now()
      const after = await waitUntil(
        'gauges back to baseline',
        20_000,
        async () => {
          const g = await gauges(node)
          return g.connections === baseline.connections && g.peers === baseline.peers
            ? g
            : undefined
        },
        250,
        ctx.signal,
      )
      const settleMs = performance.now() - settled
      const debug = JSON.parse((await get(`${node.diagUrl}/debug/p2p/connections`)).text) as {
        connections: number
      }
      const heapAfter = await heapUsed(cli)
      const growth = heapAfter - heapBefore
      const found = warnings(cli)
      suite.figure(
        `churn: ${done} cycles (${failures} failed) in ${(churnMs / 1000).toFixed(1)} s; gauges ${JSON.stringify(after)} = baseline after ${Math.round(settleMs)} ms; heap ${(heapBefore / 1048576).toFixed(1)} -> ${(heapAfter / 1048576).toFixed(1)} MiB (growth ${(growth / 1048576).toFixed(2)} MiB, bound ${HEAP_GROWTH_BOUND_BYTES / 1048576}); ${found.length} process warnings`,
      )
      check(failures === 0, `${failures} cycles failed: ${failureSamples.join(' | ')}`)
      check(
        debug.connections === baseline.connections,
        `/debug/p2p/connections says ${debug.connections}`,
      )
      check(growth < HEAP_GROWTH_BOUND_BYTES, `heap grew ${(growth / 1048576).toFixed(1)} MiB`)
      check(found.length === 0, `process warnings: ${found.slice(0, 3).join(' | ')}`)
    },
  )

  await suite.case(
    'a flood of 60 peers against maxConnections 30: the limit holds, diagnostics answer, ping works',
    90_000,
    async (ctx) => {
      const floodDir = await tempDir(ctx)
      const limited = spawnSubject([...loopbackFlags(floodDir), '--max-connections', '30'], ctx)
      const subject = await started(limited)
      const watcher = await createPeer(ctx)
      await dial(watcher, subject.multiaddr)
      const flood: Peer[] = []
      for (let i = 0; i < 60; i++)
        flood.push(await createPeer(ctx, { sourceAddress: `127.0.2.${i + 1}` }))
      let maxSeen = 0
      let samples = 0
      let stop = false
      const sampler = (async () => {
        // bounded: one sample per 100 ms until the flood settles, at most 600
        while (!stop && samples < 600 && !ctx.signal.aborted) {
          try {
            const g = await gauges(subject)
            maxSeen = Math.max(maxSeen, g.connections)
            samples++
          } catch {
            // counted below: diagnostics must answer after the flood
          }
          await sleep(100)
        }
      })()
      const target = multiaddr(subject.multiaddr)
      // waves of 10 (libp2p refuses more than 10 inbound handshakes at once), 200 ms apart
      const outcomes: Array<PromiseSettledResult<unknown>> = []
      for (let i = 0; i < flood.length; i += 10) {
        outcomes.push(
          ...(await Promise.allSettled(
            flood
              .slice(i, i + 10)
              .map((p) => p.dial(target, { signal: AbortSignal.timeout(15_000) })),
          )),
        )
        await sleep(200, ctx.signal)
      }
      await sleep(3_000, ctx.signal)
      stop = true
      await sampler
      const accepted = outcomes.filter((o) => o.status === 'fulfilled').length
      const g = await gauges(subject)
      const health = await get(`${subject.diagUrl}/debug/p2p/health`)
      check(health.status === 200, `health ${health.status} after the flood`)
      // the peer that was there first, or any peer still connected, can ping
      const connected = [watcher, ...flood].find((p) =>
        p.getConnections().some((c) => c.remotePeer.toString() === subject.peerId),
      )
      check(connected !== undefined, 'no peer is connected to the node after the flood')
      const rtt = await pingOnce(connected, subject.multiaddr, 5_000)
      const found = warnings(limited)
      suite.figure(
        `flood: 60 peers dialled in waves of 10, ${accepted} dials resolved; max ${maxSeen} connections seen over ${samples} samples (limit 30), ${g.connections} after; ping ${rtt.toFixed(1)} ms; ${found.length} process warnings`,
      )
      check(
        maxSeen <= 30 && g.connections <= 30,
        `the limit did not hold: max ${maxSeen}, now ${g.connections}`,
      )
      check(samples > 10, `only ${samples} diagnostics samples answered during the flood`)
      check(found.length === 0, `process warnings: ${found.slice(0, 3).join(' | ')}`)
    },
  )
}
