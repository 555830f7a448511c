/**
 * Every route the diagnostics server serves, from the one view table of `@wes/diagnostics`:
 * a view added there is hammered, scraped and attacked here without an edit.
 */

import { VIEWS, VIEW_NAMES } from '@wes/diagnostics/client'

export const ROUTES: readonly string[] = ['/metrics', ...VIEW_NAMES.map((name) => VIEWS[name].path)]
