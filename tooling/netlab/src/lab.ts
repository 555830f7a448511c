/**
 * Starts a topology on real Linux networking and tears it down again.
 *
 * Every host is a network namespace; every segment is a bridge inside one more namespace of the
 * lab's own (the switch), joined to the hosts by veth pairs created directly inside the
 * namespaces. Nothing is created in the machine's own namespace: no link, no route, no address,
 * so the lab's public-looking addresses cannot reach the machine's network, nor it them.
 *
 * Every namespace is named `wesnl-<pid>-<run>-<host>`: the owning process's pid makes a dead
 * run's leftovers recognisable, and {@link removeStaleLabs} (called by every start) removes them.
 * A lab is torn down by `stop()`, on process exit, and on SIGINT/SIGTERM.
 *
 * Over 300 lines on purpose: building, running processes in and tearing down a lab share the
 * run's state (namespaces, processes, exit handlers).
 */

import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ip, ipIn, nftCommandIn, nftIn } from './commands.js'
import { partitionRules, segmentRules } from './rules.js'
import { parseCidr, validateTopology } from './topology.js'
import type { HostSpec, Topology } from './topology.js'
import type { ChildProcess, SpawnOptions } from 'node:child_process'

/** The prefix of every namespace the lab creates. */
export const NETNS_PREFIX = 'wesnl-'
const SWITCH = 'switch'

export interface LabProcess {
  readonly host: string
  readonly child: ChildProcess
  /** Everything the process wrote to stdout and stderr so far. */
  stdout(): string
  stderr(): string
  /** Resolves with the first match of `pattern` on stdout; rejects on exit or after `timeoutMs`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>
  /** Resolves with the exit code once the process ends by itself; rejects after `timeoutMs`. */
  exited(timeoutMs?: number): Promise<number | null>
  /** Sends `signal`, waits up to `timeoutMs` for the exit, then SIGKILLs; resolves with the code. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | null>
}

export interface Lab {
  /** This run's id (part of every namespace name). */
  readonly id: string
  readonly topology: Topology
  /** A folder for the run's files (sockets, data directories); removed at stop. */
  readonly dir: string
  /** The namespace of `host`. */
  netns(host: string): string
  /** The address (no prefix) of `host` on `segment`, or on its first interface. */
  address(host: string, segment?: string): string
  /** Starts `command args` inside `host`'s namespace; stopped at the latest when the lab stops. */
  spawn(host: string, command: string, args: readonly string[], options?: SpawnOptions): LabProcess
  /**
   * Cuts every link between the hosts of `sideA` and those of `sideB` (frames between them are
   * dropped in the switch), while each side keeps talking within itself; `heal()` undoes it.
   */
  partition(sideA: readonly string[], sideB: readonly string[]): Partition
  /** Stops every process, deletes every namespace and the run's folder. Idempotent. */
  stop(): Promise<void>
}

export interface Partition {
  /** Lets frames through again. Idempotent. */
  heal(): void
}

export interface LabInit {
  /** Extra environment for every spawned process. */
  env?: Record<string, string>
  /**
   * Tear the lab down and exit on SIGINT/SIGTERM. A program with its own signal handling
   * (which then calls `stop()`) turns it off. @default true
   */
  handleSignals?: boolean
}

const live = new Set<DefaultLab>()
let handlersInstalled = false

let signalHandlersInstalled = false

function installExitHandlers(handleSignals: boolean): void {
  if (!handlersInstalled) {
    handlersInstalled = true
    process.on('exit', () => {
      for (const lab of [...live]) lab.teardownSync()
    })
  }
  if (!handleSignals || signalHandlersInstalled) return
  signalHandlersInstalled = true
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      for (const lab of [...live]) lab.teardownSync()
      process.exit(signal === 'SIGINT' ? 130 : 143)
    })
  }
}

/** Kills whatever still runs in `netns`, then deletes it. Never throws. */
function deleteNetns(netns: string): void {
  try {
    const pids = ip(['netns', 'pids', netns]).split(/\s+/).filter(Boolean).map(Number)
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL')
      } catch {
        // already gone
      }
    }
  } catch {
    // the namespace is gone already
  }
  try {
    ip(['netns', 'del', netns])
  } catch {
    // already gone
  }
}

