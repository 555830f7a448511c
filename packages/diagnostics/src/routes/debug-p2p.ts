import type Router from '@koa/router'
import { NotImplementedError, NotReadyError } from '../errors.js'
import type { DiagnosticsSource } from '../source.js'
import { VIEW_NAMES, VIEWS } from '../views/index.js'
import type { View } from '../views/index.js'
import { detailsQueryOf, isVerbose } from './query.js'

export interface DebugP2PRoutesComponents {
  source: DiagnosticsSource
}

/**
 * `GET` every view of the table (`views/index.ts`) at its path: JSON of one snapshot, 503 when not
 * ready. A view with a verbose form answers `?verbose=1` with its body plus one page of detail
 * (`limit`, `offset`: 400 when bad), read from the source only then, and 501 when the source has
 * no such detail. Other query parameters, and `verbose` on the other views, are ignored.
 */
export function registerDebugP2PRoutes(router: Router, components: DebugP2PRoutesComponents): void {
  const { source } = components
  for (const name of VIEW_NAMES) {
    const view: View = VIEWS[name]
    router.get(view.path, async (ctx) => {
      const verbose = view.verbose !== undefined && isVerbose(ctx.query.verbose)
      // a bad request is bad whether or not the node runs
      const query = verbose ? detailsQueryOf(ctx.query) : undefined
      const snapshot = source.snapshot()
      if (snapshot === undefined) throw new NotReadyError()
      const body = view.fromSnapshot(snapshot)
      if (view.verbose === undefined || query === undefined) {
        ctx.body = body
        return
      }
      const reading = view.verbose.read(source, query, Date.now())
      if (reading === null) {
        throw new NotImplementedError(`this node has no verbose form of ${view.path}`)
      }
      const extra = await reading
      if (extra === undefined) throw new NotReadyError()
      ctx.body = { ...body, ...extra }
    })
  }
}
