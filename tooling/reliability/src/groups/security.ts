/**
 * Security defaults: loopback by default (a warning otherwise), the bearer token on every route,
 * server timeouts and the connection cap, the identity key's mode, and no secret or local path
 * in any endpoint. The loopback case runs on the network lab (@wes/netlab), a LAN of two hosts,
 * and is skipped where the lab cannot run.
 */

import { chmod, readFile, stat, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import type { Socket } from 'node:net'
import { join } from 'node:path'
import { privateKeyFromProtobuf } from '@libp2p/crypto/keys'
import { Registry } from 'prom-client'
import { createDiagnosticsServer, createP2PMetrics } from '@wes/diagnostics'
import { lan } from '@wes/netlab'
import {
  answerProblems,
  closedWithin,
  get,
  openSockets,
  rawExchange,
  rawExchangeAfterWrite,
  receivedOn,
} from '../lib/http.js'
import type { Exchange } from '../lib/http.js'
import { createPeer, generateKeyPair } from '../lib/peers.js'
import { startCaseLab } from '../lib/lab.js'
import { loopbackFlags, runCli, spawnCli, started, tempDir } from '../lib/processes.js'
import type { RunningNode } from '../lib/processes.js'
import { check, sleep } from '../lib/runner.js'
import type { CaseContext, Suite } from '../lib/runner.js'
import { CONTROL_ROUTES, PROBES, ROUTES } from '../lib/routes.js'

const TOKEN = 'wes-reliability-token-0123456789abcdef'

function request(method: string, path: string, auth?: string): string {
  return `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${auth !== undefined ? `Authorization: ${auth}\r\n` : ''}Connection: close\r\n\r\n`
}

/** A control request: `POST path` with `body` as JSON (or as `type`), the token unless `auth` says otherwise. */
function controlRequest(
  path: string,
  body: string | Buffer,
  init: { auth?: string | null; type?: string | null; method?: string; extra?: string } = {},
): Buffer {
  const { auth = `Bearer ${TOKEN}`, type = 'application/json', method = 'POST', extra = '' } = init
  const bytes = typeof body === 'string' ? Buffer.from(body) : body
  const head =
    `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
    (auth !== null ? `Authorization: ${auth}\r\n` : '') +
    (type !== null ? `Content-Type: ${type}\r\n` : '') +
    (extra !== '' ? extra : `Content-Length: ${bytes.length}\r\n`) +
    'Connection: close\r\n\r\n'
  return Buffer.concat([Buffer.from(head), bytes])
}

/** `wes-node start` on loopback with a fresh data dir and {@link TOKEN} in a token file. */
async function startWithToken(ctx: CaseContext): Promise<{ node: RunningNode; tokenFile: string }> {
  const dir = await tempDir(ctx)
  const tokenFile = join(dir, 'token')
  await writeFile(tokenFile, `${TOKEN}\n`, { mode: 0o600 })
  const cli = spawnCli(
    ['start', ...loopbackFlags(join(dir, 'data')), '--diagnostics-token-file', tokenFile],
    ctx,
  )
  return { node: await started(cli), tokenFile }
}

/** A TCP port that accepts connections and never says a word: a libp2p dial to it hangs. */
async function tarpit(ctx: CaseContext): Promise<number> {
  const sockets = new Set<Socket>()
  const server = createServer((socket) => {
    sockets.add(socket)
    socket.on('error', () => undefined)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  ctx.defer(
    () =>
      new Promise<void>((resolve) => {
        sockets.forEach((socket) => socket.destroy())
        server.close(() => resolve())
      }),
  )
  return (server.address() as { port: number }).port
}

export async function security(suite: Suite, _scope: CaseContext): Promise<void> {
  await suite.case(
    'diagnostics bind to loopback by default; another address logs a warning',
    60_000,
    async (ctx) => {
      // two lab hosts on a LAN: on `peer1` the default port 28686 is free and the node has a
      // LAN address; `peer2` is another machine on that LAN
      const lab = await startCaseLab(ctx, lan(2))
      const netns = lab.netns('peer1')
      const other = { netns: lab.netns('peer2') }
      const address = lab.address('peer1')
      const dir = await tempDir(ctx)
      const cli = spawnCli(
        ['start', ...loopbackFlags(dir, { logLevel: 'info', diagnosticsAddr: null })],
        ctx,
        { netns },
      )
      const node = await started(cli)
      check(node.diagUrl === 'http://127.0.0.1:28686', `default diagnostics URL ${node.diagUrl}`)
      const local = await runCli(
        ['diag', 'connections', '--json', '--addr', '127.0.0.1:28686'],
        ctx,
        { netns },
      )
      check(local.code === 0, `diag over loopback: exit ${local.code} ${local.stderr}`)
      for (const [from, options] of [
        ['the same host', { netns }],
        ['another LAN host', other],
      ] as const) {
        const lanDiag = await runCli(
          ['diag', 'connections', '--json', '--addr', `${address}:28686`, '--timeout', '2000'],
          ctx,
          options,
        )
        check(
          lanDiag.code === 1,
          `diag over ${address} from ${from} answered (exit ${lanDiag.code}): the default is not loopback-only`,
        )
      }
      check(
        !/WARN.*beyond this machine/.test(cli.stderr()),
        'a loopback bind logged the exposure warning',
      )
      await cli.stop('SIGTERM', 5_000)

      for (const addr of [`${address}:0`, '0.0.0.0:0']) {
        const exposed = spawnCli(['start', ...loopbackFlags(dir, { diagnosticsAddr: addr })], ctx, {
          netns,
        })
        const exposedNode = await started(exposed)
        await exposed.waitFor(
          /WARN.*reachable beyond this machine.*without a token/,
          5_000,
          'stderr',
        )
        // the warning is true: another host on the LAN reads the diagnostics
        const reached = await runCli(
          [
            'diag',
            'connections',
            '--json',
            '--addr',
            `${address}:${exposedNode.diagPort}`,
            '--timeout',
            '2000',
          ],
          ctx,
          other,
        )
        check(reached.code === 0, `${addr} bind: diag from another LAN host: exit ${reached.code}`)
        check((await exposed.stop('SIGTERM', 5_000)) === 0, 'no clean exit')
      }
      suite.figure(
        `diagnostics default http://127.0.0.1:28686, unreachable on ${address} from the host and the LAN; ${address} and 0.0.0.0 binds warn and are reached from the LAN`,
      )
    },
  )

  await suite.case(
    'the bearer token protects every route, /metrics included: 401 JSON without it',
    30_000,
    async (ctx) => {
      const { node, tokenFile } = await startWithToken(ctx)
      const problems: string[] = []
      let checks = 0
      const variants: Array<[string, string | undefined]> = [
        ['no header', undefined],
        ['wrong token', `Bearer ${TOKEN.slice(0, -1)}x`],
        ['token prefix', `Bearer ${TOKEN.slice(0, 16)}`],
        ['Basic scheme', `Basic ${Buffer.from(`user:${TOKEN}`).toString('base64')}`],
        ['empty bearer', 'Bearer '],
        ['token with junk after', `Bearer ${TOKEN} extra`],
      ]
      for (const path of [...ROUTES, ...Object.keys(PROBES), '/nope', '/debug/p2p/unknown']) {
        for (const method of ['GET', 'HEAD', 'POST', 'OPTIONS']) {
          for (const [name, auth] of variants) {
            checks++
            const { response } = await rawExchange(node.diagPort, request(method, path, auth))
            if (response?.status !== 401)
              problems.push(`${method} ${path} ${name}: ${response?.status}`)
            else if (
              method !== 'HEAD' &&
              !(response.headers['content-type'] ?? '').startsWith('application/json')
            )
              problems.push(`${method} ${path} ${name}: 401 without JSON`)
            else if (!(response.headers['www-authenticate'] ?? '').startsWith('Bearer'))
              problems.push(`${method} ${path} ${name}: no WWW-Authenticate`)
          }
        }
        checks++
        const ok = await rawExchange(node.diagPort, request('GET', path, `Bearer ${TOKEN}`))
        const expected = PROBES[path] ?? [ROUTES.includes(path) ? 200 : 404]
        if (!expected.includes(ok.response?.status ?? 0))
          problems.push(
            `GET ${path} with the token: ${ok.response?.status}, expected ${expected.join(' or ')}`,
          )
      }
      check(problems.length === 0, problems.slice(0, 6).join('; '))
      const diag = await runCli(
        [
          'diag',
          'stats',
          '--json',
          '--addr',
          `127.0.0.1:${node.diagPort}`,
          '--token-file',
          tokenFile,
        ],
        ctx,
      )
      check(diag.code === 0, `diag with the token file: exit ${diag.code}`)
      const noToken = await runCli(
        ['diag', 'stats', '--json', '--addr', `127.0.0.1:${node.diagPort}`],
        ctx,
      )
      check(
        noToken.code !== 0 && noToken.stderr.trim().split('\n').length === 1,
        `diag without a token: exit ${noToken.code}, ${noToken.stderr}`,
      )
      suite.figure(`token: ${checks} route x method x credential checks`)
    },
  )

  await suite.case(
    'server timeouts (headers, request, keep-alive) and the connection cap are enforced',
    60_000,
    async (ctx) => {
      const registry = new Registry()
      const source = { snapshot: () => undefined }
      createP2PMetrics(registry, { source })
      const server = createDiagnosticsServer(
        {
          addr: '127.0.0.1:0',
          headersTimeoutMs: 1_000,
          requestTimeoutMs: 2_000,
          keepAliveTimeoutMs: 500,
          maxConnections: 20,
        },
        { source, registry },
      )
      await server.start()
      ctx.defer(() => server.stop())
      const port = (server.address() as { port: number }).port
      const slack = 3_000

      const [slowHeaders] = await openSockets(port, 1, ctx, (s) =>
        s.write('GET /metrics HTTP/1.1\r\nHost: x\r\n'),
      )
      const [slowBody] = await openSockets(port, 1, ctx, (s) =>
        s.write('GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nab'),
      )
      const [idle] = await openSockets(port, 1, ctx, (s) =>
        s.write('GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n'),
      )
      const [headersMs, requestMs, idleMs] = await Promise.all([
        closedWithin(slowHeaders!, 1_000 + 1_000 + slack),
        closedWithin(slowBody!, 2_000 + 1_000 + slack),
        closedWithin(idle!, 500 + 1_000 + slack),
      ])
      check(headersMs !== undefined, 'a request without complete headers outlived headersTimeoutMs')
      check(
        receivedOn(slowHeaders!).startsWith('HTTP/1.1 408') &&
          receivedOn(slowHeaders!).includes('"request_timeout"'),
        `slow headers got: ${receivedOn(slowHeaders!).slice(0, 60)}`,
      )
      check(
        requestMs !== undefined,
        'a request whose body never completes outlived requestTimeoutMs',
      )
      check(idleMs !== undefined, 'an idle keep-alive connection outlived keepAliveTimeoutMs')

      const many = await openSockets(port, 30, ctx)
      await sleep(500, ctx.signal)
      const dropped = many.filter((s) => s.destroyed).length
      check(dropped >= 10, `only ${dropped} of 30 connections dropped with maxConnections 20`)
      many.forEach((s) => s.destroy())
      await sleep(200, ctx.signal)
      const after = await rawExchange(port, request('GET', '/metrics'))
      check(after.response?.status === 200, 'no answer after the extra connections went away')
      suite.figure(
        `timeouts: headers closed after ${((headersMs ?? 0) / 1000).toFixed(1)} s (1 s set), request ${((requestMs ?? 0) / 1000).toFixed(1)} s (2 s), keep-alive ${((idleMs ?? 0) / 1000).toFixed(1)} s (0.5 s); cap 20: ${dropped} of 30 dropped`,
      )
    },
  )

  await suite.case(
    'the real node caps diagnostics connections at 256 and recovers',
    60_000,
    async (ctx) => {
      const dir = await tempDir(ctx)
      const cli = spawnCli(['start', ...loopbackFlags(dir)], ctx)
      const node = await started(cli)
      const sockets = await openSockets(node.diagPort, 300, ctx)
      await sleep(1_000, ctx.signal)
      const dropped = sockets.filter((s) => s.destroyed).length
      check(dropped >= 300 - 256 - 5, `only ${dropped} of 300 connections dropped (cap 256)`)
      sockets.forEach((s) => s.destroy())
      await sleep(500, ctx.signal)
      const ok = await get(`${node.diagUrl}/debug/p2p/health`)
      check(ok.status === 200, `health ${ok.status} after the cap was hit`)
      check(cli.exitInfo === undefined, 'the node exited')
      suite.figure(`cap: 300 sockets to the node, ${dropped} dropped, served again once they left`)
    },
  )

  await suite.case(
    'identity key is 0600 in a 0700 directory; a key group/others can read is refused with a fix',
    60_000,
    async (ctx) => {
      const dir = await tempDir(ctx)
      const data = join(dir, 'data')
      const cli = spawnCli(['start', ...loopbackFlags(data)], ctx)
      const node = await started(cli)
      await cli.stop('SIGTERM', 5_000)
      const keyPath = join(data, 'identity.key')
      check(
        ((await stat(keyPath)).mode & 0o777) === 0o600,
        `key mode ${((await stat(keyPath)).mode & 0o777).toString(8)}`,
      )
      check(
        ((await stat(data)).mode & 0o777) === 0o700,
        `data dir mode ${((await stat(data)).mode & 0o777).toString(8)}`,
      )
      const key = await readFile(keyPath)
      for (const mode of [0o640, 0o604, 0o644, 0o660]) {
        await chmod(keyPath, mode)
        const result = await runCli(['start', ...loopbackFlags(data)], ctx)
        const lines = result.stderr.trim().split('\n')
        check(result.code === 2, `mode ${mode.toString(8)}: exit ${result.code}`)
        check(
          lines.length === 1 && lines[0]?.includes(`chmod 600 ${keyPath}`),
          `mode ${mode.toString(8)}: ${result.stderr}`,
        )
        check(!result.stdout.includes('peer id:'), 'the node started with a readable key')
        check((await readFile(keyPath)).equals(key), 'the key was changed')
      }
      await chmod(keyPath, 0o600)
      const again = spawnCli(['start', ...loopbackFlags(data)], ctx)
      check((await started(again)).peerId === node.peerId, 'peer id changed after chmod 600')
      await again.stop('SIGTERM', 5_000)
    },
  )

  await suite.case(
    'no secret, key or local path in any endpoint or metric',
    30_000,
    async (ctx) => {
      const dir = await tempDir(ctx, 'wes-rel-secret-')
      const data = join(dir, 'data-dir-marker')
      const tokenFile = join(dir, 'token-file-marker')
      await writeFile(tokenFile, TOKEN, { mode: 0o600 })
      const cli = spawnCli(
        ['start', ...loopbackFlags(data), '--diagnostics-token-file', tokenFile],
        ctx,
      )
      const node = await started(cli)
      const keyBytes = await readFile(join(data, 'identity.key'))
      const key = privateKeyFromProtobuf(keyBytes)
      const raw = Buffer.from(key.raw)
      const seed = raw.subarray(0, 32)
      const secrets: Record<string, string> = {
        'data dir': data,
        'token file': tokenFile,
        'temp dir': dir,
        token: TOKEN,
      }
      for (const [name, bytes] of Object.entries({ 'key file': keyBytes, 'raw key': raw, seed })) {
        secrets[`${name} hex`] = bytes.toString('hex')
        secrets[`${name} base64`] = bytes.toString('base64').replace(/=+$/, '')
        secrets[`${name} base64url`] = bytes.toString('base64url')
        // a substring that survives any base64 alignment
        secrets[`${name} base64 (inner)`] = bytes.subarray(3, 27).toString('base64')
      }
      const leaks: string[] = []
      let scanned = 0
      for (const path of [...ROUTES, '/nope']) {
        for (const auth of [`Bearer ${TOKEN}`, undefined]) {
          const response = await get(
            `${node.diagUrl}${path}`,
            auth !== undefined ? { headers: { authorization: auth } } : {},
          )
          const text = `${[...response.headers].map(([k, v]) => `${k}: ${v}`).join('\n')}\n${response.text}`
          scanned += text.length
          for (const [name, secret] of Object.entries(secrets)) {
            if (text.includes(secret) || text.toLowerCase().includes(secret.toLowerCase()))
              leaks.push(`${path}: ${name}`)
          }
        }
      }
      check(leaks.length === 0, `leaked: ${leaks.join(', ')}`)
      suite.figure(
        `secrets: ${Object.keys(secrets).length} patterns scanned over ${ROUTES.length + 1} endpoints (${scanned} bytes), none found`,
      )
    },
  )
  await suite.case(
    'control routes (token set): bad credentials 401, wrong methods 405, hostile bodies 4xx JSON, a flood bounded, the node serves on',
    90_000,
    async (ctx) => {
      const { node, tokenFile } = await startWithToken(ctx)
      const { cli } = node
      const port = node.diagPort
      const problems: string[] = []
      let checked = 0
      const expect = (
        name: string,
        exchange: Exchange,
        statuses: number[],
        method = 'POST',
      ): void => {
        checked++
        const found = answerProblems(exchange, method)
        const status = exchange.response?.status
        if (status !== undefined && !statuses.includes(status))
          found.push(`status ${status}, expected ${statuses.join('|')}`)
        if (found.length > 0) problems.push(`${name}: ${found.join('; ')}`)
      }
      const peerId = node.peerId
      const other = (await generateKeyPair('Ed25519')).publicKey.toString()

      for (const route of CONTROL_ROUTES) {
        const body = JSON.stringify(
          route.endsWith('/connect') ? { multiaddr: '/ip4/127.0.0.1/tcp/1' } : { peer_id: other },
        )
        for (const [name, auth] of [
          ['no token', null],
          ['wrong token', `Bearer ${TOKEN.slice(0, -1)}x`],
          ['Basic scheme', `Basic ${Buffer.from(`u:${TOKEN}`).toString('base64')}`],
        ] as const) {
          expect(
            `${route} ${name}`,
            await rawExchange(port, controlRequest(route, body, { auth })),
            [401],
          )
        }
        for (const method of ['GET', 'HEAD', 'PUT', 'DELETE', 'PATCH']) {
          const exchange = await rawExchange(port, controlRequest(route, body, { method }))
          expect(`${method} ${route}`, exchange, [405], method)
          if (!(exchange.response?.headers.allow ?? '').includes('POST'))
            problems.push(`${method} ${route}: 405 without Allow: POST`)
        }
        const options = await rawExchange(port, controlRequest(route, '', { method: 'OPTIONS' }))
        expect(`OPTIONS ${route}`, options, [204], 'OPTIONS')
      }

      const ping = '/control/p2p/ping'
      const hostile: Array<[string, Buffer, number[]]> = [
        [
          'text/plain body',
          controlRequest(ping, `{"peer_id":"${other}"}`, { type: 'text/plain' }),
          [415],
        ],
        ['no Content-Type', controlRequest(ping, `{"peer_id":"${other}"}`, { type: null }), [415]],
        [
          'form body',
          controlRequest(ping, `peer_id=${other}`, { type: 'application/x-www-form-urlencoded' }),
          [415],
        ],
        ['not JSON', controlRequest(ping, '{"peer_id":'), [400]],
        ['empty body', controlRequest(ping, ''), [400]],
        ['JSON array', controlRequest(ping, `["${other}"]`), [400]],
        [
          'deeply nested',
          controlRequest(ping, `{"peer_id":${'['.repeat(2_000)}${']'.repeat(2_000)}}`),
          [400],
        ],
        [
          'nested objects',
          controlRequest(ping, `${'{"a":'.repeat(600)}1${'}'.repeat(600)}`),
          [400],
        ],
        ['unknown key', controlRequest(ping, `{"peer_id":"${other}","admin":true}`), [400]],
        [
          '__proto__ key',
          controlRequest(ping, `{"peer_id":"${other}","__proto__":{"polluted":1}}`),
          [400],
        ],
        [
          'constructor key',
          controlRequest(ping, `{"peer_id":"${other}","constructor":{"prototype":{}}}`),
          [400],
        ],
        ['bad peer id', controlRequest(ping, '{"peer_id":"12D3KooW<script>"}'), [400]],
        ['peer id of junk base58', controlRequest(ping, `{"peer_id":"${'z'.repeat(52)}"}`), [400]],
        ['peer id as number', controlRequest(ping, '{"peer_id":1e309}'), [400]],
        ['count 0', controlRequest(ping, `{"peer_id":"${other}","count":0}`), [400]],
        ['count 101', controlRequest(ping, `{"peer_id":"${other}","count":101}`), [400]],
        ['count -1', controlRequest(ping, `{"peer_id":"${other}","count":-1}`), [400]],
        ['count 1.5', controlRequest(ping, `{"peer_id":"${other}","count":1.5}`), [400]],
        ['count "3"', controlRequest(ping, `{"peer_id":"${other}","count":"3"}`), [400]],
        ['count 1e9', controlRequest(ping, `{"peer_id":"${other}","count":1e9}`), [400]],
        [
          'invalid UTF-8',
          controlRequest(ping, Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x7d])),
          [400],
        ],
        ['ping itself', controlRequest(ping, `{"peer_id":"${peerId}","count":1}`), [400]],
        [
          'bad multiaddr',
          controlRequest('/control/p2p/connect', '{"multiaddr":"/ip4/1.2.3/tcp/1"}'),
          [400],
        ],
        [
          'unknown protocol',
          controlRequest('/control/p2p/connect', '{"multiaddr":"/nope/1"}'),
          [400],
        ],
        [
          'relative multiaddr',
          controlRequest('/control/p2p/connect', '{"multiaddr":"ip4/127.0.0.1"}'),
          [400],
        ],
        [
          'multiaddr of itself',
          controlRequest('/control/p2p/connect', JSON.stringify({ multiaddr: node.multiaddr })),
          [400],
        ],
        [
          '2 KiB multiaddr',
          controlRequest(
            '/control/p2p/connect',
            JSON.stringify({ multiaddr: `/${'a'.repeat(2_048)}` }),
          ),
          [400],
        ],
        [
          'findpeer of itself',
          controlRequest('/control/dht/findpeer', JSON.stringify({ peer_id: peerId })),
          [400],
        ],
        [
          'declared 1 GB, 10 bytes sent',
          controlRequest(ping, '0123456789', { extra: 'Content-Length: 1000000000\r\n' }),
          [413],
        ],
      ]
      for (const [name, data, statuses] of hostile) {
        const exchange = await rawExchange(port, data, 5_000)
        expect(name, exchange, statuses)
        if (/<script>|polluted/.test(exchange.response?.body ?? ''))
          problems.push(`${name}: the body echoes the request`)
      }
      // over 4 KiB, read only after writing it all: the 413 must arrive, never a reset (a
      // lingering close, as for a 1 MiB URL)
      const big = `{"peer_id":"${'a'.repeat(1024 * 1024)}"}`
      for (let round = 0; round < 5; round++) {
        for (const [how, data] of [
          ['Content-Length', controlRequest(ping, big)],
          [
            'chunked',
            controlRequest(ping, `${big.length.toString(16)}\r\n${big}\r\n0\r\n\r\n`, {
              extra: 'Transfer-Encoding: chunked\r\n',
            }),
          ],
        ] as const) {
          for (const pieceBytes of [Infinity, 64 * 1024]) {
            const exchange = await rawExchangeAfterWrite(port, data, 5_000, pieceBytes)
            expect(`1 MiB body (${how}, pieces ${pieceBytes}) round ${round + 1}`, exchange, [413])
          }
        }
      }
      check(
        problems.length === 0,
        `${problems.length} improper: ${problems.slice(0, 6).join(' || ')}`,
      )

      // a flood: 60 connects at once to a port that never answers the handshake; a handful run,
      // the rest are refused at once with 429, and the node serves health meanwhile
      const pit = await tarpit(ctx)
      const target = JSON.stringify({ multiaddr: `/ip4/127.0.0.1/tcp/${pit}/p2p/${other}` })
      const floodStart = performance.now()
      const flood = Promise.all(
        Array.from({ length: 60 }, () =>
          rawExchange(port, controlRequest('/control/p2p/connect', target), 20_000),
        ),
      )
      await sleep(500, ctx.signal)
      const health = await rawExchange(
        port,
        `GET /debug/p2p/health HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nConnection: close\r\n\r\n`,
      )
      check(health.response?.status === 200, `health during the flood: ${health.response?.status}`)
      const answers = await flood
      const floodMs = performance.now() - floodStart
      const statuses = new Map<number, number>()
      for (const [i, exchange] of answers.entries()) {
        expect(`flood request ${i}`, exchange, [429, 502, 504])
        const status = exchange.response?.status ?? 0
        statuses.set(status, (statuses.get(status) ?? 0) + 1)
      }
      const refused = statuses.get(429) ?? 0
      check(problems.length === 0, `flood: ${problems.slice(0, 4).join(' || ')}`)
      check(refused >= 50, `only ${refused} of 60 flood requests were refused with 429`)

      // and then the controls work: a real peer, connected, pinged and disconnected via the CLI
      const peer = await createPeer(ctx, { listen: ['/ip4/127.0.0.1/tcp/0'] })
      const peerAddr = peer.getMultiaddrs()[0]?.toString() ?? ''
      const access = ['--addr', `127.0.0.1:${port}`, '--token-file', tokenFile]
      const connect = await runCli(['peer', 'connect', peerAddr, '--json', ...access], ctx)
      check(connect.code === 0, `peer connect: exit ${connect.code} ${connect.stderr}`)
      const pinged = await runCli(
        ['peer', 'ping', peer.peerId.toString(), '-n', '3', ...access],
        ctx,
      )
      check(
        pinged.code === 0 && /3 sent, 3 received/.test(pinged.stdout),
        `peer ping: exit ${pinged.code} ${pinged.stdout} ${pinged.stderr}`,
      )
      const down = await runCli(['peer', 'disconnect', peer.peerId.toString(), ...access], ctx)
      check(down.code === 0, `peer disconnect: exit ${down.code} ${down.stderr}`)
      check(cli.exitInfo === undefined, 'the node exited')
      check(
        !/request failed|stack|\n\s+at /i.test(cli.stderr()),
        `the node logged an error: ${cli.stderr().slice(0, 200)}`,
      )
      suite.figure(
        `controls: ${checked} hostile or unauthorised requests answered 4xx JSON; flood of 60 connects: ${[...statuses].map(([status, n]) => `${n}x${status}`).join(', ')} in ${(floodMs / 1000).toFixed(1)} s`,
      )
    },
  )
}
