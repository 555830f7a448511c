import diagnosticsChannel from 'node:diagnostics_channel'
import type Router from '@koa/router'
import type { Registry } from 'prom-client'
import { negotiateExpositionFormat } from '../exposition-format.js'
import { renderExposition } from '../exposition.js'
import type { ExpositionFormat } from '../exposition-format.js'

/**
 * The tracing channel each `/metrics` render is published on (`node:diagnostics_channel`): its
 * `start` and `asyncEnd` events bracket the render (every collect and the text, not the HTTP
 * around it), with `{ syntax }` as the context. Nothing is published while nobody subscribes.
 *
 * @example
 * ```ts
 * const started = new WeakMap<object, number>()
 * diagnosticsChannel.tracingChannel(METRICS_RENDER_CHANNEL).subscribe({
 *   start: (ctx) => void started.set(ctx, performance.now()),
 *   asyncEnd: (ctx) => console.log('render', performance.now() - (started.get(ctx) ?? 0), 'ms'),
 *   end() {},
 *   asyncStart() {},
 *   error() {},
 * })
 * ```
 */
export const METRICS_RENDER_CHANNEL = 'wes:diagnostics:metrics-render'

const renderChannel = diagnosticsChannel.tracingChannel<
  unknown,
  { syntax: ExpositionFormat['syntax'] }
>(METRICS_RENDER_CHANNEL)

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
    const { registry } = components
    ctx.body = await renderChannel.tracePromise(
      async () => renderExposition(registry, format.syntax),
      {
        syntax: format.syntax,
      },
    )
    // set after the body: Koa would otherwise default a string body to text/plain; charset=utf-8
    ctx.set('Content-Type', format.contentType)
    ctx.vary('Accept')
  })
}
