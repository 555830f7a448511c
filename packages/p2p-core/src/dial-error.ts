/**
 * Why a dial failed, in the few classes an operator acts on differently: nothing listens
 * (`refused`), nothing answers (`timeout`), no way there (`no_route`), something answers but not
 * as the expected libp2p peer (`handshake`), this node's connection gater said no (`denied`), the
 * dial was cancelled (`aborted`), or anything else (`other`).
 *
 * libp2p wraps and aggregates errors (one per address tried, with causes), so the whole tree is
 * read and the most telling class found anywhere in it wins.
 */

import { errorTree } from './error-code.js'

/** The class of a failed dial. */
export type DialErrorClass =
  'refused' | 'timeout' | 'no_route' | 'handshake' | 'denied' | 'aborted' | 'other'

/** Every class, most telling first: the order in which a tree of errors is classified. */
export const DIAL_ERROR_CLASSES: readonly DialErrorClass[] = [
  'denied',
  'handshake',
  'refused',
  'no_route',
  'timeout',
  'aborted',
  'other',
]

/** System error codes (`err.code`), by class. */
const CODES: Readonly<Record<string, DialErrorClass>> = {
  ECONNREFUSED: 'refused',
  ETIMEDOUT: 'timeout',
  EHOSTUNREACH: 'no_route',
  ENETUNREACH: 'no_route',
  ENETDOWN: 'no_route',
  EHOSTDOWN: 'no_route',
  EADDRNOTAVAIL: 'no_route',
  ENOTFOUND: 'no_route',
  EAI_AGAIN: 'no_route',
}

/** Error names of libp2p, its encrypter and muxer, and the platform, by class. */
const NAMES: Readonly<Record<string, DialErrorClass>> = {
  DialDeniedError: 'denied',
  ConnectionDeniedError: 'denied',
  ConnectionInterceptedError: 'denied',
  EncryptionFailedError: 'handshake',
  UnexpectedPeerError: 'handshake',
  InvalidCryptoExchangeError: 'handshake',
  MuxerUnavailableError: 'handshake',
  UnsupportedProtocolError: 'handshake',
  TimeoutError: 'timeout',
  AbortError: 'aborted',
}

/** Words of a message, for errors that carry their cause only as text. */
const MESSAGES: ReadonlyArray<[RegExp, DialErrorClass]> = [
  [/\bECONNREFUSED\b/, 'refused'],
  [/\b(EHOSTUNREACH|ENETUNREACH)\b/, 'no_route'],
  [/\bETIMEDOUT\b/, 'timeout'],
  [/\b(noise|multistream)\b/i, 'handshake'],
]

function classOf(err: object): DialErrorClass | undefined {
  const { code, name, message } = err as { code?: unknown; name?: unknown; message?: unknown }
  if (typeof name === 'string' && NAMES[name] !== undefined) return NAMES[name]
  if (typeof code === 'string' && CODES[code] !== undefined) return CODES[code]
  if (typeof message === 'string') {
    for (const [pattern, found] of MESSAGES) if (pattern.test(message)) return found
  }
  return undefined
}

/**
 * The class of a dial failure.
 *
 * @example
 * classifyDialError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' })) // 'refused'
 * classifyDialError(new AggregateError([timeoutError, encryptionFailedError])) // 'handshake'
 */
export function classifyDialError(err: unknown): DialErrorClass {
  const classes = new Set(errorTree(err).map(classOf))
  return DIAL_ERROR_CLASSES.find((c) => classes.has(c)) ?? 'other'
}
