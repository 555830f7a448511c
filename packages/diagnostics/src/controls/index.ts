/**
 * The control routes as data, like the view table (`views/index.ts`): one typed entry per
 * `POST /control/...` route, read by the server's routes, the client and the CLI's `peer` and
 * `dht` commands. The routes exist only on a server with a token (routes/control.ts).
 */
import { connect } from './connect.js'
import { disconnect } from './disconnect.js'
import { findpeer } from './findpeer.js'
import { ping } from './ping.js'
import type { Control } from './control.js'

/** Every control, by name. */
export const CONTROLS = { connect, disconnect, ping, findpeer } as const

/** A control's name: `connect`, `disconnect`, `ping`, `findpeer`. */
export type ControlName = keyof typeof CONTROLS

/** The body a control takes, e.g. `ControlRequest<'ping'>` is {@link PingRequest}. */
export type ControlRequest<Name extends ControlName> =
  (typeof CONTROLS)[Name] extends Control<infer Request, object> ? Request : never

/** The body a control answers, e.g. `ControlResponse<'ping'>` is {@link PingResponse}. */
export type ControlResponse<Name extends ControlName> =
  (typeof CONTROLS)[Name] extends Control<object, infer Response> ? Response : never

/** The names of {@link CONTROLS}, in order. */
export const CONTROL_NAMES = Object.keys(CONTROLS) as ControlName[]

/** Whether `name` is a control (an own key of {@link CONTROLS}). */
export function isControlName(name: string): name is ControlName {
  return Object.hasOwn(CONTROLS, name)
}

/** How many control operations a server runs at once; more answer 429. */
export const MAX_CONCURRENT_CONTROLS = 4

/** The largest control request body, bytes; larger ones answer 413. */
export const MAX_CONTROL_BODY_BYTES = 4 * 1024

export type { Control } from './control.js'
export type { ConnectRequest, ConnectResponse } from './connect.js'
export type { DisconnectRequest, DisconnectResponse } from './disconnect.js'
export type { FindPeerRequest, FindPeerResponse } from './findpeer.js'
export type { PingRequest, PingResponse } from './ping.js'
export {
  DEFAULT_PING_COUNT,
  MAX_MULTIADDR_LENGTH,
  MAX_PEER_ID_LENGTH,
  MAX_PING_COUNT,
  countProblem,
  multiaddrProblem,
  objectWithKeys,
  peerIdProblem,
} from './input.js'
export type { RequestResult } from './input.js'
export { ControlError } from './source.js'
export type {
  ConnectResult,
  ControlErrorCode,
  ControlOptions,
  ControlSource,
  DisconnectResult,
  FindPeerResult,
} from './source.js'
