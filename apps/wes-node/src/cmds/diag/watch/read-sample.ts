import type {
  DiagnosticsClient,
  DiagnosticsHttpError,
  HealthResponse,
  RoutingResponse,
  StatsResponse,
} from '@wes/diagnostics/client'
import { CliError } from '../../../errors.js'
import { toCliError } from '../handler.js'
import { discoveryCountsOf } from './discovery.js'
import type { DiscoveryCounts } from './discovery.js'

/** What one read of the node found: its health, stats and routing views and its discovery counts. */
export interface Sample {
  /** Unix ms when the read began. */
  at: number
  health: HealthResponse
  stats: StatsResponse
  routing: RoutingResponse
  /** The stats view's discovery counts; absent when it has none (an older node). */
  discovery?: DiscoveryCounts
}

/**
 * Why a read found nothing: the node does not answer (`unreachable`), answers 401 (`unauthorized`),
 * answers 503 while it starts or stops (`not_ready`), or answers what no wes-node would
 * (`bad_answer`).
 */
export type FailureKind = 'unreachable' | 'unauthorized' | 'not_ready' | 'bad_answer'

export interface Failure {
  kind: FailureKind
  /** One line in an operator's words, the same as `wes-node diag` prints. */
  message: string
}

/** A read of the node: a sample, or why there is none. */
export type Reading = { at: number; sample: Sample } | { at: number; failure: Failure }

function kindOf(err: unknown): FailureKind {
  const { code, status } = err as { code?: unknown; status?: unknown }
  if (code === 'ERR_HTTP_STATUS') {
    if (status === 401) return 'unauthorized'
    if (status === 503) return 'not_ready'
    return 'bad_answer'
  }
  if (code === 'ERR_UNREACHABLE' || code === 'ERR_TIMEOUT') return 'unreachable'
  return 'bad_answer'
}

/** The failure of a read, worded by `toCliError` as for every `diag` view. */
export function failureOf(err: unknown, addr: string, timeoutMs: number): Failure {
  const worded = toCliError(err, { addr, timeoutMs })
  const message =
    worded instanceof CliError ? worded.message : err instanceof Error ? err.message : String(err)
  const kind = kindOf(err)
  if (kind === 'unauthorized') {
    // the server says whether a token was missing or wrong; the watch names the way out
    const serverMessage = (err as DiagnosticsHttpError).serverMessage ?? 'HTTP 401'
    return {
      kind,
      message: `not authorized at ${addr}: ${serverMessage} (give the node's token with --token-file, WES_DIAGNOSTICS_TOKEN_FILE or WES_DIAGNOSTICS_TOKEN)`,
    }
  }
  return { kind, message: message.split('\n')[0] ?? message }
}

/**
 * Reads the views the watch shows, all at once: health, stats (with its discovery counts) and
 * routing. Never rejects: a failure is part of the reading.
 */
export async function readSample(
  client: DiagnosticsClient,
  timeoutMs: number,
  now: () => number = Date.now,
): Promise<Reading> {
  const at = now()
  try {
    const [health, stats, routing] = await Promise.all([
      client.get('health'),
      client.get('stats'),
      client.get('routing'),
    ])
    const discovery = discoveryCountsOf(stats)
    return { at, sample: { at, health, stats, routing, ...(discovery ? { discovery } : {}) } }
  } catch (err) {
    return { at, failure: failureOf(err, client.addr, timeoutMs) }
  }
}
