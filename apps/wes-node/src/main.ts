import { runCli } from './cli.js'

/**
 * The process entry: wires signals to an AbortController (SIGINT, SIGTERM) and to reloads
 * (SIGHUP), runs the CLI and exits with its code. `init.earlySignal` is a SIGINT/SIGTERM, and
 * `init.earlyHangup` a SIGHUP, that the bin caught before this module had loaded.
 * Kept apart from `cli.ts` so tests run the CLI in-process without touching the process.
 */
export async function main(
  argv: string[] = process.argv.slice(2),
  init: { earlySignal?: NodeJS.Signals; earlyHangup?: boolean } = {},
): Promise<never> {
  const controller = new AbortController()
  let signals = 0
  const onSignal = (signal: NodeJS.Signals): void => {
    signals++
    if (signals === 1) {
      controller.abort()
      return
    }
    // A second signal while stopping: the operator wants out now.
    process.stderr.write(`wes-node: ${signal} again, exiting without a clean stop\n`)
    process.exit(1)
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  // A signal that arrived while modules were loading (the bin caught it) counts as the first.
  if (init.earlySignal !== undefined) onSignal(init.earlySignal)

  // SIGHUP makes a node reload its configuration and never stops it (a service manager's
  // `reload`); a hang-up while the node is still starting is kept for when it runs. Any other
  // command stops on it, as on SIGTERM (the terminal went away).
  const reloadListeners = new Set<() => void>()
  let reloadPending = false
  const onHangup = (): void => {
    if (argv[0] !== 'start') return onSignal('SIGHUP')
    if (reloadListeners.size === 0) reloadPending = true
    for (const listener of reloadListeners) listener()
  }
  process.on('SIGHUP', onHangup)
  if (init.earlyHangup === true) onHangup()

  const code = await runCli(argv, {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    signal: controller.signal,
    onReload: (listener) => {
      reloadListeners.add(listener)
      if (reloadPending) {
        reloadPending = false
        queueMicrotask(listener)
      }
      return () => {
        reloadListeners.delete(listener)
      }
    },
  })
  process.exit(code)
}
