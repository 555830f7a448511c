import { printable } from '../views/render.js'
import type { Control } from './control.js'
import { objectWithKeys, peerIdProblem } from './input.js'

/** Body of `POST /control/p2p/disconnect`. */
export interface DisconnectRequest {
  peer_id: string
}

/** Answer of `POST /control/p2p/disconnect`. */
export interface DisconnectResponse {
  peer_id: string
  /** The connections to the peer that were closed; 0 when it was not connected. */
  closed_connections: number
}

export const disconnect: Control<DisconnectRequest, DisconnectResponse> = {
  path: '/control/p2p/disconnect',
  description: 'close every connection to a peer (as `ipfs swarm disconnect`)',
  requestKeys: ['peer_id'],
  timeoutMs: 10_000,
  required: { peer_id: 'string', closed_connections: 'number' },

  parse(body) {
    const fields = objectWithKeys(body, ['peer_id'], ['peer_id'])
    if (!fields.ok) return fields
    const problem = peerIdProblem(fields.value.peer_id)
    if (problem !== undefined) return { ok: false, message: problem }
    return { ok: true, value: { peer_id: fields.value.peer_id as string } }
  },

  async run(source, request, options) {
    const result = await source.disconnect(request.peer_id, options)
    if (result === undefined) return undefined
    return { peer_id: result.peerId, closed_connections: result.closedConnections }
  },

  render(body) {
    const peer = printable(body.peer_id, 128)
    const n = body.closed_connections
    return n === 0
      ? `not connected to ${peer}`
      : `disconnected from ${peer}: ${n} connection${n === 1 ? '' : 's'} closed`
  },
}
