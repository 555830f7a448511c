import { Command, InvalidArgumentError } from 'commander'
import {
  CONTROLS,
  CONTROL_TIMEOUT_MARGIN_MS,
  DEFAULT_DIAGNOSTICS_CLIENT_INIT,
} from '@wes/diagnostics/client'
import type { ControlName } from '@wes/diagnostics/client'
import type { CliContext } from '../../context.js'
import { resolveControlOptions } from './options.js'
import type { ControlFlags } from './options.js'

/** Milliseconds from 1 to 600000, as `diag --timeout`. */
function timeoutMs(raw: string): number {
  const value = Number(raw)
  if (!/^\d+$/.test(raw.trim()) || value < 1 || value > 600_000) {
    throw new InvalidArgumentError('expected milliseconds between 1 and 600000.')
  }
  return value
}

/**
 * The subcommand `<name> <argument>` running the control `control` on a node: the argument is a
 * multiaddr or a peer ID, the flags are `diag`'s (`--addr`, `--json`, `--token-file`,
 * `--timeout`). `extend` adds the control's own flags.
 */
export function createControlCommand(
  context: CliContext,
  control: ControlName,
  init: { name: string; argument: string; description: string },
  extend: (command: Command) => Command = (command) => command,
): Command {
  const { timeoutMs: serverTimeoutMs } = CONTROLS[control]
  const command = new Command(init.name)
    .description(init.description)
    .argument(init.argument)
    .option(
      '--addr <host:port>',
      `the node's diagnostics address (env WES_DIAGNOSTICS_ADDR) (default: ${DEFAULT_DIAGNOSTICS_CLIENT_INIT.addr})`,
    )
    .option('--json', 'print the raw JSON')
    .option(
      '--token-file <file>',
      'bearer token of the node (env WES_DIAGNOSTICS_TOKEN_FILE or WES_DIAGNOSTICS_TOKEN); the controls exist only on a node with a token',
    )
    .option(
      '--timeout <ms>',
      `give up after this long (default: ${serverTimeoutMs + CONTROL_TIMEOUT_MARGIN_MS}, the node's own limit and 2 s)`,
      timeoutMs,
    )
  return extend(command).action(async (target: string, flags: ControlFlags) => {
    const options = resolveControlOptions(control, target, flags, context.env)
    const { controlHandler } = await import('./handler.js')
    await controlHandler(options, { stdout: context.stdout })
  })
}
