/**
 * `wes-node devnet` with the real programs: N `wes-node start` processes on loopback, `devnet
 * status|add|remove|stop` from other processes, and Debian's Prometheus following the written
 * file_sd targets without a restart. Every way the devnet ends (SIGTERM, SIGINT, `devnet stop`,
 * even SIGKILL) leaves no process behind.
 */
import { execFile, spawn } from 'node:child_process'
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import type { Server } from 'node:net'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from '@jest/globals'
import { BIN, runCliProcess, spawnCli, tempDir } from '../fixtures/cli.js'
import type { CliProcess } from '../fixtures/cli.js'
import { until } from '../fixtures/runtime.js'
import type { DevnetState } from '../../src/cmds/devnet/state.js'
import type { NodeStatus } from '../../src/cmds/devnet/status.js'

const running: CliProcess[] = []
const dirs: string[] = []
const servers: Server[] = []
/** Process groups a test started (a terminal's job): SIGKILL to what is left of them. */
const groups: number[] = []
afterEach(async () => {
  for (const group of groups.splice(0)) {
    try {
      process.kill(-group, 'SIGKILL')
    } catch {
      // gone already
    }
  }
  // SIGTERM first (the devnet stops its nodes), then SIGKILL: the nodes stop on their own then
  await Promise.all(
    running.splice(0).map(async (cli) => {
      if (cli.child.exitCode !== null || cli.child.signalCode !== null) return
      await cli.stop('SIGTERM', 60_000).catch(() => cli.stop('SIGKILL').catch(() => undefined))
    }),
  )
  await Promise.all(dirs.map((dir) => gone(dir).catch(() => undefined)))
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })))
  await Promise.all(
    servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))),
  )
}, 120_000)

async function workDir(): Promise<string> {
  const dir = await tempDir('wes-devnet-')
  dirs.push(dir)
  return dir
}

/** Command lines of running processes that mention `text` (pgrep -f), none when there are none. */
function processesWith(text: string): Promise<string[]> {
  return new Promise((resolve) => {
    execFile('pgrep', ['-af', '--', text], (_err, stdout) =>
      resolve(stdout.split('\n').filter((line) => line.trim() !== '')),
    )
  })
}

/** Waits until no process mentions `dir` (bounded); returns what is left (nothing). */
async function gone(dir: string): Promise<string[]> {
  return until(
    () => processesWith(dir),
    (left) => left.length === 0,
    `no process in ${dir}`,
    60_000,
  )
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () =>
      server.close(() => resolve(true)),
    )
  })
}

/**
 * A first port of `count` free consecutive ports for p2p and, 100 above, for diagnostics: below
 * the kernel's ephemeral range (32768+), so no outgoing connection takes one meanwhile.
 */
async function freeBasePort(count: number): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 120) * 100
    const ports = Array.from({ length: count }, (_, i) => [base + i, base + 100 + i]).flat()
    const free = await Promise.all(ports.map(portFree))
    if (free.every(Boolean)) return base
  }
  throw new Error('no free port range found')
}

/** The rows of the nodes table the devnet (or `devnet add`) printed. */
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

async function state(dir: string): Promise<DevnetState> {
  return JSON.parse(await readFile(join(dir, 'devnet.json'), 'utf8')) as DevnetState
}

async function targets(dir: string): Promise<{ targets: string[]; labels: object }[]> {
  return JSON.parse(await readFile(join(dir, 'targets.json'), 'utf8')) as {
    targets: string[]
    labels: object
  }[]
}

/** Runs `wes-node devnet <args>` to its end (status, add, remove, stop). */
function devnet(args: string[], timeoutMs = 120_000) {
  return runCliProcess(['devnet', ...args], {}, timeoutMs)
}

async function status(
  dir: string,
  wait?: number,
): Promise<{ code: number | null; nodes: NodeStatus[] }> {
  const result = await devnet([
    'status',
    '--dir',
    dir,
    '--json',
    ...(wait !== undefined ? ['--wait', String(wait)] : []),
  ])
  return { code: result.code, nodes: (JSON.parse(result.stdout) as { nodes: NodeStatus[] }).nodes }
}

interface ActiveTarget {
  labels: Record<string, string>
  health: string
}

/** Prometheus's active targets of job wes-p2p. */
async function activeTargets(url: string): Promise<ActiveTarget[]> {
  try {
    const res = await fetch(`${url}/api/v1/targets?state=active`)
    const body = (await res.json()) as { data: { activeTargets: ActiveTarget[] } }
    return body.data.activeTargets.filter((target) => target.labels.job === 'wes-p2p')
  } catch {
    return []
  }
}

