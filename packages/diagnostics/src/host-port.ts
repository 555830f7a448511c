import { isIPv4, isIPv6 } from 'node:net'
import { DiagnosticsServerError } from './errors.js'

export interface HostPort {
  /** A hostname, an IPv4 address or an IPv6 address (without brackets). */
  host: string
  /** 0 to 65535; 0 lets the system pick a free port. */
  port: number
}

const HOSTNAME =
  /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i

/**
 * Parses a listen address `host:port`; IPv6 hosts are bracketed (`[::1]:28686`).
 *
 * @throws {DiagnosticsServerError} code `ERR_ADDR_INVALID`
 * @example
 * parseHostPort('127.0.0.1:28686') // { host: '127.0.0.1', port: 28686 }
 * parseHostPort('[::1]:0') // { host: '::1', port: 0 }
 */
export function parseHostPort(addr: string): HostPort {
  const invalid = (why: string): DiagnosticsServerError =>
    new DiagnosticsServerError(
      'ERR_ADDR_INVALID',
      `invalid diagnostics address "${addr}": ${why} (expected host:port, e.g. 127.0.0.1:28686 or [::1]:28686)`,
    )

  let host: string
  let portText: string
  if (addr.startsWith('[')) {
    const match = /^\[([^\]]*)\]:([^:]*)$/.exec(addr)
    if (match === null) throw invalid('a bracketed IPv6 host must be followed by :port')
    host = match[1] ?? ''
    portText = match[2] ?? ''
    if (!isIPv6(host)) throw invalid(`"${host}" is not an IPv6 address`)
  } else {
    const colon = addr.lastIndexOf(':')
    if (colon === -1) throw invalid('the port is missing')
    host = addr.slice(0, colon)
    portText = addr.slice(colon + 1)
    if (host.includes(':')) throw invalid('write an IPv6 host in brackets')
    if (host === '') throw invalid('the host is missing')
    if (!isIPv4(host) && !HOSTNAME.test(host)) throw invalid(`"${host}" is not a valid host`)
  }

  if (!/^\d{1,5}$/.test(portText)) throw invalid(`"${portText}" is not a port number`)
  const port = Number(portText)
  if (port > 65_535) throw invalid(`port ${port} is out of range 0-65535`)
  return { host, port }
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
