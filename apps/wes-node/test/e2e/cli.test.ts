import { writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import type { AddressInfo, Server } from 'node:net'
import { afterEach, describe, expect, it } from '@jest/globals'
import { loopbackFlags, runCliProcess, spawnCli, tempDir } from '../fixtures/cli.js'
import type { CliProcess } from '../fixtures/cli.js'

const running: CliProcess[] = []
const servers: Server[] = []

afterEach(async () => {
  await Promise.all(running.splice(0).map((cli) => cli.stop('SIGKILL').catch(() => undefined)))
  await Promise.all(
    servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))),
  )
})

interface StartedNode {
  cli: CliProcess
  peerId: string
  listen: string
  diagAddr: string
}

async function startNode(
  extra: string[] = [],
  dataDir?: string,
  env: Record<string, string> = {},
): Promise<StartedNode> {
  const dir = dataDir ?? (await tempDir())
  const cli = spawnCli(['start', ...loopbackFlags(dir), ...extra], env)
  running.push(cli)
  const [, diag] = await cli.waitFor(/^diagnostics: http:\/\/(\S+)$/m)
  const [, peerId] = await cli.waitFor(/^peer id: (\S+)$/m)
  const [, listen] = await cli.waitFor(/^listening on: (\S+)$/m)
  return { cli, peerId: peerId as string, listen: listen as string, diagAddr: diag as string }
}

async function diag(view: string, addr: string, json = true, env: Record<string, string> = {}) {
  return runCliProcess(['diag', view, '--addr', addr, ...(json ? ['--json'] : [])], env)
}

