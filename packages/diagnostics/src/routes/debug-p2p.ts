import type Router from '@koa/router'
import { NotReadyError } from '../errors.js'
import type { DiagnosticsSource } from '../source.js'
import { VIEW_NAMES, VIEWS } from '../views/index.js'
import type { View } from '../views/index.js'

export interface DebugP2PRoutesComponents {
  source: DiagnosticsSource
}

/** `GET` every view of the table (`views/index.ts`) at its path: JSON of one snapshot, 503 when not ready. */
export function registerDebugP2PRoutes(router: Router, components: DebugP2PRoutesComponents): void {
  for (const name of VIEW_NAMES) {
    const view: View = VIEWS[name]
    router.get(view.path, (ctx) => {
      const snapshot = components.source.snapshot()
      if (snapshot === undefined) throw new NotReadyError()
      ctx.body = view.fromSnapshot(snapshot)
    })
  }
}
