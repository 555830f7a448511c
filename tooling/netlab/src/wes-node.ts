/**
 * A real `wes-node start` process on a lab host, with its diagnostics reachable from the test
 * through a Unix-socket forwarder (no network link between the lab and the machine).
 */

import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { httpGet, parseMetrics } from './http.js'
import type { Lab, LabProcess } from './lab.js'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))
/** The CLI that every lab node runs. */
export const WES_NODE_BIN = join(ROOT, 'apps', 'wes-node', 'bin', 'wes-node.js')
// from src/ (tests) or dist/ alike: the forwarder runs as plain JavaScript, built
const FORWARDER = fileURLToPath(new URL('../dist/forwarder.js', import.meta.url))
/** The diagnostics port inside each lab host (each host has its own loopback). */
const DIAGNOSTICS_PORT = 28686

/** Node 24 for the CLI: this process's own when it is new enough, else the workspace's. */
function nodeBinary(): string {
  const major = Number(process.versions.node.split('.')[0])
  if (major >= 22) return process.execPath
  const workspaceNode = join(ROOT, 'node_modules', 'node', 'bin', 'node')
  if (existsSync(workspaceNode)) return workspaceNode
  throw new Error('wes-node needs Node.js >= 22: run through pnpm, which brings Node 24')
}

export interface LabNodeInit {
  /** Flags after `wes-node start` (data directory and diagnostics address are added). */
  args: readonly string[]
  /** Extra environment. */
  env?: Record<string, string>
  /** A config file's content (written to the host's folder and passed with `--config`). */
  config?: Record<string, unknown>
}

export interface LabNode {
  readonly host: string
  readonly peerId: string
  readonly process: LabProcess
  /** `/ip4/<host address>/tcp/<port>/p2p/<peer id>`, for another node's `--bootstrap`. */
  multiaddr(port: number, segment?: string): string
  /** GET a diagnostics path; the parsed JSON body and status. */
  json<T = Record<string, unknown>>(path: string): Promise<{ status: number; body: T }>
  /** The unlabelled samples of `/metrics`. */
  metrics(): Promise<Record<string, number>>
  /** The text of `/metrics`, labelled series included. */
  metricsText(): Promise<string>
  /** Runs `wes-node <args>` in the node's host (e.g. `diag health`) and waits for its exit. */
  cli(args: readonly string[]): Promise<{ code: number | null; stdout: string; stderr: string }>
  /** SIGTERM, then the exit code. */
  stop(): Promise<number | null>
}

/** Starts `wes-node start` on `host` and waits until its diagnostics answer. */
export async function startLabNode(lab: Lab, host: string, init: LabNodeInit): Promise<LabNode> {
  const dataDir = join(lab.dir, host, 'data')
  mkdirSync(dataDir, { recursive: true })
  const node = nodeBinary()
  const configArgs: string[] = []
  if (init.config !== undefined) {
    const configPath = join(lab.dir, host, 'config.json')
    writeFileSync(configPath, JSON.stringify(init.config))
    configArgs.push('--config', configPath)
  }
  const child = lab.spawn(
    host,
    node,
    [
      WES_NODE_BIN,
      'start',
      '--data-dir',
      dataDir,
      '--diagnostics-addr',
      `127.0.0.1:${DIAGNOSTICS_PORT}`,
      ...configArgs,
      ...init.args,
    ],
    { env: init.env ?? {} },
  )
  const [, peerId] = await child.waitFor(/peer id: (\S+)/, 30_000)
  await child.waitFor(/diagnostics: http:\/\//, 30_000)
  const socketPath = join(lab.dir, `${host}.sock`)
  const forwarder = lab.spawn(host, node, [
    FORWARDER,
    socketPath,
    '127.0.0.1',
    String(DIAGNOSTICS_PORT),
  ])
  await forwarder.waitFor(/ready/, 10_000)

  const json = async <T>(path: string): Promise<{ status: number; body: T }> => {
    const answer = await httpGet(socketPath, path)
    return { status: answer.status, body: JSON.parse(answer.body) as T }
  }
  return {
    host,
    peerId: peerId!,
    process: child,
    multiaddr: (port, segment) => `/ip4/${lab.address(host, segment)}/tcp/${port}/p2p/${peerId}`,
    json,
    metrics: async () => parseMetrics((await httpGet(socketPath, '/metrics')).body),
    metricsText: async () => (await httpGet(socketPath, '/metrics')).body,
    async cli(args) {
      const run = lab.spawn(host, node, [WES_NODE_BIN, ...args])
      const code = await run.exited(30_000)
      return { code, stdout: run.stdout(), stderr: run.stderr() }
    },
    async stop() {
      const code = await child.stop('SIGTERM', 10_000)
      await forwarder.stop('SIGTERM', 2_000)
      return code
    },
  }
}
