import type Router from '@koa/router'
import type { Registry } from 'prom-client'
import { negotiateExpositionFormat } from '../exposition-format.js'
import { renderExposition } from '../exposition.js'

export interface MetricsRoutesComponents {
  registry: Registry
}

/**
 * `GET /metrics`: the registry in OpenMetrics when the request's `Accept` asks for it (as
 * Prometheus does), in the Prometheus text format 0.0.4 otherwise; answers whether or not the
 * node runs. Both are written by `renderExposition()`, which reads the registry without
 * prom-client's per-sample objects.
 */
export function registerMetricsRoutes(router: Router, components: MetricsRoutesComponents): void {
  router.get('/metrics', async (ctx) => {
    const format = negotiateExpositionFormat(ctx.get('Accept'))
    ctx.body = await renderExposition(components.registry, format.syntax)
    // set after the body: Koa would otherwise default a string body to text/plain; charset=utf-8
    ctx.set('Content-Type', format.contentType)
    ctx.vary('Accept')
  })
}
