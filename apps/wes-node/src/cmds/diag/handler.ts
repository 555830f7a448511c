import { setTimeout as sleep } from 'node:timers/promises'
import { VIEWS, createDiagnosticsClient, isVerboseViewName } from '@wes/diagnostics/client'
import type {
  DiagnosticsClient,
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
  /** Aborted on SIGINT/SIGTERM: `--wait` stops asking and reports what it has. */
  signal?: AbortSignal
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

/**
 * A client error in the words an operator needs, with the CLI's exit code and error code (the
 * `peer` and `dht` commands' too).
 */
export function toCliError(
  err: unknown,
  options: Pick<DiagOptions, 'addr' | 'timeoutMs'>,
): unknown {
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

/**
 * A failure that waiting may end: no answer (yet), or 503 while the node starts. A wrong token,
 * or something that is not a wes-node, stays as it is.
 */
function isPassing(err: unknown): boolean {
  if (!isClientError(err)) return false
  return (
    err.code === 'ERR_UNREACHABLE' ||
    err.code === 'ERR_TIMEOUT' ||
    (err.code === 'ERR_HTTP_STATUS' && (err as DiagnosticsHttpError).status === 503)
  )
}

/** How often `diag health --wait` asks again. */
export const WAIT_POLL_MS = 1_000

/** The least time a request of `--wait` gets, even the one at the deadline. */
const WAIT_REQUEST_MIN_MS = 250

/**
 * `diag health --wait`: asks until the view finds nothing wrong, or the time is up; a node that
 * does not answer (yet) is asked again too. Resolves with the last body it read, or rejects with
 * the last failure when no answer ever came.
 */
async function waitForHealthy(
  options: DiagOptions & { waitMs: number },
  token: string | undefined,
  signal: AbortSignal | undefined,
): Promise<object> {
  const view: View = VIEWS[options.view]
  const deadline = Date.now() + options.waitMs
  let body: object | undefined
  let failure: unknown
  for (;;) {
    // no request may outlast the wait by much
    const timeoutMs = Math.min(
      options.timeoutMs,
      Math.max(WAIT_REQUEST_MIN_MS, deadline - Date.now()),
    )
    try {
      const answer = await clientFor(options, token, timeoutMs).get(options.view)
      if (view.unhealthy?.(answer) === undefined) return answer
      body = answer
    } catch (err) {
      if (!isPassing(err)) throw err
      failure = err
    }
    const pause = Math.min(WAIT_POLL_MS, deadline - Date.now())
    if (pause <= 0 || signal?.aborted === true) break
    try {
      await sleep(pause, undefined, signal === undefined ? {} : { signal })
    } catch {
      break // aborted: report what we have
    }
  }
  if (body !== undefined) return body
  throw failure
}

function clientFor(
  options: DiagOptions,
  token: string | undefined,
  timeoutMs: number,
): DiagnosticsClient {
  return createDiagnosticsClient({
    addr: options.addr,
    timeoutMs,
    ...(token !== undefined ? { token } : {}),
  })
}

/** One read of the view, its verbose form with `--verbose`. */
async function readOnce(options: DiagOptions, token: string | undefined): Promise<object> {
  const client = clientFor(options, token, options.timeoutMs)
  const { view, verbose } = options
  if (verbose !== undefined && isVerboseViewName(view)) return client.getVerbose(view, verbose)
  return client.get(view)
}

/** The readable table of a body: the view's verbose table with `--verbose`. */
function render(options: DiagOptions, body: object): string {
  const view: View = VIEWS[options.view]
  if (options.verbose !== undefined && view.verbose !== undefined) {
    return view.verbose.render(body as Parameters<typeof view.verbose.render>[0])
  }
  return view.render(body)
}

/** Reads one `/debug/p2p/<view>` of a running node and prints it. */
export async function diagHandler(options: DiagOptions, io: DiagIo): Promise<void> {
  const token =
    options.tokenFile !== undefined ? await readTokenFile(options.tokenFile) : options.token
  const { waitMs } = options
  let body: object
  try {
    body =
      waitMs === undefined
        ? await readOnce(options, token)
        : await waitForHealthy({ ...options, waitMs }, token, io.signal)
  } catch (err) {
    const failure = toCliError(err, options)
    if (waitMs === undefined || !(failure instanceof CliError)) throw failure
    throw new CliError(
      `${failure.message} (asked for ${waitMs / 1_000} s)`,
      failure.exitCode,
      failure.code,
    )
  }

  const view: View = VIEWS[options.view]
  io.stdout.write(
    options.json ? `${JSON.stringify(body, null, 2)}\n` : `${render(options, body)}\n`,
  )
  const unhealthy = view.unhealthy?.(body)
  if (unhealthy !== undefined) {
    const after = waitMs === undefined ? '' : ` after ${waitMs / 1_000} s`
    throw new CliError(
      `node at ${options.addr} is unhealthy${after}: ${unhealthy}`,
      EXIT_FAILURE,
      'ERR_UNHEALTHY',
    )
  }
}
