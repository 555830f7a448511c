/**
 * The health verdict of real nodes on loopback, read the way operators and scripts read it:
 * `wes-node diag health` (its JSON, its table and its exit code), `/livez`, `/readyz` and the
 * `p2p_health_*` metrics.
 */
import { afterEach, describe, expect, it } from '@jest/globals'
import { freePort, loopbackFlags, runCliProcess, spawnCli, tempDir } from '../fixtures/cli.js'
import type { CliProcess } from '../fixtures/cli.js'

/** A peer ID nobody runs: the bootstrap peer behind a closed port. */
const NOBODY = '12D3KooWJZnSb1Lkoz4VNGhhUYxo94Uypiv2sgvyUZmXrJchub9M'

interface Reason {
  code: string
  severity: string
  message: string
  hint: string
}

interface Health {
  status: string
  reasons: Reason[]
  num_peers: number
  addresses: Array<{ multiaddr: string; reachable: boolean | null; verified_at: string | null }>
  bootstrap_peers: Array<Record<string, unknown>>
}

const running: CliProcess[] = []

afterEach(async () => {
  await Promise.all(running.splice(0).map((cli) => cli.stop('SIGKILL').catch(() => undefined)))
})

interface StartedNode {
  cli: CliProcess
  peerId: string
  listen: string
  diagAddr: string
}

async function startNode(extra: string[] = []): Promise<StartedNode> {
  const cli = spawnCli(['start', ...loopbackFlags(await tempDir()), ...extra])
  running.push(cli)
  const [, diag] = await cli.waitFor(/^diagnostics: http:\/\/(\S+)$/m)
  const [, peerId] = await cli.waitFor(/^peer id: (\S+)$/m)
  const [, listen] = await cli.waitFor(/^listening on: (\S+)$/m)
  return { cli, peerId: peerId as string, listen: listen as string, diagAddr: diag as string }
}

async function health(addr: string): Promise<{ code: number | null; body: Health }> {
  const { code, stdout } = await runCliProcess(['diag', 'health', '--json', '--addr', addr])
  return { code, body: JSON.parse(stdout) as Health }
}

