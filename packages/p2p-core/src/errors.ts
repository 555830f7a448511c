/**
 * The typed errors of `@wes/p2p-core`. Callers branch on `err.name` / `err.code`, which stay
 * stable, rather than on `instanceof` (a bundle may hold two copies of this package).
 */

import type { DialErrorClass } from './dial-error.js'

/** A field of the options failed validation, or is unknown. */
export class OptionsError extends Error {
  override readonly name = 'OptionsError'
  readonly code = 'ERR_INVALID_OPTIONS'
  /** The dotted path of the offending field, e.g. `dht.mode` or `listen[1]`. */
  readonly field: string
  /** The value that was rejected. */
  readonly value: unknown

  constructor(message: string, field: string, value: unknown) {
    super(message)
    this.field = field
    this.value = value
  }
}

/** The stable codes of {@link IdentityError}. */
export type IdentityErrorCode = 'ERR_IDENTITY_CORRUPT' | 'ERR_IDENTITY_PERMISSIONS' | 'ERR_DATA_DIR'

/**
 * The persisted identity could not be loaded or created. The message names the file or
 * directory but never contains key material.
 */
export class IdentityError extends Error {
  override readonly name = 'IdentityError'
  readonly code: IdentityErrorCode
  /** The file or directory concerned. */
  readonly path: string

  constructor(message: string, code: IdentityErrorCode, path: string) {
    super(message)
    this.code = code
    this.path = path
  }
}

/** An operation needs a started node. */
export class NotStartedError extends Error {
  override readonly name = 'NotStartedError'
  readonly code = 'ERR_NOT_STARTED'

  constructor(message = 'the p2p node is not started') {
    super(message)
  }
}

/** The stable codes of {@link PeerOperationError}. */
export type PeerOperationErrorCode =
  /** The text is no peer ID. */
  | 'ERR_INVALID_PEER_ID'
  /** The text is no multiaddr (or names a peer ID that is none). */
  | 'ERR_INVALID_MULTIADDR'
  /** The operation names the node itself. */
  | 'ERR_SELF'
  /** No connection to the peer could be made; `dialError` says why. */
  | 'ERR_DIAL_FAILED'
  /** Connected, but the peer did not answer the ping. */
  | 'ERR_PING_FAILED'
  /** No peer router (the DHT) knows the peer. */
  | 'ERR_PEER_NOT_FOUND'

/**
 * An operation an operator asked of the node (connect, disconnect, ping, find a peer) failed in a
 * way the operator can act on. The message is one sentence naming what failed and why.
 */
export class PeerOperationError extends Error {
  override readonly name = 'PeerOperationError'
  readonly code: PeerOperationErrorCode
  /** For `ERR_DIAL_FAILED`: the class of the dial's error. */
  readonly dialError: DialErrorClass | undefined

  constructor(
    code: PeerOperationErrorCode,
    message: string,
    options: ErrorOptions & { dialError?: DialErrorClass } = {},
  ) {
    super(message, options)
    this.code = code
    this.dialError = options.dialError
  }
}
