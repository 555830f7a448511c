import { Argument, Command, InvalidArgumentError } from 'commander'
import type { CliContext } from '../../context.js'
import { DIAG_VIEWS, resolveDiagOptions } from './options.js'
import type { DiagFlags } from './options.js'

function timeoutMs(raw: string): number {
  const value = Number(raw)
  if (!/^\d+$/.test(raw.trim()) || value < 1 || value > 600_000) {
    throw new InvalidArgumentError('expected milliseconds between 1 and 600000.')
  }
  return value
}

/** `wes-node diag <view> [--addr host:port] [--json]` */
export function createDiagCommand(context: CliContext): Command {
  return new Command('diag')
    .description(
      "read a running node's diagnostics (exit 1 when unreachable, not ready or, for health, without peers)",
    )
    .addArgument(new Argument('<view>', 'what to show').choices(DIAG_VIEWS))
    .option(
      '--addr <host:port>',
      "the node's diagnostics address (env WES_DIAGNOSTICS_ADDR) (default: 127.0.0.1:28686)",
    )
    .option('--json', 'print the raw JSON')
    .option(
      '--token-file <file>',
      'bearer token for a protected node (env WES_DIAGNOSTICS_TOKEN_FILE or WES_DIAGNOSTICS_TOKEN)',
    )
    .option('--timeout <ms>', 'give up after this long (default: 5000)', timeoutMs)
    .action(async (view: string, flags: DiagFlags) => {
      const options = resolveDiagOptions(view, flags, context.env)
      const { diagHandler } = await import('./handler.js')
      await diagHandler(options, { stdout: context.stdout })
    })
}
