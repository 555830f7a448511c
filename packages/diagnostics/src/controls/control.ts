import type { JsonType } from '../views/view.js'
import type { RequestResult } from './input.js'
import type { ControlOptions, ControlSource } from './source.js'

/**
 * One `POST /control/...` route as data, as a view is one `GET /debug/p2p/...` route: what the
 * server runs and answers, what the client sends and checks, how the CLI prints it. Members are
 * methods, so a `Control<PingRequest, PingResponse>` is a `Control` where controls are handled
 * alike.
 */
export interface Control<Request extends object = object, Response extends object = object> {
  /** `/control/<area>/<name>`. */
  readonly path: `/control/${string}`
  /** One line, for `--help` and the docs. */
  readonly description: string
  /** The keys a request body may have, the required ones first. */
  readonly requestKeys: readonly string[]
  /** Time the node gets for the operation before the route answers 504. */
  readonly timeoutMs: number
  /** The keys of the answer the contract requires and their JSON types (see `View.required`). */
  readonly required: Readonly<Record<string, JsonType>>
  /** A parsed JSON body into a request, or why it is none (the route answers 400). */
  parse(body: unknown): RequestResult<Request>
  /** Runs the operation on the node: `undefined` while it does not run. */
  run(
    source: ControlSource,
    request: Request,
    options: ControlOptions,
  ): Promise<Response | undefined>
  /** The readable lines the CLI prints (no trailing newline). */
  render(body: Response): string
}

/** Milliseconds since `start` (a `performance.now()`), to 0.1 ms. */
export function elapsedMs(start: number): number {
  return Math.round((performance.now() - start) * 10) / 10
}
