/**
 * Every route the diagnostics server serves, from the one view table of `@wes/diagnostics`:
 * a view added there is hammered, scraped and attacked here without an edit.
 */

import { CONTROLS, CONTROL_NAMES, VIEWS, VIEW_NAMES } from '@wes/diagnostics/client'

export const ROUTES: readonly string[] = ['/metrics', ...VIEW_NAMES.map((name) => VIEWS[name].path)]

/**
 * The `POST /control/...` routes, from the control table: they exist only on a node whose
 * diagnostics require a token (404 otherwise).
 */
export const CONTROL_ROUTES: readonly string[] = CONTROL_NAMES.map((name) => CONTROLS[name].path)

/**
 * The orchestrator probes: `/livez` answers 200 while the process serves; `/readyz` 200 once the
 * node is ready, 503 before (an isolated test node is never ready with the default of one peer).
 */
export const PROBES: Readonly<Record<string, readonly number[]>> = {
  '/livez': [200],
  '/readyz': [200, 503],
}
