import { runCli } from './cli.js'

/**
 * The process entry: wires signals to an AbortController, runs the CLI and exits with its code.
 * `init.earlySignal` is a SIGINT/SIGTERM the bin caught before this module had loaded.
 * Kept apart from `cli.ts` so tests run the CLI in-process without touching the process.
 */
export async function main(
  argv: string[] = process.argv.slice(2),
  init: { earlySignal?: NodeJS.Signals } = {},
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

  const code = await runCli(argv, {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    signal: controller.signal,
  })
  process.exit(code)
}
