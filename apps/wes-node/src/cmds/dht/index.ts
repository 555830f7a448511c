import { Command } from 'commander'
import type { CliContext } from '../../context.js'
import { createControlCommand } from '../control/index.js'

/**
 * `wes-node dht findpeer <peer-id>`: what `ipfs routing findpeer` does, on a running node through
 * its diagnostics server (which has this control only with a token).
 */
export function createDhtCommand(context: CliContext): Command {
  return new Command('dht')
    .description("ask a running node's DHT (needs its diagnostics token)")
    .addCommand(
      createControlCommand(context, 'findpeer', {
        name: 'findpeer',
        argument: '<peer-id>',
        description: "a peer's addresses, from the node's peer store or a DHT query",
      }),
    )
}
