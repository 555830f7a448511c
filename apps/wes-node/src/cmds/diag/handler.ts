import { VIEWS, createDiagnosticsClient } from '@wes/diagnostics/client'
import type {
  DiagnosticsClientError,
  DiagnosticsHttpError,
  DiagnosticsResponseError,
  DiagnosticsUnreachableError,
  View,
} from '@wes/diagnostics/client'
import { CliError, EXIT_FAILURE, oneLine } from '../../errors.js'
import { readTokenFile } from '../../token.js'
import type { DiagOptions } from './options.js'

export interface DiagIo {
  stdout: { write(chunk: string): unknown }
}

const REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused (is the node running, with diagnostics enabled?)',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'unknown host',
  EAI_AGAIN: 'unknown host',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EADDRNOTAVAIL: 'address not available',
}

/** By name and code, as errors cross packages (STYLE.md). */
function isClientError(err: unknown): err is DiagnosticsClientError {
  return (
    err instanceof Error &&
    err.name.startsWith('Diagnostics') &&
    typeof (err as { code?: unknown }).code === 'string'
  )
}

/** A client error in the words an operator needs, with the CLI's exit code and error code. */
function toCliError(err: unknown, options: DiagOptions): unknown {
  if (!isClientError(err)) return err
  const { addr } = options
  const failure = (message: string, code: string): CliError =>
    new CliError(message, EXIT_FAILURE, code)
  const where = `cannot reach wes-node diagnostics at ${addr}`
  const bad = `wes-node diagnostics at ${addr} answered`
  switch (err.code) {
    case 'ERR_TIMEOUT':
      return failure(`${where}: no answer within ${options.timeoutMs} ms`, 'ERR_TIMEOUT')
    case 'ERR_UNREACHABLE': {
      const { errno, cause } = err as DiagnosticsUnreachableError
      const reason = (errno !== undefined ? REASONS[errno] : undefined) ?? oneLine(cause)
      return failure(`${where}: ${reason}`, errno ?? 'ERR_UNREACHABLE')
    }
    case 'ERR_BODY_TOO_LARGE':
      return failure(`${where}: ${oneLine(err)}`, 'ERR_UNREACHABLE')
    case 'ERR_NOT_JSON': {
      const { status } = err as DiagnosticsResponseError
      return failure(`${bad} ${status} without JSON: is this a wes-node?`, 'ERR_BAD_RESPONSE')
    }
    case 'ERR_UNEXPECTED_BODY': {
      const [problem] = (err as DiagnosticsResponseError).problems
      const detail = problem !== undefined ? ` (${problem})` : ''
      return failure(`${bad} an unexpected body${detail}`, 'ERR_BAD_RESPONSE')
    }
    case 'ERR_HTTP_STATUS': {
      const { status, serverMessage } = err as DiagnosticsHttpError
      const prefix =
        status === 503
          ? 'node is not ready'
          : status === 401
            ? 'diagnostics need a valid token (--token-file, WES_DIAGNOSTICS_TOKEN_FILE or WES_DIAGNOSTICS_TOKEN)'
            : `node answered HTTP ${status}`
      return failure(
        `${prefix} at ${addr}: ${serverMessage ?? `HTTP ${status}`}`,
        `ERR_HTTP_${status}`,
      )
    }
    default:
      return err
  }
}

/** Reads one `/debug/p2p/<view>` of a running node and prints it. */
export async function diagHandler(options: DiagOptions, io: DiagIo): Promise<void> {
  const token =
    options.tokenFile !== undefined ? await readTokenFile(options.tokenFile) : options.token
  const client = createDiagnosticsClient({
    addr: options.addr,
    timeoutMs: options.timeoutMs,
    ...(token !== undefined ? { token } : {}),
  })
  let body: object
  try {
    body = await client.get(options.view)
  } catch (err) {
    throw toCliError(err, options)
  }

  const view: View = VIEWS[options.view]
  io.stdout.write(options.json ? `${JSON.stringify(body, null, 2)}\n` : `${view.render(body)}\n`)
  const unhealthy = view.unhealthy?.(body)
  if (unhealthy !== undefined) {
    throw new CliError(
      `node at ${options.addr} is unhealthy: ${unhealthy}`,
      EXIT_FAILURE,
      'ERR_UNHEALTHY',
    )
  }
}
