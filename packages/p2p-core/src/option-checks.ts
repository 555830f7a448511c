/**
 * The checks of single option fields, each throwing an {@link OptionsError} that names the dotted
 * field, shows the rejected value and says what was expected.
 */

import { isIPv4, isIPv6 } from 'node:net'
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { OptionsError } from './errors.js'
import type { Multiaddr } from '@multiformats/multiaddr'

/** Expands a leading `~` to the home directory and makes the path absolute. */
export function expandDataDir(path: string): string {
  if (path === '~') {
    return homedir()
  }
  if (path.startsWith('~/') || path.startsWith('~\\')) {
    return join(homedir(), path.slice(2))
  }
  return resolve(path)
}

/**
 * Parses a bootstrap multiaddr and returns it with the peer ID it names.
 *
 * @throws {OptionsError} when the address does not parse or has no valid `/p2p/<peer id>`
 */
export function checkBootstrapAddr(
  field: string,
  value: string,
): { multiaddr: Multiaddr; peerId: string } {
  const ma = parseMultiaddr(field, value)
  const id = ma.getComponents().findLast((c) => c.name === 'p2p')?.value
  if (id == null) {
    throw invalid(field, value, 'a multiaddr ending in /p2p/<peer id>')
  }
  try {
    return { multiaddr: ma, peerId: peerIdFromString(id).toString() }
  } catch {
    throw invalid(field, value, 'a valid peer id after /p2p/')
  }
}

/** Parses a multiaddr. */
export function parseMultiaddr(field: string, value: string): Multiaddr {
  try {
    return multiaddr(value)
  } catch {
    throw invalid(field, value, 'a multiaddr such as /ip4/127.0.0.1/tcp/28680')
  }
}

/** An array of strings. */
export function stringArray(field: string, value: unknown): string[] {
  if (!Array.isArray(value)) {
    throw invalid(field, value, 'an array of strings')
  }
  return value.map((item: unknown, i) => {
    if (typeof item !== 'string') {
      throw invalid(`${field}[${i}]`, item, 'a string')
    }
    return item
  })
}

/** `true` or `false`. */
export function bool(field: string, value: unknown): boolean {
  if (typeof value !== 'boolean') {
    throw invalid(field, value, 'true or false')
  }
  return value
}

/** A string with something other than white space. */
export function nonEmptyString(field: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw invalid(field, value, 'a non-empty string')
  }
  return value
}

/** One of `allowed`. */
export function oneOf<T extends string>(field: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw invalid(field, value, `one of ${allowed.join(', ')}`)
  }
  return value as T
}

/** A libp2p protocol id: `/` and no white space. */
export function protocolId(field: string, value: unknown): string {
  if (typeof value !== 'string' || !value.startsWith('/') || value.length < 2 || /\s/.test(value)) {
    throw invalid(field, value, 'a protocol id starting with "/", e.g. /wes/kad/1.0.0')
  }
  return value
}

/** An integer from `min` to `max`. */
export function integer(field: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(field, value, `an integer from ${min} to ${max}`)
  }
  return value
}

// Underscores are not valid in DNS names, but hosts files and container networks resolve them.
const HOSTNAME =
  /^(?=.{1,253}$)[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*$/i

/**
 * `host:port`, IPv6 hosts in brackets, port 0 allowed (to listen). The same rule as
 * `tryParseHostPort` of `@wes/diagnostics`, which the server listens with; the packages cannot
 * import each other, so a test in apps/wes-node (host-port-rule.test.ts) holds the two to the
 * same answers.
 */
export function hostPort(field: string, value: unknown): string {
  const expected = 'host:port with a port from 0 to 65535, IPv6 as [::1]:port'
  if (typeof value !== 'string') {
    throw invalid(field, value, expected)
  }
  let port: string
  const bracketed = /^\[([^\]]*)\]:([^:]*)$/.exec(value)
  if (value.startsWith('[')) {
    if (bracketed == null || !isIPv6(bracketed[1] ?? '')) throw invalid(field, value, expected)
    port = bracketed[2] ?? ''
  } else {
    const colon = value.lastIndexOf(':')
    const host = value.slice(0, colon)
    port = value.slice(colon + 1)
    if (colon <= 0 || host.includes(':') || !(isIPv4(host) || HOSTNAME.test(host))) {
      throw invalid(field, value, expected)
    }
  }
  if (!/^\d{1,5}$/.test(port) || Number(port) > 65_535) {
    throw invalid(field, value, expected)
  }
  return value
}

/** The error of a bad field: names it, shows the value, says what was expected. */
export function invalid(field: string, value: unknown, expected: string): OptionsError {
  return new OptionsError(
    `invalid option ${field}: ${show(value)} (expected ${expected})`,
    field,
    value,
  )
}

/** A short, printable form of any value. */
export function show(value: unknown): string {
  if (value === undefined) {
    return 'undefined'
  }
  if (typeof value === 'number' && !Number.isFinite(value)) {
    return String(value)
  }
  try {
    const text = JSON.stringify(value)
    if (text !== undefined) {
      return text.length > 200 ? `${text.slice(0, 200)}...` : text
    }
  } catch {
    // fall through: cyclic or otherwise unserialisable values
  }
  return String(value)
}

/** An object literal (not an array, class instance or null). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return false
  }
  const proto: unknown = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

/** Freezes `value` and everything in it. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) {
      deepFreeze(inner)
    }
    Object.freeze(value)
  }
  return value
}
