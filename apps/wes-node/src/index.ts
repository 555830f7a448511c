/**
 * The `wes-node` command line as a library: build the CLI, run it in-process, or wire a node to
 * its diagnostics yourself.
 *
 * @example
 * ```ts
 * import { runCli } from 'wes-node'
 *
 * const controller = new AbortController()
 * const code = await runCli(['diag', 'health', '--json'], {
 *   stdout: process.stdout, stderr: process.stderr, env: process.env, signal: controller.signal,
 * })
 * ```
 */
export { createCli, runCli } from './cli.js'
export type { CliContext } from './context.js'
export { CliError, UsageError, EXIT_OK, EXIT_FAILURE, EXIT_USAGE } from './errors.js'
export { createRuntime, nodeDiagnosticsSource } from './runtime.js'
export { nodeControlSource } from './control-source.js'
export type { Runtime, RuntimeComponents } from './runtime.js'
export { resolveStartOptions } from './cmds/start/options.js'
export { startHandler } from './cmds/start/handler.js'
export { diagHandler } from './cmds/diag/handler.js'
export { resolveDiagOptions } from './cmds/diag/options.js'
export { createLogger } from './logger.js'
export type { AppLogger, Logger } from './logger.js'
