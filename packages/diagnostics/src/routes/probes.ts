import type Router from '@koa/router'
import type { DiagnosticsSnapshot, DiagnosticsSource } from '../source.js'
import { DEFAULT_HEALTH_THRESHOLDS } from '../verdict.js'
import { isVerbose } from './query.js'

/** One readiness check and how it stands. */
export interface ProbeCheck {
  /** `started` (the p2p node runs) or `peers` (enough peers, `health.readyMinPeers`). */
  name: 'started' | 'peers'
  status: 'ok' | 'failing'
  message: string
}

/** Body of `GET /livez`: the process serves. */
export interface LivezResponse {
  status: 'ok'
}

/**
 * Body of `GET /readyz`: 200 `{"status": "ok"}`, or 503 with the failing checks and, like every
 * error body, `error` and `message`. `?verbose=1` lists every check.
 */
export interface ReadyzResponse {
  status: 'ok' | 'failing'
  error?: 'not_ready'
  /** The failing checks' messages, joined. */
  message?: string
  checks?: ProbeCheck[]
}

/** The readiness checks of one read of the node (`undefined`: it does not run). */
export function readinessChecks(snapshot: DiagnosticsSnapshot | undefined): ProbeCheck[] {
  if (snapshot === undefined) {
    return [{ name: 'started', status: 'failing', message: 'the p2p node is not running' }]
  }
  const needed = snapshot.facts?.thresholds.readyMinPeers ?? DEFAULT_HEALTH_THRESHOLDS.readyMinPeers
  const peers = snapshot.peerIds.length
  return [
    { name: 'started', status: 'ok', message: 'the p2p node is running' },
    needed === 0
      ? { name: 'peers', status: 'ok', message: `${peers} connected, none required` }
      : {
          name: 'peers',
          status: peers >= needed ? 'ok' : 'failing',
          message: `${peers} connected, at least ${needed} required (health.readyMinPeers)`,
        },
  ]
}

/** `GET /readyz`: the status code and body for `checks`, every check when `verbose`. */
export function readyz(
  checks: readonly ProbeCheck[],
  verbose: boolean,
): { status: 200 | 503; body: ReadyzResponse } {
  const failing = checks.filter((check) => check.status === 'failing')
  if (failing.length === 0) {
    return { status: 200, body: verbose ? { status: 'ok', checks: [...checks] } : { status: 'ok' } }
  }
  return {
    status: 503,
    body: {
      status: 'failing',
      error: 'not_ready',
      message: failing.map((check) => `${check.name}: ${check.message}`).join('; '),
      checks: verbose ? [...checks] : failing,
    },
  }
}

export interface ProbeRoutesComponents {
  source: DiagnosticsSource
}

/**
 * `GET /livez` (200 while the process serves) and `GET /readyz` (200 once the node runs with
 * enough peers, else 503), for process managers and container health checks. Other query
 * parameters are ignored.
 */
export function registerProbeRoutes(router: Router, components: ProbeRoutesComponents): void {
  router.get('/livez', (ctx) => {
    const body: LivezResponse = { status: 'ok' }
    ctx.body = body
  })
  router.get('/readyz', (ctx) => {
    let snapshot: DiagnosticsSnapshot | undefined
    try {
      snapshot = components.source.snapshot()
    } catch (err) {
      // a source that cannot be read is not ready; the failure goes to the app's error log
      ctx.app.emit('error', err, ctx)
      snapshot = undefined
    }
    const { status, body } = readyz(readinessChecks(snapshot), isVerbose(ctx.query.verbose))
    ctx.status = status
    ctx.body = body
  })
}
