/**
 * Faults: ports in use, every bootstrap peer down then back, no multicast, a bootstrap peer behind
 * a firewall, SIGTERM at awkward moments, SIGKILL and restart. Each case is a fault the node must
 * survive. The no-multicast and firewall cases run on the network lab (@wes/netlab) and are
 * skipped where it cannot run.
 */

import { createServer } from 'node:net'
import type { Server } from 'node:net'
import { readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { inboundFirewall, lan, publicNetwork, startLabNode } from '@wes/netlab'
import { freePort, get, parseMetrics, rawExchange } from '../lib/http.js'
import { runOnHost, startCaseLab } from '../lib/lab.js'
import { loopbackFlags, runCli, spawnCli, started, tempDir } from '../lib/processes.js'
import { createPeer, dial, generateKeyPair, multiaddr, pingOnce, stopPeer } from '../lib/peers.js'
import { check, sleep, waitUntil } from '../lib/runner.js'
import type { CaseContext, Suite } from '../lib/runner.js'

/** A clean stop must finish within this (the bound). */
const STOP_BOUND_MS = 5_000
/** Where lab nodes listen (each lab host has addresses of its own). */
const LAB_PORT = 4001
/** The lab host that is left without IPv4 (and so without IPv4 multicast). */
const NO_IPV4_HOST = 'no-ipv4'

/** The part of `/debug/p2p/health` the lab cases read. */
interface Health {
  status: string
  reasons: Array<{ code: string; message: string }>
  mdns: { enabled: boolean; available: boolean; responses: number }
}

function codes(health: Health): string[] {
  return health.reasons.map((reason) => reason.code)
}

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
    'no multicast (lab: a LAN whose switch drops it, a host without IPv4): starts, mdns reported silent resp. unavailable, keeps running',
    60_000,
    async (ctx) => {
      const topology = lan(2, { dropMulticast: true })
      topology.hosts.push({ name: NO_IPV4_HOST, interfaces: [] })
      const lab = await startCaseLab(ctx, topology)
      // every lab host has 127.0.0.1 on a MULTICAST lo, which a topology cannot take away;
      // without it the host has no IPv4 interface at all to join 224.0.0.251 on
      await runOnHost(lab, NO_IPV4_HOST, 'ip', ['addr', 'del', '127.0.0.1/8', 'dev', 'lo'])
      await runOnHost(lab, NO_IPV4_HOST, 'ip', ['link', 'set', 'lo', 'multicast', 'off'])
      const netns = lab.netns(NO_IPV4_HOST)
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
        { netns },
      )
      // both LAN nodes run mDNS: each would answer the other if multicast crossed the switch
      const args = ['--listen', `/ip4/0.0.0.0/tcp/${LAB_PORT}`, '--log-level', 'warn']
      const config = { health: { mdnsSilentMs: 5_000 } }
      const [node, lanNodes] = await Promise.all([
        started(cli),
        Promise.all(['peer1', 'peer2'].map((host) => startLabNode(lab, host, { args, config }))),
      ])

      for (const lanNode of lanNodes) {
        const health = await waitUntil(
          `${lanNode.host}: mdns_no_responses`,
          30_000,
          async () => {
            const body = (await lanNode.json<Health>('/debug/p2p/health')).body
            return codes(body).includes('mdns_no_responses') ? body : undefined
          },
          500,
          ctx.signal,
        )
        check(
          health.mdns.enabled && health.mdns.available && health.mdns.responses === 0,
          `${lanNode.host}: health.mdns ${JSON.stringify(health.mdns)}`,
        )
        const peers = (await lanNode.json<{ peer_ids: string[] }>('/debug/p2p/peers')).body
        check(peers.peer_ids.length === 0, `${lanNode.host} found peers: ${peers.peer_ids}`)
        check(
          !/mDNS/.test(lanNode.process.stderr()),
          `${lanNode.host}: its mDNS socket is up, yet stderr warns: ${lanNode.process.stderr()}`,
        )
      }

      check(cli.exitInfo === undefined, `the node without IPv4 exited: ${cli.stderr()}`)
      const diag = await runCli(
        ['diag', 'health', '--json', '--addr', `[::1]:${node.diagPort}`],
        ctx,
        { netns },
      )
      // diag health exits 1 when the node has no peers; the JSON is printed either way
      const health = JSON.parse(diag.stdout) as Health
      check(
        health.mdns.enabled && !health.mdns.available,
        `no IPv4: health.mdns ${JSON.stringify(health.mdns)}`,
      )
      check(codes(health).includes('mdns_unavailable'), `no IPv4: reasons ${codes(health)}`)
      check(/mDNS/.test(cli.stderr()), 'no IPv4: no warning about mDNS on stderr')

      check((await cli.stop('SIGTERM', STOP_BOUND_MS)) === 0, 'no IPv4: no clean exit')
      for (const lanNode of lanNodes)
        check((await lanNode.stop()) === 0, `${lanNode.host}: no clean exit`)
      suite.figure(
        `no multicast: on a LAN that drops it mdns up with 0 responses (mdns_no_responses); without IPv4 mdns unavailable, warning "${/[^\n]*mDNS[^\n]*/.exec(cli.stderr())?.[0].slice(25, 110) ?? ''}"`,
      )
    },
    { fault: true },
  )

  await suite.case(
    'bootstrap peer behind a firewall that drops resp. refuses (lab): the node runs on, health says timeout resp. refused; the firewall lifted, it connects and the reason clears',
    80_000,
    async (ctx) => {
      const behind = [
        { peer: 'node1', action: 'drop', node: 'node3', errorClass: 'timeout' },
        { peer: 'node2', action: 'reject', node: 'node4', errorClass: 'refused' },
      ] as const
      const topology = publicNetwork(4)
      for (const { peer, action } of behind) {
        const host = topology.hosts.find((h) => h.name === peer)
        if (host !== undefined) host.nftables = inboundFirewall(action)
      }
      const lab = await startCaseLab(ctx, topology)
      const flags = ['--listen', `/ip4/0.0.0.0/tcp/${LAB_PORT}`, '--no-mdns', '--log-level', 'warn']
      const config = {
        health: { bootstrapFailingMs: 5_000 },
        // a backoff capped at the first interval: the node dials again soon after the lift
        discovery: { dialTimeoutMs: 5_000, bootstrapMaxIntervalMs: 5_000 },
      }
      const outcomes = await Promise.all(
        behind.map(async ({ peer, node: host, errorClass }) => {
          const target = await startLabNode(lab, peer, { args: flags })
          const node = await startLabNode(lab, host, {
            args: [...flags, '--bootstrap', target.multiaddr(LAB_PORT)],
            config,
          })
          const startedAt = performance.now()
          const failing = await waitUntil(
            `${host}: bootstrap_unreachable`,
            30_000,
            async () => {
              const body = (await node.json<Health>('/debug/p2p/health')).body
              return body.reasons.find((r) => r.code === 'bootstrap_unreachable')
            },
            500,
            ctx.signal,
          )
          check(
            failing.message.includes(`: ${errorClass} (`),
            `${host} behind ${peer}: expected ${errorClass}, got "${failing.message}"`,
          )
          check(
            /^p2p_health_reason\{code="bootstrap_unreachable"\} 1$/m.test(await node.metricsText()),
            `${host}: p2p_health_reason{code="bootstrap_unreachable"} is not 1`,
          )
          const failingMs = performance.now() - startedAt
          check(node.process.child.exitCode === null, `${host} exited: ${node.process.stderr()}`)

          // the firewall is the host's whole ruleset: flushing it lets new connections in
          await runOnHost(lab, peer, 'nft', ['flush', 'ruleset'])
          const liftedAt = performance.now()
          await waitUntil(
            `${host}: connected to ${peer} and bootstrap_unreachable cleared`,
            30_000,
            async () => {
              const health = (await node.json<Health>('/debug/p2p/health')).body
              const peers = (await node.json<{ peer_ids: string[] }>('/debug/p2p/peers')).body
              return peers.peer_ids.includes(target.peerId) &&
                !codes(health).includes('bootstrap_unreachable')
                ? true
                : undefined
            },
            500,
            ctx.signal,
          )
          const connectedMs = performance.now() - liftedAt
          check(
            /^p2p_health_reason\{code="bootstrap_unreachable"\} 0$/m.test(await node.metricsText()),
            `${host}: p2p_health_reason{code="bootstrap_unreachable"} is not back to 0`,
          )
          check((await node.stop()) === 0, `${host}: no clean exit`)
          check((await target.stop()) === 0, `${peer}: no clean exit`)
          return `${errorClass} after ${(failingMs / 1000).toFixed(1)} s, connected ${(connectedMs / 1000).toFixed(1)} s after the lift`
        }),
      )
      suite.figure(`firewalled bootstrap peer: drop ${outcomes[0]}; reject ${outcomes[1]}`)
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
