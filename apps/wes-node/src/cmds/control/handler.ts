import {
  CONTROLS,
  CONTROL_TIMEOUT_MARGIN_MS,
  createDiagnosticsClient,
} from '@wes/diagnostics/client'
import type { Control, DiagnosticsHttpError } from '@wes/diagnostics/client'
import { CliError, EXIT_FAILURE, UsageError } from '../../errors.js'
import { readTokenFile } from '../../token.js'
import { toCliError } from '../diag/handler.js'
import type { ControlOptions } from './options.js'

export interface ControlIo {
  stdout: { write(chunk: string): unknown }
}

/** By name, as errors cross packages (STYLE.md). */
function isHttpError(err: unknown): err is DiagnosticsHttpError {
  return err instanceof Error && err.name === 'DiagnosticsHttpError'
}

/**
 * A failed control in an operator's words: the node's own sentence for what the operation met
 * (a dial refused, a peer nobody knows, a timeout: exit 1; input the node cannot use: exit 2), a
 * node without controls said plainly, and everything else as `diag` says it.
 */
function toControlFailure(err: unknown, options: ControlOptions, timeoutMs: number): unknown {
  const { addr } = options
  if ((err as { code?: unknown } | null)?.code === 'ERR_REQUEST_INVALID') {
    return new UsageError((err as Error).message)
  }
  if (!isHttpError(err)) return toCliError(err, { addr, timeoutMs })
  const { status, serverCode, serverMessage } = err
  if (status === 404 && serverCode === 'not_found') {
    return new CliError(
      `node at ${addr} has no controls: they exist only while its diagnostics require a token (start it with --diagnostics-token-file)`,
      EXIT_FAILURE,
      'ERR_NO_CONTROLS',
    )
  }
  if (serverMessage === undefined || serverCode === undefined) {
    return toCliError(err, { addr, timeoutMs })
  }
  if (status === 400) return new UsageError(serverMessage, 'ERR_BAD_REQUEST')
  if (status === 429) {
    return new CliError(`node at ${addr} is busy: ${serverMessage}`, EXIT_FAILURE, 'ERR_BUSY')
  }
  if ([404, 502, 504].includes(status)) {
    return new CliError(serverMessage, EXIT_FAILURE, `ERR_${serverCode.toUpperCase()}`)
  }
  return toCliError(err, { addr, timeoutMs })
}

/** Runs one control on a running node (`POST /control/...`) and prints its answer. */
export async function controlHandler(options: ControlOptions, io: ControlIo): Promise<void> {
  const token =
    options.tokenFile !== undefined ? await readTokenFile(options.tokenFile) : options.token
  const control: Control = CONTROLS[options.control]
  const timeoutMs = options.timeoutMs ?? control.timeoutMs + CONTROL_TIMEOUT_MARGIN_MS
  const client = createDiagnosticsClient({
    addr: options.addr,
    timeoutMs,
    ...(token !== undefined ? { token } : {}),
  })
  let body: object
  try {
    body = await client.control(options.control, options.request)
  } catch (err) {
    throw toControlFailure(err, options, timeoutMs)
  }
  io.stdout.write(options.json ? `${JSON.stringify(body, null, 2)}\n` : `${control.render(body)}\n`)
}
