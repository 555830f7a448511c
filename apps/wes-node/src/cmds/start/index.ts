import { Command, Option } from 'commander'
import type { P2POptions } from '@wes/p2p-core'
import type { CliContext } from '../../context.js'
import { describeFlag, startOptions } from './flags.js'
import type { StartFlags, ValueSource } from './options.js'

/** `wes-node start [options]`: its flags come from the settings table (`settings.ts`). */
export function createStartCommand(context: CliContext): Command {
  const generated = startOptions()
  const command = new Command('start')
    .description('run a node until SIGINT/SIGTERM, then stop it cleanly')
    // Help shows each default as @wes/p2p-core defines it, and reading those loads libp2p
    // (a second or more): commander's help is synchronous, so --help is answered in the action,
    // where it can wait, and `diag` or a usage error never pays for libp2p.
    .helpOption(false)
  for (const [option] of generated) command.addOption(option)
  command.addOption(new Option('-h, --help', 'display help for command'))

  return command.action(async (flags: StartFlags, command: Command) => {
    if (flags.help === true) {
      const { DEFAULT_P2P_OPTIONS } = await import('@wes/p2p-core')
      for (const [option, spec] of generated) {
        option.description = describeFlag(spec, DEFAULT_P2P_OPTIONS)
      }
      command.help()
    }
    // libp2p and its ~800 modules load only when a node is really started (or its help shown),
    // not for --version or diag.
    const [{ resolveStartOptions }, { startHandler }] = await Promise.all([
      import('./options.js'),
      import('./handler.js'),
    ])
    const resolve = async (): Promise<P2POptions> =>
      resolveStartOptions({
        flags,
        flagSource: (flag) => command.getOptionValueSource(flag) as ValueSource,
        env: context.env,
      })
    const options = await resolve()
    await startHandler(options, {
      stdout: context.stdout,
      stderr: context.stderr,
      signal: context.signal,
      env: context.env,
      ...(context.onReload !== undefined ? { onReload: context.onReload } : {}),
      // a SIGHUP reads the config file again; flags and WES_* variables still win over it
      reloadOptions: resolve,
    })
  })
}
