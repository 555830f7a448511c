import { createDiagnosticsClient } from '@wes/diagnostics/client'
import { CliError, EXIT_FAILURE } from '../../../errors.js'
import { readTokenFile } from '../../../token.js'
import { initialWatchState } from './model.js'
import { jsonLine, plainLine } from './line.js'
import { historyLength } from './options.js'
import type { WatchOptions } from './options.js'
import { createWatchPoller } from './poller.js'
import type { WatchPoller } from './poller.js'
import { readSample } from './read-sample.js'

/** A stream the view may write to: a terminal says so (`isTTY`) and may have colours. */
export interface WatchOutput {
  write(chunk: string): unknown
  isTTY?: boolean
  hasColors?: (count?: number, env?: Record<string, string | undefined>) => boolean
  on?: (event: 'error', listener: (err: Error) => void) => unknown
  off?: (event: 'error', listener: (err: Error) => void) => unknown
}

export interface WatchIo {
  stdout: WatchOutput
  /** Keys for the terminal view (`q`, Ctrl-C); without a terminal here, the view prints lines. */
  stdin?: NodeJS.ReadStream
  env: Record<string, string | undefined>
  /** Aborted on SIGINT/SIGTERM: the view stops, exit 0. */
  signal: AbortSignal
}

/** Colours only on a terminal that has them, and never with `NO_COLOR` set (no-color.org). */
export function wantsColour(stdout: WatchOutput, env: Record<string, string | undefined>): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false
  return stdout.isTTY === true && stdout.hasColors?.(16, env) === true
}

/** The terminal view: both ends a terminal, and neither `--json` nor `--count` asked for lines. */
function wantsTerminal(options: WatchOptions, io: WatchIo): boolean {
  return (
    io.stdout.isTTY === true &&
    io.stdin?.isTTY === true &&
    !options.json &&
    options.count === undefined
  )
}

/**
 * `wes-node diag watch`: reads the node every interval until `q`, Ctrl-C, SIGINT or SIGTERM (or
 * `--count` lines), in a live terminal view or as one line per read. A node that goes away is
 * shown as away and read again; it never ends the watch.
 */
export async function watchHandler(options: WatchOptions, io: WatchIo): Promise<void> {
  const token =
    options.tokenFile !== undefined ? await readTokenFile(options.tokenFile) : options.token
  const client = createDiagnosticsClient({
    addr: options.addr,
    timeoutMs: options.timeoutMs,
    ...(token !== undefined ? { token } : {}),
  })
  const poller = createWatchPoller({
    read: () => readSample(client, options.timeoutMs),
    intervalMs: options.intervalMs,
    initial: initialWatchState({
      addr: client.addr,
      intervalMs: options.intervalMs,
      historyLength: historyLength(options.intervalMs),
      now: Date.now(),
    }),
  })
  if (io.signal.aborted) return
  if (wantsTerminal(options, io)) await watchTerminal(poller, io)
  else await watchLines(poller, options, io)
}

/** The live view, in the terminal's alternate screen; the terminal is as it was afterwards. */
async function watchTerminal(poller: WatchPoller, io: WatchIo): Promise<void> {
  // React's development build (the one loaded while NODE_ENV is unset) made the view's memory grow
  // by about 34 MB a minute, redrawing every second (105 to 174 MB resident in two minutes); with
  // the production build the heap stayed at 21 MB over 11,605 redraws
  process.env.NODE_ENV ??= 'production'
  // loaded here, so `diag <view>` and the line mode never load react and ink
  const [{ render }, { createElement }, { WatchApp }] = await Promise.all([
    import('ink'),
    import('react'),
    import('./app.js'),
  ])
  const instance = render(
    createElement(WatchApp, { poller, colour: wantsColour(io.stdout, io.env) }),
    {
      stdout: io.stdout as NodeJS.WriteStream,
      ...(io.stdin !== undefined ? { stdin: io.stdin } : {}),
      alternateScreen: true,
      // this is a terminal (checked above), whatever CI variables say
      interactive: true,
      exitOnCtrlC: true,
      patchConsole: false,
    },
  )
  const onAbort = (): void => instance.unmount()
  io.signal.addEventListener('abort', onAbort, { once: true })
  poller.start()
  try {
    await instance.waitUntilExit()
  } finally {
    io.signal.removeEventListener('abort', onAbort)
    await poller.stop()
  }
}

/** One line per read, until the signal or `--count`; exit 1 when the last read had no answer. */
async function watchLines(poller: WatchPoller, options: WatchOptions, io: WatchIo): Promise<void> {
  const format = options.json ? jsonLine : plainLine
  let lines = 0
  let finish: () => void = () => {}
  const finished = new Promise<void>((resolve) => (finish = resolve))
  // a reader that went away (`| head -n 3`) ends the watch instead of crashing it
  const onError = (): void => finish()
  io.stdout.on?.('error', onError)
  const unsubscribe = poller.subscribe(() => {
    io.stdout.write(`${format(poller.getState())}\n`)
    lines++
    if (options.count !== undefined && lines >= options.count) finish()
  })
  const onAbort = (): void => finish()
  io.signal.addEventListener('abort', onAbort, { once: true })
  poller.start()
  try {
    await finished
  } finally {
    io.signal.removeEventListener('abort', onAbort)
    unsubscribe()
    io.stdout.off?.('error', onError)
    await poller.stop()
  }
  const { failure } = poller.getState()
  if (options.count !== undefined && !io.signal.aborted && failure !== undefined) {
    throw new CliError(
      `node at ${options.addr} did not answer the last read: ${failure.message}`,
      EXIT_FAILURE,
      `ERR_WATCH_${failure.kind.toUpperCase()}`,
    )
  }
}
