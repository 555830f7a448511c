import { isIPv4, isIPv6 } from 'node:net'
import { DiagnosticsServerError } from './errors.js'

export interface HostPort {
  /** A hostname, an IPv4 address or an IPv6 address (without brackets). */
  host: string
  /** 0 to 65535; 0 lets the system pick a free port. */
  port: number
}

export interface HostPortOptions {
  /**
   * Whether port 0 ("any free port") is allowed: it is to listen, not to connect.
   *
   * @default true
   */
  allowPortZero?: boolean
  /**
   * What the address is called in the error message (`invalid <label> "<addr>": ...`).
   *
   * @default 'diagnostics address'
   */
  label?: string
}

/** The address, or the one sentence that says why it is not one. */
export type HostPortResult = { ok: true; value: HostPort } | { ok: false; message: string }

// Underscores are not valid in DNS names, but hosts files and container networks resolve them.
const HOSTNAME =
  /^(?=.{1,253}$)[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*$/i

/**
 * Parses `host:port`, IPv6 hosts bracketed (`[::1]:28686`), without throwing: the one rule that
 * the server (to listen), the client and the CLI (to connect) share; each wraps the message in its
 * own error.
 *
 * @example
 * tryParseHostPort('[::1]:0') // { ok: true, value: { host: '::1', port: 0 } }
 * tryParseHostPort('nowhere', { label: '--addr' })
 * // { ok: false, message: 'invalid --addr "nowhere": the port is missing (expected host:port, ...)' }
 */
export function tryParseHostPort(addr: string, options: HostPortOptions = {}): HostPortResult {
  const invalid = (why: string): HostPortResult => ({
    ok: false,
    message: `invalid ${options.label ?? 'diagnostics address'} "${addr}": ${why} (expected host:port, e.g. 127.0.0.1:28686 or [::1]:28686)`,
  })

  let host: string
  let portText: string
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(addr)) return invalid('write it without a scheme')
  if (addr.startsWith('[')) {
    const match = /^\[([^\]]*)\]:([^:]*)$/.exec(addr)
    if (match === null) return invalid('a bracketed IPv6 host must be followed by :port')
    host = match[1] ?? ''
    portText = match[2] ?? ''
    if (!isIPv6(host)) return invalid(`"${host}" is not an IPv6 address`)
  } else {
    const colon = addr.lastIndexOf(':')
    if (colon === -1) return invalid('the port is missing')
    host = addr.slice(0, colon)
    portText = addr.slice(colon + 1)
    if (host.includes(':')) return invalid('write an IPv6 host in brackets')
    if (host === '') return invalid('the host is missing')
    if (!isIPv4(host) && !HOSTNAME.test(host)) return invalid(`"${host}" is not a valid host`)
  }

  if (!/^\d{1,5}$/.test(portText)) return invalid(`"${portText}" is not a port number`)
  const port = Number(portText)
  const min = options.allowPortZero === false ? 1 : 0
  if (port < min || port > 65_535) return invalid(`port ${port} is out of range ${min}-65535`)
  return { ok: true, value: { host, port } }
}

/**
 * Parses a listen address `host:port`; IPv6 hosts are bracketed (`[::1]:28686`).
 *
 * @throws {DiagnosticsServerError} code `ERR_ADDR_INVALID`
 * @example
 * parseHostPort('127.0.0.1:28686') // { host: '127.0.0.1', port: 28686 }
 * parseHostPort('[::1]:0') // { host: '::1', port: 0 }
 */
export function parseHostPort(addr: string, options?: HostPortOptions): HostPort {
  const result = tryParseHostPort(addr, options)
  if (!result.ok) throw new DiagnosticsServerError('ERR_ADDR_INVALID', result.message)
  return result.value
}

/** `host:port`, with IPv6 hosts in brackets. */
export function formatHostPort({ host, port }: HostPort): string {
  return isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`
}

/**
 * Whether a listen host only accepts connections from this machine: `localhost`, 127.0.0.0/8
 * or `::1`. The unspecified addresses (`0.0.0.0`, `::`) are not loopback.
 */
export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true
  return isIPv4(host) && host.startsWith('127.')
}
