import type Router from '@koa/router'
import type { Registry } from 'prom-client'

/** The Prometheus text exposition format, version 0.0.4. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'

export interface MetricsRoutesComponents {
  registry: Registry
}

/** `GET /metrics`: the registry in Prometheus text format; answers whether or not the node runs. */
export function registerMetricsRoutes(router: Router, components: MetricsRoutesComponents): void {
  router.get('/metrics', async (ctx) => {
    const body = await components.registry.metrics()
    ctx.body = body
    // set after the body: Koa would otherwise default a string body to text/plain; charset=utf-8
    ctx.set('Content-Type', PROMETHEUS_CONTENT_TYPE)
  })
}