function labNamespaces(): string[] {
  return ip(['netns', 'list'])
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter((name) => name.startsWith(NETNS_PREFIX))
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * Removes the namespaces (and the processes in them) of lab runs whose process is gone.
 *
 * @returns the namespaces it removed
 */
export function removeStaleLabs(): string[] {
  const removed: string[] = []
  for (const netns of labNamespaces()) {
    if (!stale(netns)) continue
    deleteNetns(netns)
    removed.push(netns)
  }
  // the working folders of dead runs (`wesnl-<pid>-<run>-XXXXXX` in the temp folder) go with them
  for (const entry of readdirSync(tmpdir())) {
    if (LAB_FOLDER.test(entry) && stale(entry)) {
      rmSync(join(tmpdir(), entry), { recursive: true, force: true })
    }
  }
  return removed
}

/** A lab's working folder: `wesnl-<pid>-<run>-` and mkdtemp's six characters. */
const LAB_FOLDER = new RegExp(`^${NETNS_PREFIX}\\d+-[0-9a-f]{6}-[A-Za-z0-9]{6}$`)

/**
 * Whether a lab name (`wesnl-<pid>-<run>-...`, a namespace or a working folder) belongs to a run
 * that is gone: its process is dead, or it is this process's and no live lab has its run.
 */
function stale(name: string): boolean {
  const [pidText, run] = name.slice(NETNS_PREFIX.length).split('-')
  const pid = Number(pidText)
  if (!Number.isInteger(pid) || pid <= 0) return false
  if (pid !== process.pid) return !alive(pid)
  return ![...live].some((lab) => lab.id === run)
}

/** Removes every lab namespace of every run, live or not (`pnpm netlab down`). */
export function removeAllLabs(): string[] {
  for (const lab of [...live]) lab.teardownSync()
  const names = labNamespaces()
  names.forEach(deleteNetns)
  return names
}

class DefaultLab implements Lab {
  readonly id: string
  readonly topology: Topology
  readonly dir: string
  private readonly env: Record<string, string>
  private readonly processes = new Set<LabProcess>()
  private readonly created: string[] = []
  private stopped = false
  private partitions = 0

  constructor(topology: Topology, init: LabInit) {
    this.id = randomBytes(3).toString('hex')
    this.topology = topology
    this.env = init.env ?? {}
    this.dir = mkdtempSync(join(tmpdir(), `${NETNS_PREFIX}${process.pid}-${this.id}-`))
  }

  netns(host: string): string {
    if (host !== SWITCH && !this.topology.hosts.some((h) => h.name === host)) {
      throw new Error(`no host "${host}" in topology "${this.topology.name}"`)
    }
    return `${NETNS_PREFIX}${process.pid}-${this.id}-${host}`
  }

  address(host: string, segment?: string): string {
    const spec = this.host(host)
    const iface =
      segment === undefined
        ? spec.interfaces[0]
        : spec.interfaces.find((candidate) => candidate.segment === segment)
    if (iface === undefined) throw new Error(`host "${host}" has no interface on "${segment}"`)
    return parseCidr(iface.address)!.address
  }

  /** Creates every namespace, bridge, link, address, route and ruleset. */
  build(): void {
    const sw = this.netns(SWITCH)
    this.addNetns(sw)
    this.topology.segments.forEach((segment, index) => {
      const bridge = `br${index}`
      ipIn(sw, ['link', 'add', bridge, 'type', 'bridge'])
      // flood multicast to every port, as a plain switch does (mDNS needs it; no querier here)
      ipIn(sw, ['link', 'set', bridge, 'type', 'bridge', 'mcast_snooping', '0'])
      ipIn(sw, ['link', 'set', bridge, 'up'])
      const ports = this.topology.hosts.flatMap((host, hostIndex) =>
        host.interfaces.flatMap((iface, ifIndex) =>
          iface.segment === segment.name ? [portName(hostIndex, ifIndex)] : [],
        ),
      )
      const rules = segmentRules({
        bridge,
        ports,
        dropMulticast: segment.dropMulticast,
        lossPercent: segment.lossPercent,
      })
      if (rules !== undefined) nftIn(sw, rules)
    })
    this.topology.hosts.forEach((host, hostIndex) => {
      const ns = this.netns(host.name)
      this.addNetns(ns)
      host.interfaces.forEach((iface, ifIndex) => {
        const port = portName(hostIndex, ifIndex)
        const bridge = `br${this.topology.segments.findIndex((s) => s.name === iface.segment)}`
        // both ends are born inside the lab's namespaces: nothing touches the machine's own
        ipIn(sw, [
          'link',
          'add',
          port,
          'type',
          'veth',
          'peer',
          'name',
          `eth${ifIndex}`,
          'netns',
          ns,
        ])
        ipIn(sw, ['link', 'set', port, 'master', bridge])
        ipIn(sw, ['link', 'set', port, 'up'])
        ipIn(ns, ['addr', 'add', iface.address, 'dev', `eth${ifIndex}`])
        ipIn(ns, ['link', 'set', `eth${ifIndex}`, 'up'])
      })
      if (host.gateway !== undefined) ipIn(ns, ['route', 'add', 'default', 'via', host.gateway])
      for (const route of host.routes ?? []) ipIn(ns, ['route', 'add', ...route])
      if (host.forward === true) {
        execSysctl(ns, 'net.ipv4.ip_forward=1')
      }
      if (host.nftables !== undefined) nftIn(ns, host.nftables)
    })
  }

  spawn(
    host: string,
    command: string,
    args: readonly string[],
    options: SpawnOptions = {},
  ): LabProcess {
    if (this.stopped) throw new Error('the lab is stopped')
    // `ip netns exec` execs the command in place: the child's pid is the command's own
    const child = spawn('ip', ['netns', 'exec', this.netns(host), command, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      ...options,
      env: { ...process.env, ...this.env, ...options.env },
    })
    const labProcess = watchProcess(host, child)
    this.processes.add(labProcess)
    child.once('exit', () => this.processes.delete(labProcess))
    return labProcess
  }

  partition(sideA: readonly string[], sideB: readonly string[]): Partition {
    const ports = (hosts: readonly string[]): string[] =>
      hosts.flatMap((name) => {
        const index = this.topology.hosts.findIndex((h) => h.name === name)
        if (index < 0) throw new Error(`no host "${name}" in topology "${this.topology.name}"`)
        return this.topology.hosts[index]!.interfaces.map((_, ifIndex) => portName(index, ifIndex))
      })
    const table = `lab_partition_${++this.partitions}`
    const sw = this.netns(SWITCH)
    nftIn(sw, partitionRules(table, ports(sideA), ports(sideB)))
    let healed = false
    return {
      heal: () => {
        if (healed || this.stopped) return
        healed = true
        nftCommandIn(sw, ['delete', 'table', 'bridge', table])
      },
    }
  }

  async stop(): Promise<void> {
    if (this.stopped) return
    await Promise.all([...this.processes].map(async (p) => p.stop('SIGTERM', 5_000)))
    this.teardownSync()
  }

  /** Kills what runs, removes namespaces and files; synchronous, for exit handlers too. */
  teardownSync(): void {
    this.stopped = true
    live.delete(this)
    for (const p of this.processes) p.child.kill('SIGKILL')
    this.processes.clear()
    for (const netns of this.created.reverse()) deleteNetns(netns)
    this.created.length = 0
    rmSync(this.dir, { recursive: true, force: true })
  }

  register(handleSignals: boolean): void {
    live.add(this)
    installExitHandlers(handleSignals)
  }

  private addNetns(netns: string): void {
    ip(['netns', 'add', netns])
    this.created.push(netns)
    // MULTICAST on lo: a loopback-only host can still run mDNS among its own processes
    ipIn(netns, ['link', 'set', 'lo', 'up', 'multicast', 'on'])
  }

  private host(name: string): HostSpec {
    const spec = this.topology.hosts.find((h) => h.name === name)
    if (spec === undefined) throw new Error(`no host "${name}" in topology "${this.topology.name}"`)
    return spec
  }
}

/** The switch-side name of a host's interface (interface names are at most 15 bytes). */
function portName(hostIndex: number, ifIndex: number): string {
  return `h${hostIndex}p${ifIndex}`
}

function execSysctl(netns: string, setting: string): void {
  ip(['netns', 'exec', netns, 'sysctl', '-q', '-w', setting])
}

function watchProcess(host: string, child: ChildProcess): LabProcess {
  let out = ''
  let err = ''
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (out += chunk))
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (err += chunk))
  // a spawn failure (no `ip`, EACCES) ends the process like an exit, never as an uncaught error
  child.on('error', (error) => (err += `\nspawn failed: ${error.message}`))
  const exited = new Promise<number | null>((resolve) => {
    child.once('close', (code) => resolve(code))
    child.once('error', () => resolve(null))
  })
  const running = (): boolean => child.exitCode === null && child.signalCode === null
  return {
    host,
    child,
    stdout: () => out,
    stderr: () => err,
    async waitFor(pattern, timeoutMs = 15_000) {
      return new Promise<RegExpExecArray>((resolve, reject) => {
        const timer = setTimeout(() => {
          finish()
          reject(new Error(`${host}: ${pattern} not seen within ${timeoutMs} ms; stderr: ${err}`))
        }, timeoutMs)
        const check = (): void => {
          const match = pattern.exec(out)
          if (match !== null) {
            finish()
            resolve(match)
          }
        }
        const onExit = (): void => {
          finish()
          reject(new Error(`${host}: exited before ${pattern}; stdout: ${out}; stderr: ${err}`))
        }
        function finish(): void {
          clearTimeout(timer)
          child.stdout?.off('data', check)
          child.off('close', onExit)
        }
        child.stdout?.on('data', check)
        child.once('close', onExit)
        check()
      })
    },
    async exited(timeoutMs = 15_000) {
      let timer: NodeJS.Timeout | undefined
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          reject(new Error(`${host}: still running after ${timeoutMs} ms; stderr: ${err}`))
        }, timeoutMs)
      })
      try {
        return await Promise.race([exited, late])
      } finally {
        clearTimeout(timer)
      }
    },
    async stop(signal = 'SIGTERM', timeoutMs = 5_000) {
      if (running()) child.kill(signal)
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
      try {
        return await exited
      } finally {
        clearTimeout(timer)
      }
    },
  }
}

/**
 * Builds `topology` and returns the running lab. Removes a dead run's leftovers first. On any
 * failure while building, everything built so far is removed before the error is thrown.
 *
 * @example
 * const lab = await startLab(publicNetwork(3))
 * try {
 *   const p = lab.spawn('node1', 'ip', ['addr'])
 * } finally {
 *   await lab.stop()
 * }
 */
export async function startLab(topology: Topology, init: LabInit = {}): Promise<Lab> {
  validateTopology(topology)
  removeStaleLabs()
  const lab = new DefaultLab(topology, init)
  lab.register(init.handleSignals ?? true)
  try {
    lab.build()
  } catch (err) {
    lab.teardownSync()
    throw err
  }
  return lab
}
