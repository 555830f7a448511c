import { Command, InvalidArgumentError, Option } from 'commander'
import type { CliContext } from '../../context.js'
import type { StartFlags, ValueSource } from './options.js'

function integer(raw: string): number {
  if (!/^\d+$/.test(raw.trim())) throw new InvalidArgumentError('expected a non-negative integer.')
  return Number(raw)
}

/** `wes-node start [options]` */
export function createStartCommand(context: CliContext): Command {
  return new Command('start')
    .description('run a node until SIGINT/SIGTERM, then stop it cleanly')
    .option('--config <file>', 'JSON config file (env WES_CONFIG)')
    .option(
      '--data-dir <dir>',
      'where the node keeps its identity (env WES_DATA_DIR) (default: ~/.wes-node)',
    )
    .option(
      '--listen <multiaddr...>',
      'listen multiaddrs (env WES_LISTEN) (default: /ip4/0.0.0.0/tcp/28680)',
    )
    .option(
      '--bootstrap <multiaddr...>',
      'bootstrap peers, each with /p2p/<peer id> (env WES_BOOTSTRAP)',
    )
    .option('--no-mdns', 'do not discover peers on the LAN with mDNS (env WES_MDNS=false)')
    .addOption(
      new Option('--dht-mode <mode>', 'kad-dht mode (env WES_DHT_MODE) (default: auto)').choices([
        'auto',
        'client',
        'server',
      ]),
    )
    .option(
      '--dht-protocol <protocol>',
      'kad-dht protocol id (env WES_DHT_PROTOCOL) (default: /wes/kad/1.0.0)',
    )
    .option('--no-autonat', 'do not run AutoNAT (env WES_AUTONAT=false)')
    .option('--no-relay', 'do not use circuit relay v2 (env WES_RELAY=false)')
    .option('--relay-server', 'serve as a circuit relay for other peers (env WES_RELAY_SERVER)')
    .option(
      '--diagnostics-addr <host:port>',
      'diagnostics HTTP address (env WES_DIAGNOSTICS_ADDR) (default: 127.0.0.1:28686)',
    )
    .option(
      '--diagnostics-token-file <file>',
      'require this bearer token on every diagnostics route (env WES_DIAGNOSTICS_TOKEN_FILE, or the token itself in WES_DIAGNOSTICS_TOKEN)',
    )
    .option(
      '--no-diagnostics',
      'do not serve /metrics and /debug/p2p/* (env WES_DIAGNOSTICS=false)',
    )
    .addOption(
      new Option('--log-level <level>', 'log level (env WES_LOG_LEVEL) (default: info)').choices([
        'silent',
        'error',
        'warn',
        'info',
        'debug',
        'trace',
      ]),
    )
    .option(
      '--max-connections <n>',
      'connection limit (env WES_MAX_CONNECTIONS) (default: 300)',
      integer,
    )
    .option(
      '--min-peers <n>',
      'retry bootstrap while fewer peers are connected (env WES_MIN_PEERS) (default: 3)',
      integer,
    )
    .action(async (flags: StartFlags, command: Command) => {
      // libp2p and its ~800 modules load only when a node is really started, not for --help,
      // --version or diag.
      const [{ resolveStartOptions }, { startHandler }] = await Promise.all([
        import('./options.js'),
        import('./handler.js'),
      ])
      const options = await resolveStartOptions({
        flags,
        flagSource: (flag) => command.getOptionValueSource(flag) as ValueSource,
        env: context.env,
      })
      await startHandler(options, {
        stdout: context.stdout,
        stderr: context.stderr,
        signal: context.signal,
        env: context.env,
      })
    })
}
