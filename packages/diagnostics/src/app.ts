import type { Duplex } from 'node:stream'
import Router from '@koa/router'
import Koa from 'koa'
import { Counter } from 'prom-client'
import type { Registry } from 'prom-client'
import { bearerAuth } from './middleware/bearer-auth.js'
import type { TokenSource } from './middleware/bearer-auth.js'
import { errorHandler } from './middleware/error-handler.js'
import { routerStatusToErrors } from './middleware/router-status.js'
import { rejectMalformedPath } from './middleware/reject-malformed-path.js'
import { requireHost } from './middleware/require-host.js'
import type { ControlSource } from './controls/index.js'
import { hideControlsWithoutToken, registerControlRoutes } from './routes/control.js'
import { registerDebugP2PRoutes } from './routes/debug-p2p.js'
import { registerMetricsRoutes } from './routes/metrics.js'
import { registerProbeRoutes } from './routes/probes.js'
import { isUiAssetRequest, registerUiRoutes } from './routes/ui.js'
import type { DiagnosticsSource } from './source.js'

export interface DiagnosticsAppComponents {
  /** The node's state; `/debug/p2p/*` answer 503 while it returns `undefined`. */
  source: DiagnosticsSource
  /** The registry `GET /metrics` renders. */
  registry: Registry
  /**
   * When set, every route (`/metrics` included) requires `Authorization: Bearer <token>`;
   * a missing or wrong token answers 401. A function is asked on each request (none required
   * while it returns `undefined`), so the token can be replaced while serving.
   */
  token?: TokenSource
  /**
   * The node's operations behind `POST /control/*` (connect, disconnect, ping, find a peer).
   * Those routes exist only while a token is required: without one the app is read-only and they
   * answer 404 like any unknown path.
   */
  control?: ControlSource
  /**
   * Writes a complete response and closes the connection with a lingering close; the server
   * passes its own, for control request bodies over the limit (413).
   */
  answerAndClose?: (socket: Duplex, response: string) => void
}

/** Requests answered 401, on the app's registry; one counter however many apps share it. */
function unauthorizedCounter(registry: Registry): Counter {
  const name = 'p2p_diagnostics_unauthorized_total'
  const existing = registry.getSingleMetric(name)
  if (existing instanceof Counter) return existing
  return new Counter({
    name,
    help: 'Requests to the diagnostics server answered 401: a missing or wrong bearer token (a scraper with an old token, or someone probing).',
    registers: [registry],
  })
}

/**
 * The Koa app of the diagnostics routes, not listening: mount `app.callback()` on any HTTP server,
 * or use {@link createDiagnosticsServer}. Unexpected errors answer 500 JSON and are emitted as
 * `app.on('error', (err) => ...)` for logging.
 *
 * Routes: `GET /metrics`, `GET /debug/p2p/{peers,connections,stats,health,routing}`, `GET /livez`
 * and `GET /readyz`, the status page `GET /debug/p2p/ui` (routes/ui.ts; its shell and assets are
 * served without the token, its data comes from the views); `HEAD` and `OPTIONS` on each. With a
 * token and a control source, also
 * `POST /control/p2p/{connect,disconnect,ping}` and `POST /control/dht/findpeer` (routes/control.ts),
 * the only routes that read a request body. Query strings are ignored but for `/readyz?verbose=1`
 * and `?verbose=1&limit=<n>&offset=<n>` on peers, connections and routing (routes/query.ts).
 */
export function createDiagnosticsApp(components: DiagnosticsAppComponents): Koa {
  const app = new Koa()
  const router = new Router()
  registerMetricsRoutes(router, components)
  registerDebugP2PRoutes(router, components)
  registerProbeRoutes(router, components)
  const { token, control, answerAndClose } = components
  registerUiRoutes(router, token !== undefined ? { token } : {})
  if (token !== undefined && control !== undefined) {
    registerControlRoutes(router, {
      control,
      ...(answerAndClose !== undefined ? { answerAndClose } : {}),
    })
  }

  app.use(errorHandler())
  app.use(requireHost())
  // Before anything that could tell which paths exist.
  // there from the start (0 without a token), so the series set does not depend on the token
  const refused = unauthorizedCounter(components.registry)
  // the status page's shell and assets hold no data: the page asks for the token itself
  if (components.token !== undefined)
    app.use(bearerAuth(components.token, () => refused.inc(), isUiAssetRequest))
  app.use(rejectMalformedPath())
  // no token, no controls: an unprotected server stays read-only (the paths answer 404)
  if (token !== undefined && control !== undefined) app.use(hideControlsWithoutToken(token))
  app.use(routerStatusToErrors())
  app.use(router.routes())
  app.use(router.allowedMethods())
  return app
}
