import type { DiagnosticsSnapshot } from '../source.js'

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
}

/** JSON has no NaN or Infinity: a broken counter reads 0 rather than `null`. */
export function finite(value: number): number {
  return Number.isFinite(value) ? value : 0
}
