import { execFileSync, spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { connect } from 'node:net'
import { fileURLToPath } from 'node:url'
import { NETNS_PREFIX, publicNetwork, removeStaleLabs, startLab } from '../../src/index.js'
import { connect as connectFrom, ipIn, labTest, listen, namespaces } from '../fixtures/lab.js'
import type { Lab } from '../../src/index.js'

const it = labTest('netlab safety tests')
const HOLD_LAB = fileURLToPath(new URL('../fixtures/hold-lab.mjs', import.meta.url))

let lab: Lab | undefined
afterEach(async () => {
  await lab?.stop()
  lab = undefined
})

function rootLinks(): string {
  return execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' })
    .split('\n')
    .map((line) => line.split(':')[1]?.trim() ?? '')
    .sort()
    .join(',')
}

function machineAddress(): string | undefined {
  const out = execFileSync('ip', ['-o', '-4', 'addr', 'show', 'scope', 'global'], {
    encoding: 'utf8',
  })
  return /inet (\d+\.\d+\.\d+\.\d+)/.exec(out)?.[1]
}

/** Starts hold-lab.mjs (a two-host lab in another process) and returns it with its namespaces. */
async function holdLab(): Promise<{ child: ChildProcess; namespaces: string[] }> {
  const child = spawn(process.execPath, [HOLD_LAB], { stdio: ['ignore', 'pipe', 'inherit'] })
  const line = await new Promise<string>((resolve, reject) => {
    let out = ''
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString()
      if (out.includes('\n')) resolve(out)
    })
    child.once('exit', () => reject(new Error(`hold-lab exited early: ${out}`)))
  })
  return { child, namespaces: (JSON.parse(line) as { namespaces: string[] }).namespaces }
}

/** Sends `signal` to a process and waits for its exit. */
async function killAndWait(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill(signal)
  await exited
}

describe('the lab is sealed from the machine and cleans up after itself', () => {
  it('creates nothing in the machine namespace; its hosts reach each other and nothing else', async () => {
    const before = rootLinks()
    lab = await startLab(publicNetwork(2))
    expect(rootLinks()).toBe(before)

    const ns = lab.netns('node1')
    // only the lab's own subnet is routable: no default route, no route towards the machine
    const routes = ipIn(ns, ['-4', 'route', 'show']).trim().split('\n')
    expect(routes).toHaveLength(1)
    expect(routes[0]).toMatch(/^6\.0\.0\.0\/24 dev eth0/)
    expect(
      ipIn(ns, ['-o', 'link', 'show'])
        .trim()
        .split('\n')
        .map((l) => l.split(':')[1]!.trim().split('@')[0]),
    ).toEqual(['lo', 'eth0'])

    // a listener on node2 is reachable from node1 over the lab segment
    const server = await listen(lab, 'node2', 22)
    expect(await connectFrom(lab, 'node1', '6.0.0.2', 22)).toBe('connected')
    // the machine's own address is unreachable from inside (no route), and so is a public one
    const own = machineAddress()
    if (own !== undefined) expect(await connectFrom(lab, 'node1', own, 22)).toBe('ENETUNREACH')
    expect(await connectFrom(lab, 'node1', '8.8.8.8', 22)).toBe('ENETUNREACH')
    // and the machine cannot reach the lab: whatever answers 6.0.0.2 out there, it is not node2
    const acceptedBefore = server.stdout().split('accepted').length
    await new Promise<string>((resolve) => {
      const s = connect(22, '6.0.0.2')
      s.setTimeout(2_000, () => {
        s.destroy()
        resolve('timeout')
      })
      s.on('connect', () => {
        s.destroy()
        resolve('connected')
      })
      s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'))
    })
    expect(server.stdout().split('accepted').length).toBe(acceptedBefore)
    expect(server.stdout()).toMatch(/accepted 6\.0\.0\.1 \d+\n/)

    const names = ['switch', 'node1', 'node2'].map((h) => lab!.netns(h))
    await lab.stop()
    lab = undefined
    expect(namespaces().filter((n) => names.includes(n))).toEqual([])
    expect(rootLinks()).toBe(before)
  })

  it('a lab process removes its namespaces on SIGINT; a killed one is cleaned at the next start', async () => {
    const run = async (signal: NodeJS.Signals): Promise<string[]> => {
      const { child, namespaces: created } = await holdLab()
      expect(namespaces()).toEqual(expect.arrayContaining(created))
      await killAndWait(child, signal)
      return created
    }

    const interrupted = await run('SIGINT')
    expect(namespaces().filter((n) => interrupted.includes(n))).toEqual([])

    const killed = await run('SIGKILL')
    expect(namespaces()).toEqual(expect.arrayContaining(killed))
    const removed = removeStaleLabs()
    expect(removed.sort()).toEqual([...killed].sort())
    expect(namespaces().filter((n) => n.startsWith(NETNS_PREFIX) && killed.includes(n))).toEqual([])
  }, 60_000)
})

describe('pnpm netlab', () => {
  const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url))

  function cli(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()))
    return new Promise((resolve) => child.on('close', (code) => resolve({ code, out, err })))
  }

  test('list names every topology; a bad command or topology is a usage error (exit 2)', async () => {
    const list = await cli(['list'])
    expect(list.code).toBe(0)
    expect(list.out).toMatch(/^public-network /m)
    expect(list.out).toMatch(/^home-nat /m)
    const bad = await cli(['sideways'])
    expect(bad.code).toBe(2)
    expect(bad.err).toMatch(/unknown command "sideways"; usage: netlab up/)
  })

  it('up builds a named topology until SIGINT; down removes a dead run', async () => {
    const unknown = await cli(['up', 'moon-base'])
    expect(unknown.code).toBe(2)
    expect(unknown.err).toMatch(/unknown topology "moon-base" \(one of: public-network,/)

    const up = spawn(process.execPath, [CLI, 'up', 'lan'], { stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    await new Promise<void>((resolve, reject) => {
      up.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString()
        if (out.includes('ip netns exec')) resolve()
      })
      up.once('exit', () => reject(new Error(`netlab up exited: ${out}`)))
    })
    const created = [...out.matchAll(/(wesnl-\S+)/g)].map((m) => m[1]!)
    expect(created).toHaveLength(3)
    expect(namespaces()).toEqual(expect.arrayContaining(created))
    const exited = new Promise<number | null>((resolve) => up.once('exit', resolve))
    up.kill('SIGINT')
    expect(await exited).toBe(0)
    expect(namespaces().filter((n) => created.includes(n))).toEqual([])

    // a run killed outright leaves its namespaces; `down` removes them, and leaves a running lab
    const { child: alive, namespaces: running } = await holdLab()
    const { child: killed, namespaces: left } = await holdLab()
    try {
      await killAndWait(killed, 'SIGKILL')
      const down = await cli(['down'])
      expect(down.code).toBe(0)
      expect(namespaces().filter((n) => left.includes(n))).toEqual([])
      expect(namespaces()).toEqual(expect.arrayContaining(running))
      const extra = await cli(['down', 'now'])
      expect(extra.code).toBe(2)
      expect(extra.err).toMatch(
        /unexpected "now"; usage: netlab up <topology> \| netlab down \[--all\]/,
      )
    } finally {
      await killAndWait(alive, 'SIGTERM')
    }
    expect(namespaces().filter((n) => running.includes(n))).toEqual([])
  }, 60_000)
})
