import { Argument, Command } from 'commander'
import type { CliContext } from '../../context.js'
import { UsageError } from '../../errors.js'
import {
  DEFAULT_DEVNET_OPTIONS,
  DEVNET_LAB_TOPOLOGIES,
  DEVNET_LIMITS,
  integerFlag,
  resolveDevnetOptions,
} from './options.js'
import type { DevnetFlags } from './options.js'

const { nodes, dir, basePort, diagBasePort, prometheusPort } = DEFAULT_DEVNET_OPTIONS

/** Where the subcommands say which devnet they act on. */
const SUBCOMMAND_HELP = `\nThe devnet's directory is devnet's --dir (default: ./${dir}), given before or after this command.`

/**
 * The devnet directory a subcommand acts on, absolute: `--dir` is an option of `devnet` (commander
 * reads a parent's options anywhere on the line), and the devnet's other flags mean nothing here.
 */
function dirOf(subcommand: Command): string {
  const flags = (subcommand.parent?.opts() ?? {}) as DevnetFlags
  const misplaced = Object.keys(flags).find((key) => key !== 'dir')
  if (misplaced !== undefined) {
    const flag = `--${misplaced.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`
    throw new UsageError(`${flag} is a flag of wes-node devnet, not of devnet ${subcommand.name()}`)
  }
  return resolveDevnetOptions(
    { ...(flags.dir !== undefined ? { dir: flags.dir } : {}) },
    process.cwd(),
  ).dir
}

/**
 * `wes-node devnet [--nodes N] [--dir <dir>] [--base-port P] [--diag-base-port D] [--prometheus
 * [--prometheus-port <port>]]`, and `devnet add|remove|status|stop` against a running one.
 */
export function createDevnetCommand(context: CliContext): Command {
  const devnet = new Command('devnet')
    .description(
      'run N local nodes on loopback (node 1 the bootstrap peer of the rest) with Prometheus targets and config, until SIGINT/SIGTERM; add, remove, status and stop act on a running one',
    )
    .option('--dir <dir>', `the devnet directory (default: ./${dir})`)
    .option('--nodes <n>', `nodes to start, 1 to ${DEVNET_LIMITS.maxNodes} (default: ${nodes})`)
    .option(
      '--base-port <port>',
      `p2p TCP port of node 1 on 127.0.0.1, node i on port + i - 1; 0 for any free ports (default: ${basePort})`,
    )
    .option(
      '--diag-base-port <port>',
      `diagnostics port of node 1, node i on port + i - 1; 0 for any free ports (default: ${diagBasePort})`,
    )
    .option(
      '--prometheus',
      'also start Prometheus (the prometheus binary: apt-get install prometheus) on the written config',
    )
    .option(
      '--prometheus-port <port>',
      `with --prometheus: its port on 127.0.0.1, 0 for a free one (default: ${prometheusPort})`,
    )
    .option(
      '--lab <topology>',
      `run the nodes as hosts of a network-lab topology instead of on loopback (root; one of: ${Object.keys(DEVNET_LAB_TOPOLOGIES).join(', ')}); its size is fixed`,
    )
    .action(async (flags: DevnetFlags) => {
      const options = resolveDevnetOptions(flags, process.cwd())
      const { devnetHandler } = await import('./handler.js')
      await devnetHandler(options, context)
    })

  devnet.addCommand(
    new Command('add')
      .description('start more nodes in the running devnet')
      .addHelpText('after', SUBCOMMAND_HELP)
      .option('--count <k>', 'nodes to add (default: 1)')
      .action(async (flags: { count?: string }, command: Command) => {
        const count =
          flags.count === undefined
            ? 1
            : integerFlag(flags.count, '--count', 1, DEVNET_LIMITS.maxNodes)
        const [{ sendControl }, { formatNodesTable }, { devnetPath }] = await Promise.all([
          import('./control.js'),
          import('./table.js'),
          import('./files.js'),
        ])
        const added = await sendControl(devnetPath(dirOf(command), 'controlSocket'), {
          op: 'add',
          count,
        })
        context.stdout.write(`${formatNodesTable(added)}\n`)
      }),
  )
  devnet.addCommand(
    new Command('remove')
      .description('stop one node of the running devnet and take it out of the targets')
      .addArgument(new Argument('<node>', 'its index (3), name (node-3) or peer ID'))
      .addHelpText('after', SUBCOMMAND_HELP)
      .action(async (node: string, _flags: object, command: Command) => {
        const [{ sendControl }, { devnetPath }] = await Promise.all([
          import('./control.js'),
          import('./files.js'),
        ])
        const [removed] = await sendControl(devnetPath(dirOf(command), 'controlSocket'), {
          op: 'remove',
          node,
        })
        if (removed !== undefined)
          context.stdout.write(`removed ${removed.name} ${removed.peer_id}\n`)
      }),
  )
  devnet.addCommand(
    new Command('status')
      .description("every node's health verdict in one table (exit 1 when a node is not ok)")
      .addHelpText('after', SUBCOMMAND_HELP)
      .option('--json', 'print { "nodes": [...] } as JSON')
      .option('--wait <seconds>', 'ask again every second until every node is ok, up to this long')
      .action(async (flags: { json?: boolean; wait?: string }, command: Command) => {
        const waitMs =
          flags.wait === undefined
            ? undefined
            : integerFlag(flags.wait, '--wait', 1, 86_400) * 1_000
        const { statusHandler } = await import('./status.js')
        await statusHandler(
          {
            dir: dirOf(command),
            json: flags.json === true,
            ...(waitMs !== undefined ? { waitMs } : {}),
          },
          context,
        )
      }),
  )
  devnet.addCommand(
    new Command('stop')
      .description('stop the running devnet (its nodes and Prometheus) and wait')
      .addHelpText('after', SUBCOMMAND_HELP)
      .action(async (_flags: object, command: Command) => {
        const { stopHandler } = await import('./stop.js')
        await stopHandler(dirOf(command), context)
      }),
  )
  return devnet
}
