/**
 * Faults: ports in use, every bootstrap peer down then back, no multicast, SIGTERM at awkward
 * moments, SIGKILL and restart. Each case is a fault the node must survive.
 */

import { createServer } from 'node:net'
import type { Server } from 'node:net'
import { readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { freePort, get, parseMetrics, rawExchange } from '../lib/http.js'
import { createNetns, netnsAvailable } from '../lib/netns.js'
import { loopbackFlags, runCli, spawnCli, started, tempDir } from '../lib/processes.js'
import { createPeer, dial, generateKeyPair, multiaddr, pingOnce, stopPeer } from '../lib/peers.js'
import { check, sleep, waitUntil } from '../lib/runner.js'
import type { CaseContext, Suite } from '../lib/runner.js'

/** A clean stop must finish within this (the bound). */
const STOP_BOUND_MS = 5_000

async function occupy(port: number, ctx: CaseContext): Promise<Server> {
  const server = createServer((socket) => socket.destroy())
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', resolve)
  })
  ctx.defer(() => new Promise((resolve) => server.close(resolve)))
  return server
}

async function refused(port: number): Promise<boolean> {
  const exchange = await rawExchange(
    port,
    'GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    2_000,
  )
  return exchange.error === 'ECONNREFUSED'
}

/** The bytes of the node's identity key file in `dataDir`. */
async function identityKey(dataDir: string): Promise<Buffer> {
  return readFile(join(dataDir, 'identity.key'))
}

/** A node started on loopback in a fresh data directory, with its identity key as first written. */
async function startedNode(ctx: CaseContext) {
  const dir = await tempDir(ctx)
  const cli = spawnCli(['start', ...loopbackFlags(dir)], ctx)
  const node = await started(cli)
  return { dir, cli, node, key: await identityKey(dir) }
}

/** Creates an identity in `dataDir` by running the node once; returns the peer id and key bytes. */
async function firstRun(
  dataDir: string,
  ctx: CaseContext,
): Promise<{ peerId: string; key: Buffer }> {
  const cli = spawnCli(['start', ...loopbackFlags(dataDir)], ctx)
  const node = await started(cli)
  check((await cli.stop('SIGTERM', STOP_BOUND_MS)) === 0, 'first run did not exit 0')
  return { peerId: node.peerId, key: await identityKey(dataDir) }
}

async function metric(url: string, name: string): Promise<number> {
  const response = await get(`${url}/metrics`)
  return parseMetrics(response.text).get(name) ?? Number.NaN
}

