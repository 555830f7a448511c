/**
 * The `/debug/p2p/*` views as data (Lodestar's "routes as data"): one typed entry per view, read
 * by the server's routes, the client, the `wes-node diag` CLI, the verify script and the docs test.
 * Adding a view is one file beside this one and one line in {@link VIEWS} (see the package README,
 * "Adding a view").
 */
import { connections } from './connections.js'
import { health } from './health.js'
import { peers } from './peers.js'
import { routing } from './routing.js'
import { stats } from './stats.js'
import type { VerboseCapableView, View } from './view.js'

/** Every view, keyed by the name in its path (`/debug/p2p/<name>`), in the order shown to users. */
export const VIEWS = { peers, connections, stats, health, routing } as const

/** A view's name: `peers`, `connections`, `stats`, `health`, `routing`. */
export type ViewName = keyof typeof VIEWS

/** The body a view answers, e.g. `ViewResponse<'health'>` is {@link HealthResponse}. */
export type ViewResponse<Name extends ViewName> =
  (typeof VIEWS)[Name] extends View<infer Response> ? Response : never

/** The names of {@link VIEWS}, in order. */
export const VIEW_NAMES = Object.keys(VIEWS) as ViewName[]

/** Whether `name` is a view (an own key of {@link VIEWS}). */
export function isViewName(name: string): name is ViewName {
  return Object.hasOwn(VIEWS, name)
}

/** A view with a `?verbose=1` form: `peers`, `connections`, `routing`. */
export type VerboseViewName = {
  [Name in ViewName]: (typeof VIEWS)[Name] extends { readonly verbose: object } ? Name : never
}[ViewName]

/** The body of a view's `?verbose=1` form: the plain body plus one page of detail. */
export type VerboseViewResponse<Name extends VerboseViewName> =
  (typeof VIEWS)[Name] extends VerboseCapableView<infer Response, infer Extra>
    ? Response & Extra
    : never

/** Whether `name` is a view with a verbose form. */
export function isVerboseViewName(name: string): name is VerboseViewName {
  return isViewName(name) && (VIEWS[name] as View).verbose !== undefined
}

/** The names of the views with a verbose form, in the order of {@link VIEWS}. */
export const VERBOSE_VIEW_NAMES: VerboseViewName[] = VIEW_NAMES.filter(isVerboseViewName)

export { checkBody } from './check-body.js'
export type { JsonType, PageKeys, VerboseCapableView, VerboseView, View } from './view.js'
export type { ConnectionDetail, ConnectionsResponse, ConnectionsVerbose } from './connections.js'
export type { HealthAddress, HealthBootstrapPeer, HealthResponse } from './health.js'
export type { PeerDetail, PeersResponse, PeersVerbose } from './peers.js'
export type { RoutingBucket, RoutingResponse, RoutingVerbose } from './routing.js'
export type { StatsBytes, StatsDiscovery, StatsResponse } from './stats.js'
