import { Command, InvalidArgumentError } from 'commander'
import { DEFAULT_PING_COUNT, MAX_PING_COUNT } from '@wes/diagnostics/client'
import type { CliContext } from '../../context.js'
import { createControlCommand } from '../control/index.js'

/** `-n <count>`: digits only; the range is checked with the server's rule (exit 2 either way). */
function count(raw: string): number {
  if (!/^\d{1,6}$/.test(raw.trim())) {
    throw new InvalidArgumentError(`expected an integer from 1 to ${MAX_PING_COUNT}.`)
  }
  return Number(raw)
}

/**
 * `wes-node peer connect <multiaddr>`, `peer disconnect <peer-id>`, `peer ping <peer-id> [-n N]`:
 * what `ipfs swarm connect`, `ipfs swarm disconnect` and `ipfs ping` do, on a running node through
 * its diagnostics server (which has these controls only with a token).
 */
export function createPeerCommand(context: CliContext): Command {
  return new Command('peer')
    .description(
      'connect to, disconnect from or ping a peer on a running node (needs its diagnostics token; exit 1 when the operation fails or the node is unreachable)',
    )
    .addCommand(
      createControlCommand(context, 'connect', {
        name: 'connect',
        argument: '<multiaddr>',
        description: 'dial a multiaddr, e.g. /ip4/192.0.2.7/tcp/28680/p2p/12D3KooW...',
      }),
    )
    .addCommand(
      createControlCommand(context, 'disconnect', {
        name: 'disconnect',
        argument: '<peer-id>',
        description: 'close every connection to a peer',
      }),
    )
    .addCommand(
      createControlCommand(
        context,
        'ping',
        {
          name: 'ping',
          argument: '<peer-id>',
          description: 'ping a peer (dialling it if needed): each round trip, then a summary',
        },
        (command) =>
          command.option(
            '-n, --count <n>',
            `pings to send, 1 to ${MAX_PING_COUNT} (default: ${DEFAULT_PING_COUNT})`,
            count,
          ),
      ),
    )
}