/** Polls `diag health` until `done` holds, bounded. */
async function healthUntil(
  addr: string,
  done: (body: Health) => boolean,
  timeoutMs = 20_000,
): Promise<Health> {
  const deadline = Date.now() + timeoutMs
  let last: Health | undefined
  while (Date.now() < deadline) {
    last = (await health(addr)).body
    if (done(last)) return last
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
  throw new Error(`diag health never satisfied the condition; last: ${JSON.stringify(last)}`)
}

/** The value of one series of /metrics. */
async function metric(addr: string, series: string): Promise<number> {
  const text = await (await fetch(`http://${addr}/metrics`)).text()
  const line = text.split('\n').find((l) => l.startsWith(`${series} `))
  return Number(line?.split(' ')[1])
}

describe('the health verdict of live nodes', () => {
  it('an isolated node is down with no_peers; /livez 200, /readyz 503 unless it needs no peers', async () => {
    const a = await startNode()
    const { code, body } = await health(a.diagAddr)
    expect(code).toBe(1)
    expect(body).toMatchObject({
      status: 'down',
      reasons: [{ code: 'no_peers', severity: 'down', message: 'no connected peers' }],
      num_peers: 0,
      bootstrap_peers: [],
    })
    expect(body.reasons[0]?.hint).toContain('--bootstrap')
    expect(body.addresses).toEqual([
      expect.objectContaining({ multiaddr: a.listen, reachable: true, verified_at: null }),
    ])

    const livez = await fetch(`http://${a.diagAddr}/livez`)
    expect([livez.status, await livez.json()]).toEqual([200, { status: 'ok' }])
    const readyz = await fetch(`http://${a.diagAddr}/readyz`)
    expect(readyz.status).toBe(503)
    expect(await readyz.json()).toMatchObject({
      status: 'failing',
      error: 'not_ready',
      checks: [{ name: 'peers', status: 'failing' }],
    })
    const verbose = await fetch(`http://${a.diagAddr}/readyz?verbose=1`)
    expect((await verbose.json()) as unknown).toMatchObject({
      checks: [
        { name: 'started', status: 'ok' },
        { name: 'peers', status: 'failing' },
      ],
    })

    expect(await metric(a.diagAddr, 'p2p_health_status{status="down"}')).toBe(1)
    expect(await metric(a.diagAddr, 'p2p_health_status{status="ok"}')).toBe(0)
    expect(await metric(a.diagAddr, 'p2p_health_reason{code="no_peers"}')).toBe(1)
    expect(await metric(a.diagAddr, 'p2p_health_reason{code="bootstrap_unreachable"}')).toBe(0)

    const b = await startNode(['--ready-min-peers', '0'])
    expect((await fetch(`http://${b.diagAddr}/readyz`)).status).toBe(200)
  })

  it('a dead bootstrap peer (a closed port) is bootstrap_unreachable, class refused, once the threshold passed', async () => {
    const port = await freePort()
    const dead = `/ip4/127.0.0.1/tcp/${port}/p2p/${NOBODY}`
    const a = await startNode(['--bootstrap', dead, '--health-bootstrap-failing-ms', '1500'])

    const early = (await health(a.diagAddr)).body
    const since = Date.parse(String(early.bootstrap_peers[0]?.failing_since))
    if (Number.isFinite(since) && Date.now() - since < 1_400) {
      expect(early.reasons.map((r) => r.code)).toEqual(['no_peers'])
    }

    const body = await healthUntil(a.diagAddr, (h) =>
      h.reasons.some((r) => r.code === 'bootstrap_unreachable'),
    )
    expect(body.status).toBe('down')
    const reason = body.reasons.find((r) => r.code === 'bootstrap_unreachable')
    expect(reason).toEqual({
      code: 'bootstrap_unreachable',
      severity: 'degraded',
      message: expect.stringMatching(
        new RegExp(
          `^the bootstrap peer has failed to connect for over 1\\.5 s: refused \\(${dead}: .*ECONNREFUSED`,
        ),
      ),
      hint: expect.stringContaining(`\`nc -vz 127.0.0.1 ${port}\``),
    })
    expect(body.bootstrap_peers).toEqual([
      {
        peer_id: NOBODY,
        multiaddr: dead,
        connected: false,
        last_outcome: 'failure',
        last_dial_at: expect.any(String),
        error_class: 'refused',
        error: expect.stringContaining('ECONNREFUSED'),
        failing_since: expect.any(String),
      },
    ])
    const failingFor = Date.now() - Date.parse(String(body.bootstrap_peers[0]?.failing_since))
    expect(failingFor).toBeGreaterThanOrEqual(1_500)

    // the table says it too, hint and all, and exits 1
    const table = await runCliProcess(['diag', 'health', '--addr', a.diagAddr])
    expect(table.code).toBe(1)
    expect(table.stdout).toMatch(/^status +down$/m)
    expect(table.stdout).toContain('  bootstrap_unreachable (degraded): the bootstrap peer')
    expect(table.stdout).toContain(`    hint: nothing accepts connections on 127.0.0.1:${port}`)
    expect(await metric(a.diagAddr, 'p2p_health_reason{code="bootstrap_unreachable"}')).toBe(1)
  })

  it('two connected nodes with minPeers 1 are ok: diag health exits 0, /readyz 200', async () => {
    const flags = ['--dht-mode', 'server', '--min-peers', '1']
    const a = await startNode(flags)
    const b = await startNode([...flags, '--bootstrap', a.listen])
    for (const node of [a, b]) {
      const body = await healthUntil(node.diagAddr, (h) => h.status === 'ok')
      expect(body).toMatchObject({ status: 'ok', reasons: [], num_peers: 1 })
    }
    const table = await runCliProcess(['diag', 'health', '--addr', b.diagAddr])
    expect({ code: table.code, stderr: table.stderr }).toEqual({ code: 0, stderr: '' })
    expect(table.stdout).toMatch(/^status +ok\nreasons\n {2}\(none\)$/m)
    expect(table.stdout).toContain(`  ${a.listen}  connected`)
    expect((await fetch(`http://${b.diagAddr}/readyz`)).status).toBe(200)
    expect(await metric(b.diagAddr, 'p2p_health_status{status="ok"}')).toBe(1)
  })

  it('diag health --wait 60 returns 0 once a peer connects, asking again while the node is not up yet', async () => {
    const diagPort = await freePort()
    const addr = `127.0.0.1:${diagPort}`
    // a generous budget: exit 0 shows it saw ok (it exits 1 when the time runs out), and the
    // machine may be slow to start two nodes
    const waiting = spawnCli(['diag', 'health', '--wait', '60', '--addr', addr])
    running.push(waiting)
    // nothing answers on the port for a second or so
    await new Promise((resolve) => setTimeout(resolve, 1_500))

    const flags = ['--dht-mode', 'server', '--min-peers', '1']
    const a = await startNode([...flags, '--diagnostics-addr', addr])
    expect(a.diagAddr).toBe(addr)
    // isolated for a while: the wait keeps asking
    await new Promise((resolve) => setTimeout(resolve, 2_000))
    expect(waiting.child.exitCode).toBeNull()
    await startNode([...flags, '--bootstrap', a.listen])

    expect(await waiting.exited(65_000)).toBe(0)
    expect(waiting.stdout()).toMatch(/^status +ok$/m)
    expect(waiting.stderr()).toBe('')
  }, 90_000)

  it('diag health --wait returns 1 when the time runs out, with the last reasons', async () => {
    const a = await startNode()
    const started = Date.now()
    const { code, stdout, stderr } = await runCliProcess(
      ['diag', 'health', '--wait', '3', '--addr', a.diagAddr],
      {},
      20_000,
    )
    expect(code).toBe(1)
    expect(Date.now() - started).toBeGreaterThanOrEqual(3_000)
    expect(stdout).toContain('  no_peers (down): no connected peers')
    expect(stderr).toBe(
      `wes-node: node at ${a.diagAddr} is unhealthy after 3 s: no connected peers\n`,
    )
  })
})