/** Polls `diag <view>` until `done` holds, bounded. */
async function diagUntil(
  view: string,
  addr: string,
  done: (body: Record<string, unknown>) => boolean,
  timeoutMs = 20_000,
): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs
  let last: Record<string, unknown> = {}
  while (Date.now() < deadline) {
    const { stdout } = await diag(view, addr)
    try {
      last = JSON.parse(stdout) as Record<string, unknown>
      if (done(last)) return last
    } catch {
      // not ready yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
  throw new Error(`diag ${view} never satisfied the condition; last: ${JSON.stringify(last)}`)
}

async function listenOn(): Promise<number> {
  const server = createServer()
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return (server.address() as AddressInfo).port
}

describe('wes-node as a child process', () => {
  it('start, then diag every view against it, then SIGTERM gives exit 0', async () => {
    const a = await startNode(['--dht-mode', 'server'])
    const b = await startNode(['--dht-mode', 'server', '--bootstrap', a.listen])
    expect(a.peerId).toMatch(/^12D3KooW/)
    expect(a.listen.endsWith(`/p2p/${a.peerId}`)).toBe(true)

    const peers = await diagUntil('peers', b.diagAddr, (body) => body.peers === 1)
    expect(peers.peer_ids).toEqual([a.peerId])

    const connections = await diag('connections', b.diagAddr)
    expect(connections.code).toBe(0)
    expect(JSON.parse(connections.stdout)).toEqual(
      expect.objectContaining({ connections: expect.any(Number) }),
    )

    const stats = await diag('stats', b.diagAddr)
    expect(stats.code).toBe(0)
    const statsBody = JSON.parse(stats.stdout) as Record<string, unknown>
    expect(statsBody).toMatchObject({ peers: 1, host_id: b.peerId })
    expect(statsBody.bandwidth).toEqual({
      in_rate_bps: expect.any(Number),
      out_rate_bps: expect.any(Number),
      in_total_bytes: expect.any(Number),
      out_total_bytes: expect.any(Number),
    })

    // DESIGN.md: diag health exits 0 only for ok; one peer of the default minimum of 3 is degraded
    const health = await diag('health', b.diagAddr)
    expect(health.code).toBe(1)
    expect(JSON.parse(health.stdout)).toMatchObject({
      status: 'degraded',
      reasons: [{ code: 'below_min_peers', severity: 'degraded' }],
      host_id: b.peerId,
      num_peers: 1,
      relay_stats: { enabled: true },
    })

    const routing = await diagUntil('routing', b.diagAddr, (body) => body.routing_table_size === 1)
    expect(routing).toMatchObject({ mode: 'server', num_bootstrap_peers: 1 })

    const table = await diag('stats', b.diagAddr, false)
    expect(table.code).toBe(0)
    expect(table.stdout).toMatch(/^host_id\s+12D3KooW/m)
    expect(table.stdout).toMatch(/^bandwidth\.in_total_bytes\s+/m)

    expect(await b.cli.stop('SIGTERM')).toBe(0)
    expect(await a.cli.stop('SIGINT')).toBe(0)
    expect(b.cli.stderr()).not.toMatch(/\n\s+at /)
  })

  it('diag health of an isolated node prints it and exits 1', async () => {
    const a = await startNode()
    const health = await diag('health', a.diagAddr)
    expect(health.code).toBe(1)
    expect(JSON.parse(health.stdout)).toMatchObject({ num_peers: 0 })
    expect(health.stderr.trim()).toBe(
      `wes-node: node at ${a.diagAddr} is unhealthy: no connected peers`,
    )
  })

  it('protects every route with a bearer token from a file, and diag sends it', async () => {
    const dir = await tempDir()
    const tokenFile = `${dir}/token`
    const token = 'a-long-enough-secret-token-42'
    await writeFile(tokenFile, `${token}\n`, { mode: 0o600 })
    const a = await startNode(['--diagnostics-token-file', tokenFile])

    for (const path of ['/metrics', '/debug/p2p/stats']) {
      const denied = await fetch(`http://${a.diagAddr}${path}`)
      expect(denied.status).toBe(401)
      const allowed = await fetch(`http://${a.diagAddr}${path}`, {
        headers: { authorization: `Bearer ${token}` },
      })
      expect(allowed.status).toBe(200)
      expect(await allowed.text()).not.toContain(tokenFile)
    }
    const without = await diag('stats', a.diagAddr)
    expect(without.code).toBe(1)
    expect(without.stderr).toContain('need a valid token')
    expect(without.stderr).not.toContain(token)
    const withEnv = await diag('stats', a.diagAddr, true, { WES_DIAGNOSTICS_TOKEN: token })
    expect(withEnv.code).toBe(0)
    const withFile = await runCliProcess([
      'diag',
      'peers',
      '--addr',
      a.diagAddr,
      '--token-file',
      tokenFile,
    ])
    expect(withFile.code).toBe(0)
  })

  it('refuses a missing token file or a short token: exit 2, one line', async () => {
    const missing = await runCliProcess([
      'start',
      ...loopbackFlags(await tempDir()),
      '--diagnostics-token-file',
      '/nonexistent/token',
    ])
    expect(missing.code).toBe(2)
    expect(missing.stderr.trim()).toBe(
      'wes-node: cannot read diagnostics token file /nonexistent/token: no such file',
    )
    const short = await runCliProcess(['start', ...loopbackFlags(await tempDir())], {
      WES_DIAGNOSTICS_TOKEN: 'short',
    })
    expect(short.code).toBe(2)
    expect(short.stderr).toContain('16 to 4096 characters')
    expect(short.stderr).not.toContain('short\n')
  })

  it('keeps its peer ID across a restart', async () => {
    const dir = await tempDir()
    const first = await startNode([], dir)
    expect(await first.cli.stop('SIGTERM')).toBe(0)
    const second = await startNode([], dir)
    expect(second.peerId).toBe(first.peerId)
  })

  it('diag against a closed port: exit 1 and one line', async () => {
    const port = await listenOn()
    await new Promise((resolve) => servers.pop()?.close(resolve))
    const { code, stdout, stderr } = await diag('stats', `127.0.0.1:${port}`)
    expect(code).toBe(1)
    expect(stdout).toBe('')
    expect(stderr.trim().split('\n')).toHaveLength(1)
    expect(stderr).toContain('connection refused')
  })

  it('a bad flag: exit 2 and one line', async () => {
    const { code, stderr } = await runCliProcess(['start', '--no-such-flag'])
    expect(code).toBe(2)
    expect(stderr.trim().split('\n')).toHaveLength(1)
    expect(stderr).toContain("unknown option '--no-such-flag'")
  })

  it('the diagnostics port in use: exit 1, one line, nothing left running', async () => {
    const port = await listenOn()
    const dir = await tempDir()
    const flags = loopbackFlags(dir)
    flags[flags.indexOf('--diagnostics-addr') + 1] = `127.0.0.1:${port}`
    const cli = spawnCli(['start', ...flags])
    running.push(cli)
    expect(await cli.exited()).toBe(1)
    expect(cli.stderr().trim()).toBe(
      `wes-node: diagnostics address 127.0.0.1:${port} is already in use`,
    )
  })

  it('the libp2p port in use: exit 1, one line', async () => {
    const port = await listenOn()
    const dir = await tempDir()
    const flags = loopbackFlags(dir)
    flags[flags.indexOf('--listen') + 1] = `/ip4/127.0.0.1/tcp/${port}`
    const cli = spawnCli(['start', ...flags])
    running.push(cli)
    expect(await cli.exited()).toBe(1)
    expect(cli.stderr().trim()).toBe(
      `wes-node: cannot listen on /ip4/127.0.0.1/tcp/${port}: address already in use`,
    )
  })
})
