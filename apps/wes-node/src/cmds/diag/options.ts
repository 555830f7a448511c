import { UsageError } from '../../errors.js'

export const DIAG_VIEWS = ['peers', 'connections', 'stats', 'health', 'routing'] as const
export type DiagView = (typeof DIAG_VIEWS)[number]

export const DEFAULT_DIAG_ADDR = '127.0.0.1:28686'

export interface DiagOptions {
  view: DiagView
  /** `http://host:port` of the node's diagnostics server. */
  baseUrl: string
  /** `host:port` as given. */
  addr: string
  json: boolean
  timeoutMs: number
  /** Bearer token for a node that protects its diagnostics. */
  token?: string
  /** A file holding that token (read by the handler); wins over `token`. */
  tokenFile?: string
}

/** Turns `host:port` (IPv6 as `[::1]:port`) into a base URL, or throws a `UsageError`. */
export function diagBaseUrl(addr: string): string {
  const match = /^(\[[0-9a-fA-F:.]+\]|[^\s:/[\]]+):(\d{1,5})$/.exec(addr.trim())
  const port = Number(match?.[2])
  if (match === null || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new UsageError(
      `invalid --addr ${JSON.stringify(addr)} (expected host:port, e.g. 127.0.0.1:28686)`,
    )
  }
  return `http://${match[1]}:${port}`
}

export interface DiagFlags {
  addr?: string
  json?: boolean
  timeout?: number
  tokenFile?: string
}

/** Flags and environment into options; `--addr` > `WES_DIAGNOSTICS_ADDR` > the default. */
export function resolveDiagOptions(
  view: string,
  flags: DiagFlags,
  env: Record<string, string | undefined>,
): DiagOptions {
  if (!(DIAG_VIEWS as readonly string[]).includes(view)) {
    throw new UsageError(
      `unknown view ${JSON.stringify(view)} (expected one of ${DIAG_VIEWS.join(', ')})`,
    )
  }
  const envAddr = env.WES_DIAGNOSTICS_ADDR?.trim()
  const addr = flags.addr ?? (envAddr !== undefined && envAddr !== '' ? envAddr : DEFAULT_DIAG_ADDR)
  const token = env.WES_DIAGNOSTICS_TOKEN?.trim()
  const envTokenFile = env.WES_DIAGNOSTICS_TOKEN_FILE?.trim()
  const tokenFile = flags.tokenFile ?? (envTokenFile === '' ? undefined : envTokenFile)
  return {
    view: view as DiagView,
    addr,
    baseUrl: diagBaseUrl(addr),
    json: flags.json === true,
    timeoutMs: flags.timeout ?? 5_000,
    ...(token !== undefined && token !== '' ? { token } : {}),
    ...(tokenFile !== undefined ? { tokenFile } : {}),
  }
}
