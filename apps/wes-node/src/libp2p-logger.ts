/**
 * libp2p's own debug lines, written through the application's logger: a libp2p
 * `ComponentLogger` (the `logger` component libp2p hands to each of its parts) whose lines go
 * out at trace level, each with libp2p's component name (`libp2p:dialer`) as its component.
 */

import { inspect } from 'node:util'
import type { Logger } from './logger.js'

/** libp2p's `Logger` (`@libp2p/interface`), structurally: a function with a few members. */
export interface Libp2pLog {
  (formatter: unknown, ...args: unknown[]): void
  error(formatter: unknown, ...args: unknown[]): void
  trace(formatter: unknown, ...args: unknown[]): void
  enabled: boolean
  newScope(name: string): Libp2pLog
}

/** libp2p's `ComponentLogger` (`@libp2p/interface`), structurally. */
export interface Libp2pComponentLogger {
  forComponent(name: string): Libp2pLog
}

export interface Libp2pLoggerInit {
  /**
   * Also write what libp2p logs with `log.trace` (per stream and per frame: a busy node writes
   * thousands of lines a second). Off, as in `@libp2p/logger` unless `DEBUG` names `:trace`.
   *
   * @default false
   */
  trace?: boolean
}

const noop = (): void => {}

const DISABLED: Libp2pLog = Object.assign((): void => {}, {
  error: noop,
  trace: noop,
  enabled: false,
  newScope: (): Libp2pLog => DISABLED,
})

/**
 * A libp2p `ComponentLogger` that writes through `logger` at trace level. Pass it only when
 * the level is trace: libp2p formats a line whenever its logger is `enabled`.
 *
 * @example
 * ```ts
 * const libp2pLogger = createLibp2pLogger(createLogger({ level: 'trace', format: 'json' }))
 * // {"level":"trace","component":"libp2p:dialer","msg":"dialing /ip4/10.0.0.2/tcp/4001"}
 * ```
 */
export function createLibp2pLogger(
  logger: Logger,
  init: Libp2pLoggerInit = {},
): Libp2pComponentLogger {
  const forComponent = (name: string): Libp2pLog => {
    const target = logger.forComponent(name)
    const write =
      (libp2pLevel?: 'error' | 'trace') =>
      (formatter: unknown, ...args: unknown[]): void =>
        target.trace(
          formatLibp2p(formatter, args),
          libp2pLevel === undefined ? undefined : { libp2pLevel },
        )
    return Object.assign(write(), {
      error: write('error'),
      trace: init.trace === true ? write('trace') : DISABLED,
      enabled: true,
      newScope: (scope: string) => forComponent(`${name}:${scope}`),
    })
  }
  return { forComponent }
}

type Formatter = (value: unknown) => string

/** String(), but objects without a `toString` of their own are inspected, as `%s` in Node. */
function asString(value: unknown): string {
  if (value instanceof Error) return errorText(value)
  if (typeof value === 'bigint') return `${value}n`
  if (typeof value === 'object' && value !== null && value.toString === Object.prototype.toString)
    return inspectValue(value)
  return String(value)
}

function inspectValue(value: unknown): string {
  if (typeof value === 'string') return value
  if (value instanceof Error) return errorText(value)
  return inspect(value, { depth: 2, breakLength: Infinity })
}

function json(value: unknown): string {
  try {
    return JSON.stringify(value) ?? 'undefined'
  } catch {
    return '[Circular]'
  }
}

/** Null-safe `toString()`, as libp2p's own formatters (`undefined` for a missing value). */
const text: Formatter = (value) => (value == null ? 'undefined' : String(value))

const bytes =
  (encode: (bytes: Uint8Array) => string): Formatter =>
  (value) =>
    value instanceof Uint8Array ? encode(value) : text(value)

/**
 * Node's printf conversions (`%s %d %i %f %j %o %O`) and libp2p's own (`@libp2p/logger`):
 * `%p` peer id, `%a` multiaddr, `%c` CID, `%k` datastore key, `%e` error, `%b` bytes in
 * base58btc, `%t` in base32, `%m` in base64.
 */
const FORMATTERS: Record<string, Formatter> = {
  s: asString,
  d: (value) => (typeof value === 'bigint' ? `${value}n` : String(Number(value))),
  i: (value) => (typeof value === 'bigint' ? `${value}n` : String(parseInt(String(value), 10))),
  f: (value) => String(parseFloat(String(value))),
  j: json,
  o: inspectValue,
  O: inspectValue,
  p: text,
  a: text,
  c: text,
  k: text,
  e: (value) => (value instanceof Error ? errorText(value) : text(value)),
  b: bytes(base58btc),
  t: bytes(base32),
  m: bytes((b) =>
    Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64').replace(/=+$/, ''),
  ),
}

/**
 * Formats one of libp2p's log calls as plain text on one line, as `@libp2p/logger` would
 * (arguments left over are appended, separated by spaces), but errors as `Name: message`
 * instead of a stack.
 */
export function formatLibp2p(formatter: unknown, args: readonly unknown[]): string {
  if (typeof formatter !== 'string') return [formatter, ...args].map(inspectValue).join(' ')
  let next = 0
  const message = formatter.replace(/%([a-zA-Z%])/g, (match, letter: string) => {
    if (letter === '%') return '%'
    const format = FORMATTERS[letter]
    if (format === undefined || next >= args.length) return match
    return format(args[next++])
  })
  return [message, ...args.slice(next).map(inspectValue)].join(' ')
}

/** `TypeError: message`, with the errors of an `AggregateError` and the cause after it. */
function errorText(err: Error, depth = 0): string {
  let out = `${err.name}: ${err.message}`
  if (depth > 2) return out
  if (err instanceof AggregateError && err.errors.length > 0) {
    const inner = (err.errors as unknown[]).map((e) =>
      e instanceof Error ? errorText(e, depth + 1) : String(e),
    )
    out += ` [${inner.join('; ')}]`
  }
  if (err.cause instanceof Error) out += ` (cause: ${errorText(err.cause, depth + 1)})`
  return out
}

const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'

/** Bitcoin's base58, as multiformats' `base58btc.baseEncode` (no multibase prefix). */
export function base58btc(input: Uint8Array): string {
  let zeros = 0
  while (zeros < input.length && input[zeros] === 0) zeros++
  const digits: number[] = []
  for (const byte of input.subarray(zeros)) {
    let carry = byte
    for (let i = 0; i < digits.length; i++) {
      carry += (digits[i] as number) << 8
      digits[i] = carry % 58
      carry = Math.floor(carry / 58)
    }
    while (carry > 0) {
      digits.push(carry % 58)
      carry = Math.floor(carry / 58)
    }
  }
  return (
    '1'.repeat(zeros) +
    digits
      .reverse()
      .map((d) => BASE58[d])
      .join('')
  )
}

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567'

/** RFC 4648 base32, lower case, unpadded, as multiformats' `base32.baseEncode`. */
export function base32(input: Uint8Array): string {
  let out = ''
  let buffer = 0
  let bits = 0
  for (const byte of input) {
    buffer = (buffer << 8) | byte
    bits += 8
    while (bits >= 5) {
      out += BASE32[(buffer >>> (bits - 5)) & 31]
      bits -= 5
    }
  }
  if (bits > 0) out += BASE32[(buffer << (5 - bits)) & 31]
  return out
}
