import { Command, CommanderError } from 'commander'
import { createDevnetCommand } from './cmds/devnet/index.js'
import { createDhtCommand } from './cmds/dht/index.js'
import { createDiagCommand } from './cmds/diag/index.js'
import { createPeerCommand } from './cmds/peer/index.js'
import { createStartCommand } from './cmds/start/index.js'
import type { CliContext } from './context.js'
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, oneLine } from './errors.js'
import { VERSION } from './version.js'

/** Builds the `wes-node` command; parsing errors surface as `CommanderError` (exitOverride). */
export function createCli(context: CliContext): Command {
  const program = new Command('wes-node')
    .description('a libp2p node that can be watched and debugged from the first minute')
    .version(VERSION, '-v, --version')
    .configureOutput({
      writeOut: (text) => context.stdout.write(text),
      writeErr: (text) => context.stderr.write(text),
      // Commander's own messages already read "error: ..."; keep them to one line (a suggestion
      // such as "(Did you mean --listen?)" comes on a line of its own).
      outputError: (text, write) =>
        write(
          `wes-node: ${text
            .replace(/^error: /, '')
            .trim()
            .replace(/\s*\n\s*/g, ' ')}\n`,
        ),
    })
    .exitOverride()
    .showSuggestionAfterError(true)

  for (const command of [
    createStartCommand(context),
    createDiagCommand(context),
    createPeerCommand(context),
    createDhtCommand(context),
    createDevnetCommand(context),
  ]) {
    program.addCommand(withProgramSettings(command, program))
  }
  return program
}

/** The program's exit override and output on a command and its subcommands (`peer ping`). */
function withProgramSettings(command: Command, program: Command): Command {
  command.exitOverride().configureOutput(program.configureOutput())
  for (const sub of command.commands) withProgramSettings(sub, program)
  return command
}

function exitCodeOf(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined
  const code = (err as { exitCode?: unknown }).exitCode
  return typeof code === 'number' ? code : undefined
}

/**
 * Runs the CLI on `argv` (without the node and script paths) and returns the exit code.
 * Expected failures print one line on stderr; unexpected ones too, with exit 1, never a stack.
 */
export async function runCli(argv: string[], context: CliContext): Promise<number> {
  const program = createCli(context)
  try {
    await program.parseAsync(argv, { from: 'user' })
    return EXIT_OK
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version are exits too, with code 0; every parsing error is a usage error.
      if (err.exitCode === 0) return EXIT_OK
      return EXIT_USAGE
    }
    const code = exitCodeOf(err)
    context.stderr.write(`wes-node: ${oneLine(err)}\n`)
    if (process.env.WES_DEBUG_ERRORS === '1' && err instanceof Error && err.stack) {
      context.stderr.write(`${err.stack}\n`)
    }
    return code ?? EXIT_FAILURE
  }
}