export async function faults(suite: Suite, _scope: CaseContext): Promise<void> {
  // One port taken, the other free: the start fails with one line and leaves nothing listening.
  const portInUse = [
    {
      title: 'libp2p port in use: exit 1, one clear line, diagnostics port not left open',
      taken: 'p2p' as const,
      message: /wes-node: .*already in use/,
      leftOpen: 'the diagnostics port still answers after the failed start',
    },
    {
      title: 'diagnostics port in use: exit 1, one clear line, libp2p not started',
      taken: 'diag' as const,
      message: /wes-node: diagnostics address .* already in use/,
      leftOpen: 'the libp2p port answers after the failed start',
    },
  ]
  for (const { title, taken, message, leftOpen } of portInUse) {
    await suite.case(
      title,
      30_000,
      async (ctx) => {
        const ports = { p2p: await freePort(), diag: await freePort() }
        await occupy(ports[taken], ctx)
        const dir = await tempDir(ctx)
        const result = await runCli(
          [
            'start',
            ...loopbackFlags(dir, {
              listen: `/ip4/127.0.0.1/tcp/${ports.p2p}`,
              diagnosticsAddr: `127.0.0.1:${ports.diag}`,
            }),
          ],
          ctx,
        )
        check(result.code === 1, `exit ${result.code}, expected 1; stderr ${result.stderr}`)
        const lines = result.stderr.trim().split('\n')
        check(lines.length === 1 && message.test(lines[0] ?? ''), `stderr: ${result.stderr}`)
        check(!result.stdout.includes('peer id:'), 'the node announced itself')
        check(await refused(taken === 'p2p' ? ports.diag : ports.p2p), leftOpen)
      },
      { fault: true },
    )
  }

  await suite.case(
    'every bootstrap peer down: attempts rise with backoff at a bounded rate; a peer comes back and connects',
    60_000,
    async (ctx) => {
      // two bootstrap peers with fixed identities and ports, down at first
      const keys = await Promise.all([generateKeyPair('Ed25519'), generateKeyPair('Ed25519')])
      const ports = [await freePort(), await freePort()]
      const probe = await Promise.all(
        keys.map((privateKey, i) =>
          createPeer(ctx, { privateKey, listen: [`/ip4/127.0.0.1/tcp/${ports[i]}`] }),
        ),
      )
      const addrs = probe.map((p, i) => `/ip4/127.0.0.1/tcp/${ports[i]}/p2p/${p.peerId.toString()}`)
      await Promise.all(probe.map(stopPeer))

      const dir = await tempDir(ctx)
      const intervalMs = 200
      const maxIntervalMs = 1_600
      await writeFile(
        join(dir, 'config.json'),
        JSON.stringify({
          bootstrap: addrs,
          discovery: {
            minPeers: 1,
            bootstrapIntervalMs: intervalMs,
            bootstrapMaxIntervalMs: maxIntervalMs,
            dialTimeoutMs: 1_000,
          },
        }),
      )
      const cli = spawnCli(
        ['start', ...loopbackFlags(join(dir, 'data')), '--config', join(dir, 'config.json')],
        ctx,
      )
      const node = await started(cli)
      const t0 = performance.now()
      const samples: Array<{ t: number; attempts: number }> = []
      const watchMs = 8_000
      while (performance.now() - t0 < watchMs && !ctx.signal.aborted) {
        samples.push({
          t: performance.now() - t0,
          attempts: await metric(node.diagUrl, 'p2p_discovery_bootstrap_attempt_total'),
        })
        await sleep(250, ctx.signal)
      }
      const attempts = samples.at(-1)?.attempts ?? 0
      const successes = await metric(node.diagUrl, 'p2p_discovery_bootstrap_success_total')
      // schedule: 1 initial round + rounds at 200, 400, 800, 1600, 1600... ms (+-20 %, plus the
      // dial time): in 8 s at most 1 + ceil(8000 / (0.8 * 200)) rounds even without backoff;
      // with backoff about 1 + 3 + (8000 - 1400) / 1600 ~ 8 rounds; allow 12 rounds of 2 dials
      const maxRounds = 12
      check(attempts >= 2 * 4, `attempts did not rise: ${attempts} in ${watchMs} ms`)
      check(
        attempts <= 2 * maxRounds,
        `dial rate not bounded: ${attempts} attempts in ${watchMs} ms (bound ${2 * maxRounds})`,
      )
      check(successes === 0, `successes moved with every peer down: ${successes}`)
      // backoff: the second half of the window sees fewer attempts than the first
      const half = samples.find((s) => s.t >= watchMs / 2)?.attempts ?? 0
      check(
        attempts - half <= half,
        `no backoff: ${half} attempts in the first half, ${attempts - half} in the second`,
      )
      check(cli.exitInfo === undefined, 'the node exited')

      // one bootstrap peer comes back on its address
      const back = await createPeer(ctx, {
        privateKey: keys[0],
        listen: [`/ip4/127.0.0.1/tcp/${ports[0]}`],
      })
      const backAt = performance.now()
      await waitUntil(
        'bootstrap success after the peer came back',
        maxIntervalMs * 1.2 + 1_000 + 8_000,
        async () =>
          (await metric(node.diagUrl, 'p2p_discovery_bootstrap_success_total')) >= 1
            ? true
            : undefined,
        250,
        ctx.signal,
      )
      const reconnectMs = performance.now() - backAt
      const peers = JSON.parse((await get(`${node.diagUrl}/debug/p2p/peers`)).text) as {
        peer_ids: string[]
      }
      check(
        peers.peer_ids.includes(back.peerId.toString()),
        'the returned bootstrap peer is not among the peers',
      )
      check((await cli.stop('SIGTERM', STOP_BOUND_MS)) === 0, 'no clean exit')
      suite.figure(
        `bootstrap down: ${attempts} attempts in ${watchMs / 1000} s (bound ${2 * maxRounds}; ${half} in the first half), 0 successes; reconnected ${(reconnectMs / 1000).toFixed(1)} s after a peer came back`,
      )
    },
    { fault: true },
  )

  await suite.case(
    'no multicast (netns without IPv4, lo without MULTICAST): starts, mdns reported unavailable, keeps running',
    45_000,
    async (ctx) => {
      check(netnsAvailable(), 'ip netns is not available (needs root and iproute2)')
      const ns = createNetns(ctx, { multicast: false, noIpv4: true })
      const dir = await tempDir(ctx)
      const cli = spawnCli(
        [
          'start',
          '--data-dir',
          dir,
          '--listen',
          '/ip6/::1/tcp/0',
          '--diagnostics-addr',
          '[::1]:0',
          '--log-level',
          'warn',
        ],
        ctx,
        { netns: ns },
      )
      const node = await started(cli)
      await sleep(3_000, ctx.signal)
      check(cli.exitInfo === undefined, `the node exited: ${cli.stderr()}`)
      const diag = await runCli(
        ['diag', 'health', '--json', '--addr', `[::1]:${node.diagPort}`],
        ctx,
        { netns: ns },
      )
      // diag health exits 1 when the node has no peers; the JSON is printed either way
      const health = JSON.parse(diag.stdout) as { mdns?: { enabled: boolean; available: boolean } }
      check(
        health.mdns?.enabled === true && health.mdns.available === false,
        `health.mdns: ${JSON.stringify(health.mdns)}`,
      )
      check(/mDNS/.test(cli.stderr()), 'no warning about mDNS on stderr')
      check((await cli.stop('SIGTERM', STOP_BOUND_MS)) === 0, 'no clean exit')
      suite.figure(
        `no multicast: mdns ${JSON.stringify(health.mdns)}; warning "${/[^\n]*mDNS[^\n]*/.exec(cli.stderr())?.[0].slice(25, 110) ?? ''}"`,
      )
    },
    { fault: true },
  )

  await suite.case(
    'SIGTERM during start-up (6 moments): exit 0 within 5 s, identity kept',
    90_000,
    async (ctx) => {
      const dir = await tempDir(ctx)
      const { peerId, key } = await firstRun(dir, ctx)
      const outcomes: string[] = []
      // moments after the CLI logged its first line (signal handlers are installed by then)
      for (const delayMs of [0, 20, 50, 100, 200, 400]) {
        const cli = spawnCli(['start', ...loopbackFlags(dir, 'info')], ctx)
        await cli.waitFor(/diagnostics listening|INFO/, 20_000, 'stderr')
        await sleep(delayMs, ctx.signal)
        const stopAt = performance.now()
        const code = await cli.stop('SIGTERM', STOP_BOUND_MS)
        const ms = performance.now() - stopAt
        outcomes.push(`+${delayMs} ms: exit ${code} in ${Math.round(ms)} ms`)
        check(
          code === 0,
          `SIGTERM ${delayMs} ms into start-up: exit ${code}; stderr ${cli.stderr().slice(-300)}`,
        )
      }
      const after = await identityKey(dir)
      check(after.equals(key), 'the identity key changed')
      const again = spawnCli(['start', ...loopbackFlags(dir)], ctx)
      const node = await started(again)
      check(node.peerId === peerId, `peer id changed: ${node.peerId} vs ${peerId}`)
      await again.stop('SIGTERM', STOP_BOUND_MS)
      ctx.log(outcomes.join('; '))
    },
    { fault: true },
  )

  await suite.case(
    'SIGTERM under scrape load: exit 0 within 5 s, identity kept',
    45_000,
    async (ctx) => {
      const { dir, cli, node, key } = await startedNode(ctx)
      let ok = 0
      let stop = false
      // 8 concurrent scrapers, bounded to 3,000 requests in all and to the case's time
      const scrapers = Array.from({ length: 8 }, async (_, i) => {
        const paths = ['/metrics', '/debug/p2p/stats', '/debug/p2p/health', '/debug/p2p/peers']
        while (!stop && ok < 3_000 && !ctx.signal.aborted) {
          try {
            const r = await get(`${node.diagUrl}${paths[(ok + i) % paths.length]}`, {
              timeoutMs: 2_000,
            })
            if (r.status === 200) ok++
          } catch {
            // refused once the node stops: expected here
            await sleep(10)
          }
        }
      })
      await sleep(1_500, ctx.signal)
      const stopAt = performance.now()
      const code = await cli.stop('SIGTERM', STOP_BOUND_MS)
      const ms = performance.now() - stopAt
      stop = true
      await Promise.all(scrapers)
      check(code === 0, `exit ${code}`)
      check((await identityKey(dir)).equals(key), 'identity changed')
      check(ok > 0, 'no scrape succeeded before the signal')
      suite.figure(`SIGTERM under load (${ok} scrapes served): exit 0 in ${Math.round(ms)} ms`)
    },
    { fault: true },
  )

  await suite.case(
    'SIGTERM in the middle of a transfer: exit 0 within 5 s, identity kept',
    45_000,
    async (ctx) => {
      const { dir, cli, node, key } = await startedNode(ctx)
      const peer = await createPeer(ctx)
      // the ping protocol echoes whatever it gets until the stream closes: a two-way transfer
      const stream = await peer.dialProtocol(multiaddr(node.multiaddr), '/ipfs/ping/1.0.0', {
        signal: AbortSignal.timeout(10_000),
      })
      let echoed = 0
      stream.addEventListener('message', (evt) => {
        echoed += evt.data.byteLength
      })
      const chunk = new Uint8Array(64 * 1024)
      let sent = 0
      let stopSending = false
      const pump = (async () => {
        // bounded: at most 256 MiB, and only until the node goes
        while (!stopSending && sent < 256 * 1024 * 1024 && stream.status === 'open') {
          if (!stream.send(chunk)) {
            await Promise.race([
              new Promise((resolve) => stream.addEventListener('drain', resolve, { once: true })),
              new Promise((resolve) => stream.addEventListener('close', resolve, { once: true })),
              sleep(1_000),
            ])
          }
          sent += chunk.byteLength
        }
      })().catch(() => undefined)
      await waitUntil(
        '1 MiB echoed',
        10_000,
        () => (echoed > 1024 * 1024 ? true : undefined),
        50,
        ctx.signal,
      )
      const stopAt = performance.now()
      const code = await cli.stop('SIGTERM', STOP_BOUND_MS)
      const ms = performance.now() - stopAt
      stopSending = true
      await pump
      check(code === 0, `exit ${code}`)
      check((await identityKey(dir)).equals(key), 'identity changed')
      suite.figure(
        `SIGTERM mid-transfer (${(echoed / 1048576).toFixed(1)} MiB echoed): exit 0 in ${Math.round(ms)} ms`,
      )
    },
    { fault: true },
  )

  await suite.case(
    'SIGKILL and restart: same peer id, key still 0600, node works',
    45_000,
    async (ctx) => {
      const { dir, cli, node, key } = await startedNode(ctx)
      check((await cli.stop('SIGKILL', STOP_BOUND_MS)) === 'SIGKILL', 'not killed')
      const again = spawnCli(['start', ...loopbackFlags(dir)], ctx)
      const restarted = await started(again)
      check(
        restarted.peerId === node.peerId,
        `peer id changed: ${restarted.peerId} vs ${node.peerId}`,
      )
      check((await identityKey(dir)).equals(key), 'identity changed')
      check(
        ((await stat(join(dir, 'identity.key'))).mode & 0o777) === 0o600,
        'key mode is not 0600',
      )
      const peer = await createPeer(ctx)
      await dial(peer, restarted.multiaddr)
      const rtt = await pingOnce(peer, restarted.multiaddr)
      const health = await get(`${restarted.diagUrl}/debug/p2p/health`)
      check(health.status === 200, `health ${health.status}`)
      check((await again.stop('SIGTERM', STOP_BOUND_MS)) === 0, 'no clean exit')
      ctx.log(`ping ${rtt.toFixed(1)} ms after restart`)
    },
    { fault: true },
  )
}
