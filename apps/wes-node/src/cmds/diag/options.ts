import {
  DEFAULT_DIAGNOSTICS_CLIENT_INIT,
  VERBOSE_VIEW_NAMES,
  VIEW_NAMES,
  isVerboseViewName,
  isViewName,
  tryParseHostPort,
} from '@wes/diagnostics/client'
import type { VerbosePage, ViewName } from '@wes/diagnostics/client'
import { UsageError } from '../../errors.js'

export const DEFAULT_DIAG_ADDR = DEFAULT_DIAGNOSTICS_CLIENT_INIT.addr

export interface DiagOptions extends DiagTarget {
  view: ViewName
  json: boolean
  /** `diag health --wait`: poll until the node is `ok`, for up to this long. */
  waitMs?: number
  /** `diag peers|connections|routing --verbose`: the page of detail to ask for. */
  verbose?: VerbosePage
}

export interface DiagFlags {
  addr?: string
  json?: boolean
  timeout?: number
  tokenFile?: string
  /** Seconds, `health` only. */
  wait?: number
  /** `peers`, `connections` and `routing` only. */
  verbose?: boolean
  /** With `--verbose`: 1 to 1000 (checked by the flag's parser). */
  limit?: number
  /** With `--verbose`: 0 to 1e9. */
  offset?: number
  /** `watch` only (refused here). */
  interval?: number
  /** `watch` only (refused here). */
  count?: number
}

/** `host:port` (IPv6 as `[::1]:port`, port 1 to 65535) or a `UsageError` naming where it came from. */
function checkAddr(addr: string, label: string): string {
  const parsed = tryParseHostPort(addr, { allowPortZero: false, label })
  if (!parsed.ok) throw new UsageError(parsed.message)
  return addr
}

/**
 * `--addr` as `host:port`, or as the URL `wes-node start` prints (`http://127.0.0.1:28686`, a
 * trailing `/` allowed), which comes back as `host:port`. The diagnostics speak plain HTTP at
 * their root, so `https://` and a path are usage errors that say so.
 *
 * @example
 * diagAddrOf('http://[::1]:28686/') // '[::1]:28686'
 */
export function diagAddrOf(raw: string, label = '--addr'): string {
  const addr = raw.trim()
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(addr)?.[1]?.toLowerCase()
  if (scheme === undefined) return checkAddr(addr, label)
  if (scheme === 'https') {
    throw new UsageError(
      `invalid ${label} "${addr}": the diagnostics server speaks plain HTTP, not https (give http://host:port or host:port)`,
    )
  }
  if (scheme !== 'http') return checkAddr(addr, label)
  const rest = addr.slice('http://'.length).replace(/\/$/, '')
  if (/[/?#@]/.test(rest)) {
    throw new UsageError(
      `invalid ${label} "${addr}": give the server's address only, without a path, query or user (http://host:port or host:port)`,
    )
  }
  return checkAddr(rest, label)
}

/** Where a `diag` command reads from, and with which token: the flags every `diag` view shares. */
export interface DiagTarget {
  /** `host:port` of the node's diagnostics server, as given (checked). */
  addr: string
  timeoutMs: number
  /** Bearer token for a node that protects its diagnostics. */
  token?: string
  /** A file holding that token (read by the handler); wins over `token`. */
  tokenFile?: string
}

/**
 * `--addr` > `WES_DIAGNOSTICS_ADDR` > the default; `--token-file` > `WES_DIAGNOSTICS_TOKEN_FILE`,
 * with `WES_DIAGNOSTICS_TOKEN` kept for when no file is given; `--timeout` or `defaultTimeoutMs`.
 */
export function resolveDiagTarget(
  flags: Pick<DiagFlags, 'addr' | 'timeout' | 'tokenFile'>,
  env: Record<string, string | undefined>,
  defaultTimeoutMs: number = DEFAULT_DIAGNOSTICS_CLIENT_INIT.timeoutMs,
): DiagTarget {
  const envAddr = env.WES_DIAGNOSTICS_ADDR?.trim()
  const addr =
    flags.addr !== undefined
      ? diagAddrOf(flags.addr)
      : envAddr !== undefined && envAddr !== ''
        ? checkAddr(envAddr, 'WES_DIAGNOSTICS_ADDR')
        : DEFAULT_DIAG_ADDR
  const token = env.WES_DIAGNOSTICS_TOKEN?.trim()
  const envTokenFile = env.WES_DIAGNOSTICS_TOKEN_FILE?.trim()
  const tokenFile = flags.tokenFile ?? (envTokenFile === '' ? undefined : envTokenFile)
  return {
    addr,
    timeoutMs: flags.timeout ?? defaultTimeoutMs,
    ...(token !== undefined && token !== '' ? { token } : {}),
    ...(tokenFile !== undefined ? { tokenFile } : {}),
  }
}

/** Flags and environment into options; `--addr` > `WES_DIAGNOSTICS_ADDR` > the default. */
export function resolveDiagOptions(
  view: string,
  flags: DiagFlags,
  env: Record<string, string | undefined>,
): DiagOptions {
  if (!isViewName(view)) {
    throw new UsageError(
      `unknown view ${JSON.stringify(view)} (expected one of ${VIEW_NAMES.join(', ')})`,
    )
  }
  if (flags.wait !== undefined && view !== 'health') {
    throw new UsageError(`--wait applies to diag health only, not to diag ${view}`)
  }
  if (flags.verbose === true && !isVerboseViewName(view)) {
    throw new UsageError(
      `--verbose applies to diag ${VERBOSE_VIEW_NAMES.join(', ')} only, not to diag ${view}`,
    )
  }
  for (const flag of ['limit', 'offset'] as const) {
    if (flags[flag] !== undefined && flags.verbose !== true) {
      throw new UsageError(`--${flag} needs --verbose`)
    }
  }
  for (const flag of ['interval', 'count'] as const) {
    if (flags[flag] !== undefined) {
      throw new UsageError(`--${flag} applies to diag watch only, not to diag ${view}`)
    }
  }
  return {
    view,
    ...resolveDiagTarget(flags, env),
    json: flags.json === true,
    ...(flags.wait !== undefined ? { waitMs: flags.wait * 1_000 } : {}),
    ...(flags.verbose === true
      ? {
          verbose: {
            ...(flags.limit !== undefined ? { limit: flags.limit } : {}),
            ...(flags.offset !== undefined ? { offset: flags.offset } : {}),
          },
        }
      : {}),
  }
}