const upNames = (list: ActiveTarget[]): string[] =>
  list
    .filter((target) => target.health === 'up')
    .map((target) => target.labels.node_name as string)
    .sort()

/** Starts a devnet and waits for its table. */
async function startDevnet(args: string[]): Promise<CliProcess> {
  const cli = spawnCli(['devnet', ...args])
  running.push(cli)
  await cli.waitFor(/^devnet running;/m, 240_000)
  return cli
}

describe('wes-node devnet', () => {
  it('runs 3 nodes that find each other; add and remove reach Prometheus without a restart; SIGTERM leaves nothing', async () => {
    const dir = await workDir()
    const base = await freeBasePort(5)
    const cli = await startDevnet([
      '--nodes',
      '3',
      '--dir',
      dir,
      '--base-port',
      String(base),
      '--diag-base-port',
      String(base + 100),
      '--prometheus',
      '--prometheus-port',
      '0',
    ])

    // the table: consecutive ports, one row per node
    const rows = tableRows(cli.stdout())
    expect(rows.map((row) => row.name)).toEqual(['node-1', 'node-2', 'node-3'])
    expect(rows.map((row) => row.p2p)).toEqual(
      [0, 1, 2].map((i) => `/ip4/127.0.0.1/tcp/${base + i}`),
    )
    expect(rows.map((row) => row.url)).toEqual(
      [0, 1, 2].map((i) => `http://127.0.0.1:${base + 100 + i}`),
    )
    const before = await state(dir)
    expect(before.control_pid).toBe(cli.child.pid)
    expect(before.nodes.map((node) => node.peer_id)).toEqual(rows.map((row) => row.peerId))
    const prometheusUrl = /^prometheus: (http:\/\/127\.0\.0\.1:\d+)$/m.exec(cli.stdout())?.[1]
    expect(prometheusUrl).toBe(before.prometheus?.url)
    const promUrl = prometheusUrl as string
    for (const node of before.nodes) {
      const line = (await processesWith(`--data-dir ${node.data_dir} `))[0] ?? ''
      expect(line).toContain(`${node.pid} `)
      expect(line).toContain('wes-node.js start')
    }

    // every node has a peer and is ok: the fleet view exits 0
    const healthy = await status(dir, 180)
    expect(healthy.code).toBe(0)
    expect(healthy.nodes.map((node) => [node.node, node.status])).toEqual([
      ['node-1', 'ok'],
      ['node-2', 'ok'],
      ['node-3', 'ok'],
    ])
    for (const node of healthy.nodes) expect(node.peers).toBeGreaterThanOrEqual(1)
    const table = await devnet(['status', '--dir', dir])
    expect(table.code).toBe(0)
    expect(table.stdout).toMatch(/^NODE +PEER ID +STATUS +PEERS +REASONS$/m)
    expect(table.stdout).toMatch(/^node-3 +12D3KooW\w+ +ok +\d+ +/m)

    // Prometheus scrapes the three, labelled by node_name
    await until(
      () => activeTargets(promUrl),
      (list) => upNames(list).join() === 'node-1,node-2,node-3',
      'Prometheus scraping 3 nodes',
      120_000,
    )
    const prometheusPid = before.prometheus?.pid

    // add: a fourth node joins, targets.json has 4 groups, Prometheus follows
    const added = await devnet(['add', '--dir', dir], 180_000)
    expect(added).toMatchObject({ code: 0, stderr: '' })
    expect(tableRows(added.stdout).map((row) => [row.name, row.url])).toEqual([
      ['node-4', `http://127.0.0.1:${base + 103}`],
    ])
    expect((await targets(dir)).map((group) => group.labels)).toEqual(
      [1, 2, 3, 4].map((i) => ({ node_name: `node-${i}` })),
    )
    const joined = await until(
      () => status(dir),
      (result) => result.nodes.find((node) => node.node === 'node-4')?.status === 'ok',
      'node-4 ok',
      180_000,
    )
    expect(joined.nodes.find((node) => node.node === 'node-4')?.peers).toBeGreaterThanOrEqual(1)
    await until(
      () => activeTargets(promUrl),
      (list) => upNames(list).join() === 'node-1,node-2,node-3,node-4',
      'Prometheus scraping node-4',
      120_000,
    )

    // remove: node-2 stops and leaves the targets; Prometheus drops it
    const node2 = (await state(dir)).nodes.find((node) => node.name === 'node-2')
    const removed = await devnet(['remove', 'node-2', '--dir', dir])
    expect(removed).toMatchObject({ code: 0, stdout: `removed node-2 ${node2?.peer_id}\n` })
    expect((await targets(dir)).map((group) => group.targets[0])).toEqual(
      [0, 2, 3].map((i) => `127.0.0.1:${base + 100 + i}`),
    )
    expect((await state(dir)).nodes.map((node) => node.name)).toEqual([
      'node-1',
      'node-3',
      'node-4',
    ])
    expect(await processesWith(`--data-dir ${node2?.data_dir} `)).toEqual([])
    await until(
      () => activeTargets(promUrl),
      (list) =>
        list
          .map((target) => target.labels.node_name)
          .sort()
          .join() === 'node-1,node-3,node-4',
      'Prometheus without node-2',
      120_000,
    )
    // the same Prometheus all along: no restart
    expect((await state(dir)).prometheus?.pid).toBe(prometheusPid)

    // a node that is not there, and bad input from another shell: exit 2, nothing changes
    const missing = await devnet(['remove', '9', '--dir', dir])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toMatch(/no node "9" in this devnet \(nodes: 1, 3, 4\)/)
    const twice = await devnet(['--dir', dir, '--nodes', '2'])
    expect(twice.code).toBe(2)
    expect(twice.stderr).toMatch(/a devnet already runs in .* \(pid \d+\); stop it first/)
    // an add whose ports are taken starts nothing: node-2 and node-5 would be next
    const busy = createServer()
    servers.push(busy)
    await new Promise<void>((resolve) => busy.listen(base + 104, '127.0.0.1', resolve))
    const blocked = await devnet(['add', '--count', '2', '--dir', dir])
    expect(blocked.code).toBe(2)
    expect(blocked.stderr).toMatch(
      new RegExp(`^wes-node: port ${base + 104} \\(diagnostics of node-5\\) is in use`),
    )
    expect((await targets(dir)).length).toBe(3)
    expect((await state(dir)).nodes.map((node) => node.name)).toEqual([
      'node-1',
      'node-3',
      'node-4',
    ])

    // SIGTERM: exit 0, every process gone, the state says it stopped
    const pids = (await state(dir)).nodes.map((node) => node.pid as number)
    expect(await cli.stop('SIGTERM', 90_000)).toBe(0)
    expect(cli.stdout()).toMatch(/devnet stopped\n$/)
    expect(await gone(dir)).toEqual([])
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow()
    const after = await state(dir)
    expect(after.control_pid).toBeNull()
    expect(after.nodes.every((node) => node.pid === null)).toBe(true)
    for (const node of after.nodes) {
      expect(await readFile(node.log_file, 'utf8')).toMatch(/node stopped/)
    }
  }, 900_000)

  it('SIGINT stops every node cleanly and leaves no process; a node that died stays listed until removed', async () => {
    const dir = await workDir()
    const cli = await startDevnet([
      '--nodes',
      '2',
      '--dir',
      dir,
      '--base-port',
      '0',
      '--diag-base-port',
      '0',
    ])
    expect(tableRows(cli.stdout())).toHaveLength(2)
    expect((await status(dir, 180)).code).toBe(0)

    // a node killed behind the devnet's back stays listed and targeted, down, until removed
    const killed = (await state(dir)).nodes[1]
    expect(killed?.name).toBe('node-2')
    process.kill(killed?.pid as number, 'SIGKILL')
    await until(
      () => state(dir),
      (now) => now.nodes[1]?.pid === null,
      'node-2 listed without a pid',
      60_000,
    )
    expect(cli.stderr()).toMatch(/^wes-node devnet: node-2 exited \(SIGKILL\) while running;/m)
    const down = await status(dir)
    expect(down.code).toBe(1)
    expect(down.nodes[1]).toMatchObject({ node: 'node-2', status: 'unreachable', peers: null })
    expect(await targets(dir)).toHaveLength(2)
    expect(await devnet(['remove', '2', '--dir', dir])).toMatchObject({ code: 0 })
    expect((await targets(dir)).map((group) => group.labels)).toEqual([{ node_name: 'node-1' }])

    expect(await cli.stop('SIGINT', 90_000)).toBe(0)
    expect(await gone(dir)).toEqual([])
    const [last] = (await state(dir)).nodes
    expect(await readFile(last?.log_file as string, 'utf8')).toMatch(/node stopped/)
  }, 600_000)

  it('Ctrl-C in a terminal (SIGINT to the whole process group) stops nodes and Prometheus, no orphan', async () => {
    const dir = await workDir()
    // a terminal's foreground job: the devnet leads a process group of its own, its nodes and
    // Prometheus's shell in it, and Ctrl-C sends SIGINT to every process of the group
    const child = spawn(
      process.execPath,
      [
        BIN,
        'devnet',
        '--nodes',
        '2',
        '--dir',
        dir,
        '--base-port',
        '0',
        '--diag-base-port',
        '0',
        '--prometheus',
        '--prometheus-port',
        '0',
      ],
      { detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
    )
    const group = child.pid as number
    groups.push(group)
    let out = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (out += chunk))
    const exit = new Promise<number | null>((resolve) => child.once('exit', resolve))
    await until(
      async () => out,
      (text) => /^devnet running;/m.test(text) || child.exitCode !== null,
      'the devnet running',
      240_000,
    )
    expect(out).toMatch(/^prometheus: http:/m)
    expect(await processesWith(`--storage.tsdb.path=${dir}/`)).toContainEqual(
      expect.stringMatching(/^\d+ \/\S*prometheus --config\.file=/),
    )
    process.kill(-group, 'SIGINT')
    expect(await exit).toBe(0)
    expect(await gone(dir)).toEqual([])
    for (const node of (await state(dir)).nodes) {
      expect(await readFile(node.log_file, 'utf8')).toMatch(/node stopped/)
    }
  }, 600_000)

  it('devnet stop from another shell stops it; nodes of a devnet killed with SIGKILL stop by themselves', async () => {
    const dir = await workDir()
    const args = ['--nodes', '2', '--dir', dir, '--base-port', '0', '--diag-base-port', '0']
    await startDevnet(args)
    const stopped = await devnet(['stop', '--dir', dir], 120_000)
    expect(stopped).toMatchObject({ code: 0, stderr: '' })
    expect(stopped.stdout).toMatch(/^devnet in .* stopped \(pid \d+\)$/m)
    expect(await gone(dir)).toEqual([])

    // the same directory again (same identities), then the devnet dies without a word
    const again = await startDevnet(args)
    const pids = (await state(dir)).nodes.map((node) => node.pid as number)
    expect(pids).toHaveLength(2)
    again.child.kill('SIGKILL')
    expect(await gone(dir)).toEqual([])
    const after = await devnet(['stop', '--dir', dir])
    expect(after).toMatchObject({ code: 0, stdout: `no devnet was running in ${dir}\n` })
    const left = await devnet(['status', '--dir', dir])
    expect(left.code).toBe(1)
    expect(left.stdout).toMatch(/^node-2 +12D3KooW\w+ +unreachable +- +ERR_UNREACHABLE$/m)
    expect(left.stderr).toMatch(
      /\(the devnet in .* is not running: start it with wes-node devnet --dir /,
    )
    for (const node of (await state(dir)).nodes) {
      // each node saw its stdin end and stopped cleanly
      expect(await readFile(node.log_file, 'utf8')).toMatch(/node stopped[\s\S]*node stopped/)
    }
  }, 600_000)

  it('refuses a busy port, a foreign directory and a missing prometheus with exit 2 before starting anything', async () => {
    const dir = await workDir()
    const base = await freeBasePort(3)
    const busy = createServer()
    servers.push(busy)
    await new Promise<void>((resolve) => busy.listen(base + 101, '127.0.0.1', resolve))
    const taken = await devnet([
      '--nodes',
      '3',
      '--dir',
      join(dir, 'net'),
      '--base-port',
      String(base),
      '--diag-base-port',
      String(base + 100),
    ])
    expect(taken.code).toBe(2)
    expect(taken.stderr).toBe(
      `wes-node: port ${base + 101} (diagnostics of node-2) is in use on 127.0.0.1; choose other ports (--base-port, --diag-base-port, --prometheus-port)\n`,
    )
    expect(await processesWith(dir)).toEqual([])

    const foreign = join(dir, 'home')
    await mkdir(foreign)
    await writeFile(join(foreign, 'notes.txt'), 'mine\n')
    const refused = await devnet(['--dir', foreign, '--base-port', '0', '--diag-base-port', '0'])
    expect(refused.code).toBe(2)
    expect(refused.stderr).toMatch(/is not empty and holds no devnet\.json/)
    expect(await readFile(join(foreign, 'notes.txt'), 'utf8')).toBe('mine\n')

    const noPrometheus = await runCliProcess(
      [
        'devnet',
        '--dir',
        join(dir, 'np'),
        '--prometheus',
        '--base-port',
        '0',
        '--diag-base-port',
        '0',
      ],
      { PATH: join(dir, 'empty-path') },
    )
    expect(noPrometheus.code).toBe(2)
    expect(noPrometheus.stderr).toMatch(/apt-get install prometheus/)

    const noDevnet = await devnet(['status', '--dir', join(dir, 'nothing')])
    expect(noDevnet.code).toBe(1)
    expect(noDevnet.stderr).toMatch(/^wes-node: no devnet in .*nothing/)
  }, 300_000)
})
