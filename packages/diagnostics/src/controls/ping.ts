import { printable } from '../views/render.js'
import type { Control } from './control.js'
import { elapsedMs } from './control.js'
import { DEFAULT_PING_COUNT, countProblem, objectWithKeys, peerIdProblem } from './input.js'

/** Body of `POST /control/p2p/ping`. */
export interface PingRequest {
  peer_id: string
  /** 1 to 100. @default 10 */
  count?: number
}

/** Answer of `POST /control/p2p/ping`. */
export interface PingResponse {
  peer_id: string
  /** Pings sent: `count`, fewer when a dial failed or the time ran out. */
  sent: number
  /** Pings answered. */
  received: number
  /** Round trip of each ping sent, in order, ms; `null` for one that failed. */
  rtts_ms: Array<number | null>
  min_ms: number
  avg_ms: number
  max_ms: number
  /** How long all pings took, ms. */
  ms: number
}

/** A failure after which pinging again would only dial again. */
function isDialFailure(err: unknown): boolean {
  const { name, code } = (err ?? {}) as { name?: unknown; code?: unknown }
  return name === 'ControlError' && code === 'ERR_DIAL_FAILED'
}

export const ping: Control<PingRequest, PingResponse> = {
  path: '/control/p2p/ping',
  description: 'ping a peer, one ping after another (as `ipfs ping`)',
  requestKeys: ['peer_id', 'count'],
  timeoutMs: 30_000,
  required: {
    peer_id: 'string',
    sent: 'number',
    received: 'number',
    rtts_ms: 'array',
    min_ms: 'number',
    avg_ms: 'number',
    max_ms: 'number',
  },

  parse(body) {
    const fields = objectWithKeys(body, ['peer_id', 'count'], ['peer_id'])
    if (!fields.ok) return fields
    const { peer_id: peerId, count } = fields.value
    const problem = peerIdProblem(peerId) ?? (count === undefined ? undefined : countProblem(count))
    if (problem !== undefined) return { ok: false, message: problem }
    return {
      ok: true,
      value: {
        peer_id: peerId as string,
        ...(count !== undefined ? { count: count as number } : {}),
      },
    }
  },

  /**
   * Pings `count` times, each after the last answered. A failed ping counts as lost; one whose dial
   * failed ends the run. Rejects with the last failure when no ping was answered.
   */
  async run(source, request, options) {
    const start = performance.now()
    const count = request.count ?? DEFAULT_PING_COUNT
    const rtts: Array<number | null> = []
    let failure: unknown
    for (let i = 0; i < count && !options.signal.aborted; i++) {
      try {
        const rtt = await source.ping(request.peer_id, options)
        if (rtt === undefined) return undefined
        rtts.push(rtt)
      } catch (err) {
        if (options.signal.aborted) break
        rtts.push(null)
        failure = err
        if (isDialFailure(err)) break
      }
    }
    const received = rtts.filter((rtt): rtt is number => rtt !== null)
    if (received.length === 0) throw failure ?? options.signal.reason
    const sum = received.reduce((a, b) => a + b, 0)
    return {
      peer_id: request.peer_id,
      sent: rtts.length,
      received: received.length,
      rtts_ms: rtts,
      min_ms: Math.min(...received),
      avg_ms: Math.round((sum / received.length) * 1_000) / 1_000,
      max_ms: Math.max(...received),
      ms: elapsedMs(start),
    }
  },

  /** As ping(8): one line per ping, then the statistics. */
  render(body) {
    const peer = printable(body.peer_id, 128)
    const lines = body.rtts_ms.map((rtt, i) =>
      rtt === null ? `seq=${i + 1} lost` : `seq=${i + 1} time=${rtt} ms`,
    )
    const loss = body.sent === 0 ? 0 : Math.round((1 - body.received / body.sent) * 100)
    return [
      `PING ${peer}`,
      ...lines,
      '',
      `--- ${peer} ping statistics ---`,
      `${body.sent} sent, ${body.received} received, ${loss}% loss, time ${Math.round(body.ms)} ms`,
      `rtt min/avg/max = ${body.min_ms}/${body.avg_ms}/${body.max_ms} ms`,
    ].join('\n')
  },
}
