/**
 * `wes-node devnet --lab <topology>` with the real programs: `wes-node start` processes as hosts
 * of a network-lab topology (real namespaces, veth links, a bridge), their diagnostics forwarded
 * to the machine's loopback, so `devnet status`, the targets and `/metrics` work as on loopback.
 * SIGTERM leaves no process and no namespace; a killed lab devnet's namespaces are removed by the
 * next start. Without root (or `ip`, `nft`) the lab tests skip with one line.
 */
import { execFile } from 'node:child_process'
import { access, readFile, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from '@jest/globals'
import { labUnavailableReason } from '@wes/netlab'
import { runCliProcess, spawnCli, tempDir } from '../fixtures/cli.js'
import type { CliProcess } from '../fixtures/cli.js'
import { until } from '../fixtures/runtime.js'
import type { DevnetState } from '../../src/cmds/devnet/state.js'
import type { NodeStatus } from '../../src/cmds/devnet/status.js'

const unavailable = labUnavailableReason()
if (unavailable !== undefined) console.warn(`devnet --lab tests SKIPPED: ${unavailable}`)
const labIt = unavailable === undefined ? it : it.skip

/** p2p port of node 1 inside its lab host (each host has its own network: no clash possible). */
const LAB_PORT = 4001

const running: CliProcess[] = []
const dirs: string[] = []
afterEach(async () => {
  await Promise.all(
    running.splice(0).map(async (cli) => {
      if (cli.child.exitCode === null && cli.child.signalCode === null) {
        await cli.stop('SIGTERM', 60_000).catch(() => cli.stop('SIGKILL').catch(() => undefined))
      }
      // whatever a failed test left in the devnet's namespaces goes with them
      if (unavailable === undefined) await deleteNamespaces(`wesnl-${cli.child.pid}-`)
    }),
  )
  await Promise.all(
    dirs.map((dir) =>
      until(
        () => processesWith(dir),
        (left) => left.length === 0,
        `no process in ${dir}`,
        60_000,
      ).catch(() => undefined),
    ),
  )
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })))
}, 180_000)

function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve) => {
    execFile(command, args, (_err, stdout) => resolve(stdout))
  })
}

/** Command lines of running processes that mention `text` (pgrep -f). */
async function processesWith(text: string): Promise<string[]> {
  return (await run('pgrep', ['-af', '--', text])).split('\n').filter((line) => line.trim() !== '')
}

/** The network namespaces whose name starts with `prefix`. */
async function namespaces(prefix: string): Promise<string[]> {
  return (await run('ip', ['netns', 'list']))
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter((name) => name.startsWith(prefix))
}

async function deleteNamespaces(prefix: string): Promise<void> {
  for (const netns of await namespaces(prefix)) {
    const pids = (await run('ip', ['netns', 'pids', netns])).split(/\s+/).filter(Boolean)
    for (const pid of pids) {
      try {
        process.kill(Number(pid), 'SIGKILL')
      } catch {
        // gone already
      }
    }
    await run('ip', ['netns', 'del', netns])
  }
}

async function workDir(): Promise<string> {
  const dir = await tempDir('wes-devnet-lab-')
  dirs.push(dir)
  return dir
}

/** Starts a devnet and waits for its table. */
async function startDevnet(args: string[]): Promise<CliProcess> {
  const cli = spawnCli(['devnet', ...args])
  running.push(cli)
  await cli.waitFor(/^devnet running;/m, 300_000)
  return cli
}

/** The rows of the nodes table the devnet printed. */
function tableRows(text: string): { name: string; peerId: string; p2p: string; url: string }[] {
  return [...text.matchAll(/^(node-\d+) +(12D3KooW\w+) +(\/ip4\/\S+) +(http:\/\/\S+)$/gm)].map(
    ([, name, peerId, p2p, url]) => ({
      name: name as string,
      peerId: peerId as string,
      p2p: p2p as string,
      url: url as string,
    }),
  )
}

