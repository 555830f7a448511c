import { printable } from '../views/render.js'
import type { Control } from './control.js'
import { elapsedMs } from './control.js'
import { multiaddrProblem, objectWithKeys } from './input.js'

/** Body of `POST /control/p2p/connect`. */
export interface ConnectRequest {
  /** The address to dial; with `/p2p/<peer id>` the node checks it reaches that peer. */
  multiaddr: string
}

/** Answer of `POST /control/p2p/connect`. */
export interface ConnectResponse {
  peer_id: string
  /** The address of the connection. */
  remote_addr: string
  /** `inbound` when the node was already connected by the peer's dial. */
  direction: 'inbound' | 'outbound'
  /** How long the connect took, ms. */
  ms: number
}

export const connect: Control<ConnectRequest, ConnectResponse> = {
  path: '/control/p2p/connect',
  description: 'connect to a multiaddr (as `ipfs swarm connect`)',
  requestKeys: ['multiaddr'],
  timeoutMs: 10_000,
  required: { peer_id: 'string', remote_addr: 'string', direction: 'string', ms: 'number' },

  parse(body) {
    const fields = objectWithKeys(body, ['multiaddr'], ['multiaddr'])
    if (!fields.ok) return fields
    const problem = multiaddrProblem(fields.value.multiaddr)
    if (problem !== undefined) return { ok: false, message: problem }
    return { ok: true, value: { multiaddr: fields.value.multiaddr as string } }
  },

  async run(source, request, options) {
    const start = performance.now()
    const result = await source.connect(request.multiaddr, options)
    if (result === undefined) return undefined
    return {
      peer_id: result.peerId,
      remote_addr: result.remoteAddr,
      direction: result.direction,
      ms: elapsedMs(start),
    }
  },

  render(body) {
    return [
      `connected to ${printable(body.peer_id, 128)} in ${body.ms} ms`,
      `  ${printable(body.remote_addr, 1_024)} (${printable(body.direction)})`,
    ].join('\n')
  },
}
