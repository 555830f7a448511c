import { setTimeout as sleep } from 'node:timers/promises'
import { createDiagnosticsClient } from '@wes/diagnostics/client'
import { CliError, EXIT_FAILURE } from '../../errors.js'
import { runsWith } from './processes.js'
import { requireState } from './state.js'
import type { DevnetNode, DevnetState } from './state.js'
import { formatTable } from './table.js'

/** One node's row of `devnet status` (and an element of its `--json`). */
export interface NodeStatus {
  node: string
  peer_id: string
  /** The health verdict (`ok`, `degraded`, `down`) or `unreachable` when its diagnostics do not answer. */
  status: string
  /** Reason codes of the verdict, worst first; for `unreachable`, why the request failed. */
  reasons: string[]
  /** Connected peers; null when unreachable. */
  peers: number | null
  diagnostics_url: string
}

/** Bound on one node's health request. */
const STATUS_TIMEOUT_MS = 5_000

/** The health of one node, from its `/debug/p2p/health`. */
export async function nodeStatus(node: DevnetNode): Promise<NodeStatus> {
  const row = { node: node.name, peer_id: node.peer_id, diagnostics_url: node.diagnostics_url }
  try {
    const client = createDiagnosticsClient({
      addr: `127.0.0.1:${node.diagnostics_port}`,
      timeoutMs: STATUS_TIMEOUT_MS,
    })
    const health = await client.get('health')
    return {
      ...row,
      status: health.status,
      reasons: health.reasons.map((reason) => reason.code),
      peers: health.num_peers,
    }
  } catch (err) {
    const code = (err as { code?: unknown }).code
    return {
      ...row,
      status: 'unreachable',
      reasons: [typeof code === 'string' ? code : 'ERR_UNREACHABLE'],
      peers: null,
    }
  }
}

/** The fleet view: one row per node, as `diag health` judges each. */
export function formatStatusTable(rows: readonly NodeStatus[]): string {
  return formatTable(
    ['NODE', 'PEER ID', 'STATUS', 'PEERS', 'REASONS'],
    rows.map((row) => [
      row.node,
      row.peer_id,
      row.status,
      row.peers === null ? '-' : String(row.peers),
      row.reasons.join(',') || '-',
    ]),
  )
}

export interface StatusOptions {
  dir: string
  json: boolean
  /** Ask again every second until every node is ok, for up to this long. */
  waitMs?: number
}

/**
 * `devnet status`: every node's verdict in one table (`--json`: `{ "nodes": [...] }`); exit 1
 * when a node is not `ok` (unreachable included) or the devnet has no node.
 */
export async function statusHandler(
  options: StatusOptions,
  io: { stdout: { write(chunk: string): unknown }; signal: AbortSignal },
): Promise<void> {
  const deadline = Date.now() + (options.waitMs ?? 0)
  let rows: NodeStatus[]
  let state: DevnetState
  for (;;) {
    state = await requireState(options.dir)
    rows = await Promise.all(state.nodes.map(nodeStatus))
    const allOk = rows.length > 0 && rows.every((row) => row.status === 'ok')
    if (allOk || Date.now() >= deadline || io.signal.aborted) break
    await sleep(1_000)
  }
  io.stdout.write(
    options.json ? `${JSON.stringify({ nodes: rows }, null, 2)}\n` : `${formatStatusTable(rows)}\n`,
  )
  const bad = rows.filter((row) => row.status !== 'ok')
  if (rows.length === 0)
    throw new CliError(`the devnet in ${options.dir} has no node`, EXIT_FAILURE)
  if (bad.length > 0) {
    const stopped = (await runsWith(state.control_pid, ' devnet'))
      ? ''
      : ` (the devnet in ${options.dir} is not running: start it with wes-node devnet --dir ${options.dir})`
    throw new CliError(
      `${bad.length} of ${rows.length} nodes not ok: ${bad.map((row) => `${row.node} ${row.status}`).join(', ')}${stopped}`,
      EXIT_FAILURE,
      'ERR_UNHEALTHY',
    )
  }
}