/** The namespace prefix the devnet printed (`lab: <topology> (namespaces <prefix><host>; ...`). */
function labPrefix(text: string, topology: string): string {
  const prefix = new RegExp(`^lab: +${topology} \\(namespaces (wesnl-\\d+-\\w+-)<host>;`, 'm').exec(
    text,
  )?.[1]
  if (prefix === undefined) throw new Error(`no lab line in: ${text}`)
  return prefix
}

async function state(dir: string): Promise<DevnetState> {
  return JSON.parse(await readFile(join(dir, 'devnet.json'), 'utf8')) as DevnetState
}

/** `/metrics` of `target` (host:port) on the machine's loopback, or '' while it does not answer. */
async function metricsOf(target: string): Promise<string> {
  try {
    const res = await fetch(`http://${target}/metrics`)
    return res.ok ? await res.text() : ''
  } catch {
    return ''
  }
}

describe('wes-node devnet --lab', () => {
  labIt(
    'runs 3 nodes on the public-network lab: table, status ok, forwarded targets, SIGTERM leaves no process and no namespace',
    async () => {
      const dir = await workDir()
      const cli = await startDevnet([
        '--lab',
        'public-network',
        '--nodes',
        '3',
        '--dir',
        dir,
        '--base-port',
        String(LAB_PORT),
        '--diag-base-port',
        '0',
      ])
      const out = cli.stdout()

      // the table: lab addresses for p2p, forwarded loopback URLs for diagnostics
      const rows = tableRows(out)
      expect(rows.map((row) => row.name)).toEqual(['node-1', 'node-2', 'node-3'])
      expect(rows.map((row) => row.p2p)).toEqual(
        [1, 2, 3].map((i) => `/ip4/6.0.0.${i}/tcp/${LAB_PORT + i - 1}`),
      )
      for (const row of rows) expect(row.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)

      // one namespace per host plus the switch, named after the devnet's pid
      const prefix = labPrefix(out, 'public-network')
      expect(prefix.startsWith(`wesnl-${cli.child.pid}-`)).toBe(true)
      expect((await namespaces(prefix)).sort()).toEqual(
        ['node1', 'node2', 'node3', 'switch'].map((host) => `${prefix}${host}`),
      )

      const before = await state(dir)
      expect(before.control_pid).toBe(cli.child.pid)
      expect(before.lab).toMatchObject({ topology: 'public-network', netns_prefix: prefix })
      expect(before.nodes.map((node) => node.peer_id)).toEqual(rows.map((row) => row.peerId))
      expect(before.nodes.map((node) => node.diagnostics_url)).toEqual(rows.map((row) => row.url))
      expect(before.nodes.map((node) => node.netns)).toEqual(
        ['node1', 'node2', 'node3'].map((host) => `${prefix}${host}`),
      )

      // every node ok: node 2 and 3 reached node 1 by its lab address
      const status = await runCliProcess(
        ['devnet', 'status', '--dir', dir, '--json', '--wait', '240'],
        {},
        300_000,
      )
      const nodes = (JSON.parse(status.stdout) as { nodes: NodeStatus[] }).nodes
      expect({ code: status.code, verdicts: nodes.map((node) => node.status) }).toEqual({
        code: 0,
        verdicts: ['ok', 'ok', 'ok'],
      })

      // targets.json: the three forwarded loopback addresses, each answering /metrics
      const groups = JSON.parse(await readFile(join(dir, 'targets.json'), 'utf8')) as {
        targets: string[]
        labels: { node_name: string }
      }[]
      expect(groups.map((group) => group.labels.node_name)).toEqual(['node-1', 'node-2', 'node-3'])
      const targets = groups.flatMap((group) => group.targets)
      expect(targets).toEqual(rows.map((row) => row.url.replace('http://', '')))
      for (const target of targets) {
        const text = await until(
          () => metricsOf(target),
          (body) => /^p2p_peers_total [1-9]/m.test(body),
          `p2p_peers_total >= 1 on ${target}`,
          120_000,
        )
        expect(text).toMatch(/^# TYPE p2p_bandwidth_in_total_bytes gauge$/m)
      }

      // a lab has a fixed size: add and remove say so and change nothing
      for (const args of [['add'], ['remove', '2']]) {
        const answer = await runCliProcess(['devnet', ...args, '--dir', dir], {}, 60_000)
        expect({ code: answer.code, stderr: answer.stderr }).toEqual({
          code: 2,
          stderr: expect.stringMatching(/^wes-node: a lab devnet has a fixed size \(3 host/),
        })
      }
      expect((await state(dir)).nodes.map((node) => node.pid)).toEqual(
        before.nodes.map((node) => node.pid),
      )

      // SIGTERM: exit 0, then no node process and no namespace of the lab
      expect(await cli.stop('SIGTERM', 120_000)).toBe(0)
      expect(cli.stdout()).toMatch(/^devnet stopped$/m)
      expect(await processesWith(dir)).toEqual([])
      expect(await processesWith(`${prefix}`)).toEqual([])
      expect(await namespaces(prefix)).toEqual([])
      const after = await state(dir)
      expect(after.control_pid).toBeNull()
      expect(after.nodes.map((node) => node.pid)).toEqual([null, null, null])
    },
    900_000,
  )

  labIt(
    "removes a SIGKILLed lab devnet's namespaces at the next start, and its nodes stop by themselves",
    async () => {
      const dir = await workDir()
      const args = ['--lab', 'lan', '--nodes', '1', '--dir', dir, '--diag-base-port', '0']
      const first = await startDevnet(args)
      const prefix = labPrefix(first.stdout(), 'lan')
      expect(tableRows(first.stdout()).map((row) => row.p2p)).toEqual(['/ip4/10.1.0.1/tcp/29000'])
      first.child.kill('SIGKILL')
      await first.exited(30_000)
      // the lab's working folder of the killed run (`<tmp>/<prefix>XXXXXX`) stays behind too; the
      // next start removes it with the namespaces (and afterEach, should that fail)
      const labFolders = async (): Promise<string[]> =>
        (await readdir(tmpdir())).filter((entry) => entry.startsWith(prefix))
      const leftFolders = await labFolders()
      expect(leftFolders).toHaveLength(1)
      dirs.push(...leftFolders.map((entry) => join(tmpdir(), entry)))
      // the node's stdin pipe broke: it stops on its own; the namespaces stay until the next start
      await until(
        () => processesWith(dir),
        (left) => left.length === 0,
        'the node gone',
        60_000,
      )
      expect((await namespaces(prefix)).length).toBe(2)

      const second = await startDevnet(args)
      // (other dead labs of this machine may be among them)
      expect(second.stderr()).toMatch(/removed \d+ namespace\(s\) a killed lab devnet left: /)
      expect(second.stderr()).toContain(`${prefix}peer1`)
      expect(await namespaces(prefix)).toEqual([])
      expect(await labFolders()).toEqual([])
      const secondPrefix = labPrefix(second.stdout(), 'lan')
      expect(await second.stop('SIGTERM', 120_000)).toBe(0)
      expect(await namespaces(secondPrefix)).toEqual([])
      expect(await processesWith(dir)).toEqual([])
    },
    900_000,
  )

  it('exits 2 with the reason when the lab cannot run here (no `ip` on the PATH), creating nothing', async () => {
    const parent = await workDir()
    const dir = join(parent, 'never')
    const answer = await runCliProcess(
      ['devnet', '--lab', 'lan', '--dir', dir],
      { PATH: '/nonexistent' },
      60_000,
    )
    expect({ code: answer.code, stdout: answer.stdout }).toEqual({ code: 2, stdout: '' })
    expect(answer.stderr).toMatch(
      /^wes-node: --lab: the network lab needs (root|`ip` \(Debian package iproute2\))/,
    )
    await expect(access(dir)).rejects.toThrow()
  })
})
