import { CliError, EXIT_FAILURE, oneLine } from '../../errors.js'
import { readTokenFile } from '../../token.js'
import { renderView } from './format.js'
import { httpGet } from './http-get.js'
import type { HttpGetResult } from './http-get.js'
import type { DiagOptions } from './options.js'

export interface DiagIo {
  stdout: { write(chunk: string): unknown }
}

/** Why a request failed, in the words an operator needs. */
function unreachable(err: unknown, options: DiagOptions): CliError {
  const where = `cannot reach wes-node diagnostics at ${options.addr}`
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
    return new CliError(
      `${where}: no answer within ${options.timeoutMs} ms`,
      EXIT_FAILURE,
      'ERR_TIMEOUT',
    )
  }
  const errno = (err as { code?: unknown }).code
  const code = typeof errno === 'string' ? errno : undefined
  const reasons: Record<string, string> = {
    ECONNREFUSED: 'connection refused (is the node running, with diagnostics enabled?)',
    ECONNRESET: 'connection reset',
    ENOTFOUND: 'unknown host',
    EAI_AGAIN: 'unknown host',
    EHOSTUNREACH: 'host unreachable',
    ENETUNREACH: 'network unreachable',
    EADDRNOTAVAIL: 'address not available',
  }
  const reason = (code !== undefined ? reasons[code] : undefined) ?? oneLine(err)
  return new CliError(`${where}: ${reason}`, EXIT_FAILURE, code ?? 'ERR_UNREACHABLE')
}

function errorMessage(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null) return undefined
  const message = (body as { message?: unknown }).message
  return typeof message === 'string' ? message : undefined
}

/** Reads one `/debug/p2p/<view>` of a running node and prints it. */
export async function diagHandler(options: DiagOptions, io: DiagIo): Promise<void> {
  const url = `${options.baseUrl}/debug/p2p/${options.view}`
  const token =
    options.tokenFile !== undefined ? await readTokenFile(options.tokenFile) : options.token
  let response: HttpGetResult
  try {
    response = await httpGet(url, {
      headers: {
        accept: 'application/json',
        ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}),
      },
      timeoutMs: options.timeoutMs,
    })
  } catch (err) {
    throw unreachable(err, options)
  }
  const { text } = response
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    throw new CliError(
      `wes-node diagnostics at ${options.addr} answered ${response.status} without JSON: is this a wes-node?`,
      EXIT_FAILURE,
      'ERR_BAD_RESPONSE',
    )
  }

  if (response.status < 200 || response.status > 299) {
    const detail = errorMessage(body) ?? `HTTP ${response.status}`
    const prefix =
      response.status === 503
        ? 'node is not ready'
        : response.status === 401
          ? 'diagnostics need a valid token (--token-file, WES_DIAGNOSTICS_TOKEN_FILE or WES_DIAGNOSTICS_TOKEN)'
          : `node answered HTTP ${response.status}`
    throw new CliError(
      `${prefix} at ${options.addr}: ${detail}`,
      EXIT_FAILURE,
      `ERR_HTTP_${response.status}`,
    )
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new CliError(
      `wes-node diagnostics at ${options.addr} answered an unexpected body`,
      EXIT_FAILURE,
      'ERR_BAD_RESPONSE',
    )
  }

  const record = body as Record<string, unknown>
  io.stdout.write(
    options.json ? `${JSON.stringify(record, null, 2)}\n` : `${renderView(options.view, record)}\n`,
  )

  // An isolated node is unhealthy: it answers, but it is cut off from the network.
  if (options.view === 'health' && record.num_peers === 0) {
    throw new CliError(
      `node at ${options.addr} is unhealthy: no connected peers`,
      EXIT_FAILURE,
      'ERR_UNHEALTHY',
    )
  }
}
