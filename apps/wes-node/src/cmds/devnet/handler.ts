import { mkdir, readdir, rm } from 'node:fs/promises'
import { CliError, UsageError } from '../../errors.js'
import { listenControl, MAX_SOCKET_PATH } from './control.js'
import type { ControlServer } from './control.js'
import { DEVNET_FILES, devnetPath } from './files.js'
import { createFleet } from './fleet.js'
import type { DevnetOptions } from './options.js'
import { portRange } from './options.js'
import { anyFreePort, requireFreePorts } from './ports.js'
import type { WantedPort } from './ports.js'
import { leftoverProcesses, runsWith, terminate } from './processes.js'
import { writePrometheusConfig } from './prometheus-config.js'
import { requirePrometheus, startPrometheus } from './prometheus-process.js'
import type { PrometheusProcess } from './prometheus-process.js'
import { readState, writeState } from './state.js'
import type { DevnetNode, DevnetState } from './state.js'
import { formatNodesTable } from './table.js'
import type { Fleet } from './fleet.js'
import { writeTargets } from './targets.js'

export interface DevnetIo {
  stdout: { write(chunk: string): unknown }
  stderr: { write(chunk: string): unknown }
  /** Aborted on SIGINT/SIGTERM: every node (and Prometheus) then stops. */
  signal: AbortSignal
}

/** Bound on stopping the processes a killed devnet left behind. */
const LEFTOVER_GRACE_MS = 10_000

/**
 * Makes `dir` a devnet directory that nothing runs in: a devnet still running there is a
 * `UsageError`, a directory holding other files too (no `devnet.json`), and processes a killed
 * devnet left are stopped.
 */
async function claimDirectory(dir: string, io: DevnetIo): Promise<void> {
  await mkdir(dir, { recursive: true })
  const previous = await readState(dir)
  if (previous === undefined) {
    const entries = await readdir(dir)
    if (entries.length > 0) {
      throw new UsageError(
        `${dir} is not empty and holds no ${DEVNET_FILES.state}: give a new or empty directory (--dir)`,
        'ERR_DEVNET_DIR',
      )
    }
  } else if (await runsWith(previous.control_pid, ' devnet')) {
    throw new UsageError(
      `a devnet already runs in ${dir} (pid ${previous.control_pid}); stop it first: wes-node devnet stop --dir ${dir}`,
      'ERR_DEVNET_RUNNING',
    )
  }
  const leftovers = await leftoverProcesses(dir)
  if (leftovers.length > 0) {
    await terminate(leftovers, LEFTOVER_GRACE_MS)
    io.stderr.write(
      `wes-node devnet: stopped ${leftovers.length} process(es) a previous devnet in ${dir} left running\n`,
    )
  }
}

/** Every port the devnet's first nodes and Prometheus need, named for the error. */
function wantedPorts(options: DevnetOptions, prometheusPort: number | undefined): WantedPort[] {
  // on a lab the p2p ports are the hosts', not the machine's
  const p2p = options.lab === undefined ? portRange(options.basePort, options.nodes) : []
  const diagnostics = portRange(options.diagBasePort, options.nodes)
  return [
    ...p2p.map((port, i) => ({ port, use: `p2p of node-${i + 1}` })),
    ...diagnostics.map((port, i) => ({ port, use: `diagnostics of node-${i + 1}` })),
    ...(prometheusPort !== undefined ? [{ port: prometheusPort, use: 'prometheus' }] : []),
  ]
}

/** The lines printed once the devnet runs: the table, the files, how to stop it. */
function startedText(state: DevnetState): string {
  const { dir } = state
  return [
    `devnet: ${state.nodes.length} node(s) in ${dir}`,
    ...(state.lab !== undefined
      ? [
          `lab:        ${state.lab.topology} (namespaces ${state.lab.netns_prefix}<host>; diagnostics forwarded to 127.0.0.1)`,
        ]
      : []),
    formatNodesTable(state.nodes),
    '',
    `state:      ${devnetPath(dir, 'state')}`,
    `targets:    ${devnetPath(dir, 'targets')} (Prometheus file_sd, job wes-p2p)`,
    `config:     ${devnetPath(dir, 'prometheusConfig')}`,
    state.prometheus !== null
      ? `prometheus: ${state.prometheus.url}`
      : `prometheus: not started (run: prometheus --config.file=${devnetPath(dir, 'prometheusConfig')}, or use --prometheus)`,
    `devnet running; Ctrl-C or wes-node devnet stop --dir ${dir} stops it`,
    '',
  ].join('\n')
}

