/**
 * The typed errors of `@wes/p2p-core`. Callers branch on `err.name` / `err.code`, which stay
 * stable, rather than on `instanceof` (a bundle may hold two copies of this package).
 */

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
