import { errorCode, errorTree } from '@wes/p2p-core'
import type { P2POptions } from '@wes/p2p-core'
import { CliError, EXIT_FAILURE, UsageError, oneLine } from '../../errors.js'
import { createLibp2pLogger } from '../../libp2p-logger.js'
import { createLogger } from '../../logger.js'
import type { Logger } from '../../logger.js'
import { createRuntime } from '../../runtime.js'
import type { Runtime } from '../../runtime.js'
import { readDiagnosticsToken } from '../../token.js'
import { reloadSettings } from './reload.js'
import type { RunningSettings } from './reload.js'

export interface StartIo {
  stdout: { write(chunk: string): unknown }
  stderr: { write(chunk: string): unknown }
  /** Aborted on SIGINT/SIGTERM: the node then stops cleanly. */
  signal: AbortSignal
  /** For `WES_DIAGNOSTICS_TOKEN`. @default {} */
  env?: Record<string, string | undefined>
  /** Bound on a clean stop before giving up with exit 1. @default 10_000 */
  stopTimeoutMs?: number
  /** Subscribes to reload requests (SIGHUP), as `CliContext.onReload`. @default no reloads */
  onReload?: (listener: () => void) => () => void
  /**
   * The options again for a reload, from the same flags and environment and the config file
   * read again. @default the options the node started with (a reload re-reads the token file)
   */
  reloadOptions?: () => Promise<P2POptions>
}

/** Error codes of `@wes/p2p-core` that mean the configuration or data directory is unusable. */
const CONFIG_ERROR_CODES = new Set([
  'ERR_INVALID_OPTIONS',
  'ERR_IDENTITY_CORRUPT',
  'ERR_IDENTITY_PERMISSIONS',
  'ERR_DATA_DIR',
])

/** Finds an errno code anywhere in an error's cause chain or aggregated errors. */
function findErrno(err: unknown): string | undefined {
  const tree = errorTree(err)
  for (const inner of tree) {
    const code = errorCode(inner)
    if (code !== undefined && /^E[A-Z]+$/.test(code)) return code
  }
  for (const inner of tree) {
    const message = inner instanceof Error ? inner.message : ''
    const found = /\b(EADDRINUSE|EADDRNOTAVAIL|EACCES)\b/.exec(message)?.[1]
    if (found !== undefined) return found
  }
  return undefined
}

function startFailure(err: unknown, options: P2POptions): CliError {
  const code = errorCode(err)
  if (code === 'ERR_ADDR_IN_USE' || code === 'ERR_ADDR_INVALID') {
    return new CliError(oneLine(err), EXIT_FAILURE, code)
  }
  const errno = findErrno(err)
  const listen = options.listen.join(', ')
  if (errno === 'EADDRINUSE') {
    return new CliError(`cannot listen on ${listen}: address already in use`, EXIT_FAILURE, errno)
  }
  if (errno === 'EADDRNOTAVAIL') {
    return new CliError(
      `cannot listen on ${listen}: address not available on this machine`,
      EXIT_FAILURE,
      errno,
    )
  }
  if (errno === 'EACCES') {
    return new CliError(`cannot listen on ${listen}: permission denied`, EXIT_FAILURE, errno)
  }
  return new CliError(`node failed to start: ${oneLine(err)}`, EXIT_FAILURE, code ?? 'ERR_START')
}

async function stopWithin(runtime: Runtime, timeoutMs: number, logger: Logger): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new CliError(`node did not stop within ${timeoutMs} ms`)),
      timeoutMs,
    )
    timer.unref()
  })
  try {
    await Promise.race([runtime.stop(), timeout])
    logger.info('node stopped')
  } finally {
    clearTimeout(timer)
  }
}

/**
 * `wes-node start`: runs a node until `io.signal` aborts, then stops it. Resolves when the node
 * has stopped cleanly; rejects with a `CliError` on any expected failure.
 */
export async function startHandler(options: P2POptions, io: StartIo): Promise<void> {
  const logger = createLogger({
    level: options.logLevel,
    format: options.logFormat,
    stream: io.stderr,
  })
  // libp2p formats a line for every call while its logger is enabled: only at trace.
  const libp2pLogger = options.logLevel === 'trace' ? createLibp2pLogger(logger) : undefined
  // Stopped before anything started: nothing to undo.
  if (io.signal.aborted) return

  const token = options.diagnosticsEnabled
    ? await readDiagnosticsToken(options.diagnosticsTokenFile, io.env ?? {}, logger)
    : undefined

  let runtime: Runtime
  try {
    runtime = await createRuntime(options, {
      logger,
      ...(libp2pLogger !== undefined ? { libp2pLogger } : {}),
      ...(token !== undefined ? { token } : {}),
    })
  } catch (err) {
    const code = errorCode(err)
    if (code !== undefined && CONFIG_ERROR_CODES.has(code)) throw new UsageError(oneLine(err), code)
    throw startFailure(err, options)
  }

  try {
    await runtime.start()
  } catch (err) {
    throw startFailure(err, options)
  }

  if (!io.signal.aborted) {
    const { node, diagnostics } = runtime
    const lines = [
      `peer id: ${node.peerId}`,
      ...node.getMultiaddrs().map((addr) => `listening on: ${addr}`),
      diagnostics !== undefined ? `diagnostics: ${diagnostics.url}` : 'diagnostics: disabled',
    ]
    io.stdout.write(`${lines.join('\n')}\n`)
    logger.info(`node started with peer id ${node.peerId}`)
    // Reloads run one at a time, each from the settings the one before left.
    let running: RunningSettings = { options, token }
    let reloading = Promise.resolve()
    const unsubscribe = io.onReload?.(() => {
      reloading = reloading.then(async () => {
        running = await reloadSettings(running, {
          resolveOptions: io.reloadOptions ?? (async () => options),
          readToken: async (next) =>
            readDiagnosticsToken(next.diagnosticsTokenFile, io.env ?? {}, logger),
          logger,
          node,
          ...(diagnostics !== undefined ? { diagnostics } : {}),
          libp2pLogging: libp2pLogger !== undefined,
        })
      })
    })
    // The signal may have come while the lines above were written.
    await new Promise<void>((resolve) => {
      if (io.signal.aborted) resolve()
      else io.signal.addEventListener('abort', () => resolve(), { once: true })
    })
    unsubscribe?.()
    logger.info('stopping node')
  }

  await stopWithin(runtime, io.stopTimeoutMs ?? 10_000, logger)
}