/**
 * `wes-node devnet`: starts `options.nodes` local nodes (node 1 the bootstrap peer of the rest),
 * writes the state, targets and Prometheus files, optionally starts Prometheus, serves `devnet
 * add|remove|stop` on the control socket, and runs until `io.signal` aborts; then stops every
 * process it started (each bounded) and resolves. Nothing is started when a check fails.
 */
export async function devnetHandler(options: DevnetOptions, io: DevnetIo): Promise<void> {
  const { dir } = options
  const socket = devnetPath(dir, 'controlSocket')
  if (Buffer.byteLength(socket) > MAX_SOCKET_PATH) {
    throw new UsageError(
      `--dir ${dir} is too long: its control socket's path must stay within ${MAX_SOCKET_PATH} bytes`,
    )
  }
  if (options.lab !== undefined) {
    const { requireLab } = await import('./lab.js')
    requireLab()
  }
  const prometheusBinary = options.prometheus ? await requirePrometheus() : undefined
  await claimDirectory(dir, io)
  const prometheusPort = options.prometheus
    ? options.prometheusPort === 0
      ? await anyFreePort()
      : options.prometheusPort
    : undefined
  await requireFreePorts(wantedPorts(options, prometheusPort))

  await writePrometheusConfig(dir)
  await writeTargets(dir, [])
  const state: DevnetState = {
    version: 1,
    dir,
    control_pid: process.pid,
    control_socket: socket,
    started_at: new Date().toISOString(),
    prometheus: null,
    nodes: [],
  }
  // writes run one after another, each from the latest list
  let writing = Promise.resolve()
  const persist = (nodes: DevnetNode[]): Promise<void> => {
    state.nodes = nodes
    writing = writing.then(async () => {
      await writeTargets(dir, state.nodes)
      await writeState(state)
    })
    return writing
  }
  await writeState(state)

  const { signal } = io
  const fleetInit = { dir, basePort: options.basePort, diagBasePort: options.diagBasePort }
  const components = {
    onChange: persist,
    onExit: (node: DevnetNode, code: number | string) =>
      io.stderr.write(
        `wes-node devnet: ${node.name} exited (${code}) while running; its log: ${node.log_file}\n`,
      ),
  }
  let fleet: Fleet
  if (options.lab === undefined) {
    fleet = createFleet(fleetInit, components)
  } else {
    const { createLabFleet } = await import('./lab.js')
    const labFleet = await createLabFleet(
      {
        ...fleetInit,
        topology: options.lab,
        nodes: options.nodes,
        notice: (line) => io.stderr.write(`${line}\n`),
      },
      components,
    )
    state.lab = labFleet.lab
    fleet = labFleet
  }
  const onAbort = (): void => {
    void fleet.stop()
  }
  signal.addEventListener('abort', onAbort, { once: true })

  let control: ControlServer | undefined
  let prometheus: PrometheusProcess | undefined
  try {
    try {
      await fleet.add(options.nodes)
    } catch (err) {
      if (signal.aborted) return // stopped while starting: a clean stop
      throw err
    }
    if (signal.aborted) return
    if (prometheusBinary !== undefined && prometheusPort !== undefined) {
      prometheus = await startPrometheus(prometheusBinary, dir, prometheusPort)
      state.prometheus = { url: prometheus.url, pid: prometheus.pid }
      await persist(fleet.nodes())
    }
    control = await listenControl(socket, async (request) => {
      if (request.op === 'add') {
        const added = await fleet.add(request.count)
        io.stdout.write(`added:\n${formatNodesTable(added)}\n`)
        return added
      }
      const removed = await fleet.remove(request.node)
      io.stdout.write(`removed: ${removed.name} ${removed.peer_id}\n`)
      return [removed]
    })
    if (signal.aborted) return
    io.stdout.write(startedText(state))
    await new Promise<void>((resolve) => {
      if (signal.aborted) resolve()
      else signal.addEventListener('abort', () => resolve(), { once: true })
    })
    io.stdout.write('devnet stopping\n')
  } finally {
    signal.removeEventListener('abort', onAbort)
    await control?.close()
    await rm(socket, { force: true })
    await prometheus?.stop()
    await fleet.stop()
    state.control_pid = null
    if (state.prometheus !== null) state.prometheus.pid = null
    await writing.catch(() => undefined)
    const last = state.nodes.map((node) => ({ ...node, pid: null }))
    await persist(last).catch((err: unknown) => {
      throw new CliError(`could not write ${devnetPath(dir, 'state')}: ${String(err)}`)
    })
  }
  io.stdout.write('devnet stopped\n')
}
