import { printable } from '../views/render.js'
import type { Control } from './control.js'
import { elapsedMs } from './control.js'
import { objectWithKeys, peerIdProblem } from './input.js'

/** Body of `POST /control/dht/findpeer`. */
export interface FindPeerRequest {
  peer_id: string
}

/** Answer of `POST /control/dht/findpeer`. */
export interface FindPeerResponse {
  peer_id: string
  /** The peer's addresses, as the peer store or the DHT knows them (may be empty). */
  multiaddrs: string[]
  /** How long the search took, ms. */
  ms: number
}

export const findpeer: Control<FindPeerRequest, FindPeerResponse> = {
  path: '/control/dht/findpeer',
  description: "find a peer's addresses in the DHT (as `ipfs routing findpeer`)",
  requestKeys: ['peer_id'],
  timeoutMs: 30_000,
  required: { peer_id: 'string', multiaddrs: 'array', ms: 'number' },

  parse(body) {
    const fields = objectWithKeys(body, ['peer_id'], ['peer_id'])
    if (!fields.ok) return fields
    const problem = peerIdProblem(fields.value.peer_id)
    if (problem !== undefined) return { ok: false, message: problem }
    return { ok: true, value: { peer_id: fields.value.peer_id as string } }
  },

  async run(source, request, options) {
    const start = performance.now()
    const result = await source.findPeer(request.peer_id, options)
    if (result === undefined) return undefined
    return { peer_id: result.peerId, multiaddrs: [...result.multiaddrs], ms: elapsedMs(start) }
  },

  render(body) {
    const addrs = body.multiaddrs.map((addr) => `  ${printable(String(addr), 1_024)}`)
    return [
      `found ${printable(body.peer_id, 128)} in ${body.ms} ms`,
      ...(addrs.length === 0 ? ['  (no addresses)'] : addrs),
    ].join('\n')
  },
}
