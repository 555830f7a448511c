import type { DetailsQuery } from '../details.js'
import type { DiagnosticsSnapshot, DiagnosticsSource } from '../source.js'

/** A JSON type as `typeof` names it, with `array` apart from `object`. */
export type JsonType = 'string' | 'number' | 'boolean' | 'array' | 'object'

/**
 * One `/debug/p2p/<name>` view: what the server answers, what the client checks, how the CLI shows
 * it and how the docs describe it. Members are methods, so a `View<PeersResponse>` is a
 * `View` of any body where the views are handled alike.
 */
export interface View<Response extends object = object> {
  /** `/debug/p2p/<name>`, `<name>` being the view's key in the table. */
  readonly path: `/debug/p2p/${string}`
  /** One line, for `wes-node diag --help` and the docs. */
  readonly description: string
  /**
   * The keys the contract requires and their JSON types, nested ones dotted
   * (`bandwidth.in_rate_bps`). A body without one of them is not this view; a body may have more.
   */
  readonly required: Readonly<Record<string, JsonType>>
  /** The body, from one snapshot of a running node. */
  fromSnapshot(snapshot: DiagnosticsSnapshot): Response
  /** The readable table `wes-node diag <name>` prints (no trailing newline). */
  render(body: Response): string
  /** Why the node is unhealthy by this body (`wes-node diag` then exits 1), or `undefined`. */
  unhealthy?(body: Response): string | undefined
  /** The view's `?verbose=1` form, when it has one. */
  readonly verbose?: VerboseView<Response>
}

/** The keys every verbose body adds beside its list: the page and the length of the whole list. */
export interface PageKeys {
  /** Items in the whole list when it was read. */
  total: number
  /** The most items the list holds: the request's `limit`. */
  limit: number
  /** Items skipped before the first one listed. */
  offset: number
}

/**
 * The `?verbose=1` form of a view: the plain body plus one page of detail (`total`, `limit`,
 * `offset` and a list), read from the source only when asked.
 */
export interface VerboseView<Response extends object = object, Extra extends object = object> {
  /** The keys the verbose form adds to the view's `required`, with their JSON types. */
  readonly required: Readonly<Record<string, JsonType>>
  /**
   * One page of detail from `source`, as JSON keys: `undefined` while the host is not running,
   * `null` when the source has no such detail.
   */
  read(
    source: DiagnosticsSource,
    query: DetailsQuery,
    now: number,
  ): Promise<(Extra & PageKeys) | undefined> | null
  /** The readable table of a whole verbose body, ages counted to `now` (no trailing newline). */
  render(body: Response & Extra & PageKeys, now?: number): string
}

/** A view that has a verbose form. */
export interface VerboseCapableView<
  Response extends object,
  Extra extends object,
> extends View<Response> {
  readonly verbose: VerboseView<Response, Extra>
}

/** JSON has no NaN or Infinity: a broken counter reads 0 rather than `null`. */
export function finite(value: number): number {
  return Number.isFinite(value) ? value : 0
}

/** A number or null, as JSON can hold it: NaN and Infinity read null. */
export function nullableFinite(value: number | null): number | null {
  return value === null || !Number.isFinite(value) ? null : value
}

/** Unix ms as an ISO time; null for none (or a value that is no time). */
export function iso(ms: number | null | undefined): string | null {
  return ms === null || ms === undefined || !Number.isFinite(ms) ? null : new Date(ms).toISOString()
}
