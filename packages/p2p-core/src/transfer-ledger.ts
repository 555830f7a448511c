/**
 * The bytes behind libp2p's `libp2p_data_transfer_bytes_total`, counted by the node itself.
 *
 * `@libp2p/prometheus-metrics` counts that metric by wrapping every connection's and stream's
 * `send` and `dispatchEvent` and, for every chunk, building a key string (`"<protocol> sent"`)
 * and updating a Map with it: about 1% of a saturated stream's CPU in a profile (B1), and more
 * garbage. The node already taps every connection and stream for its own meters, so it keeps
 * libp2p's totals beside them with one addition per chunk to a record found once per stream,
 * and `@wes/p2p-core`'s metrics component no longer hands connections and streams to libp2p's
 * metrics (see `P2PNodeComponents.countTransfers`). The keys and meanings are libp2p's:
 * `global` for the bytes of every raw connection (relayed ones included), and each negotiated
 * protocol for its streams' payload.
 */

/** libp2p's key of the bytes of every raw connection. */
export const GLOBAL_TRANSFERS = 'global'
/**
 * Protocols named at most; beyond, streams count under `other`. A node negotiates only the
 * protocols it serves and the ones it opens, so this bound is never reached in practice; it keeps
 * a bug elsewhere from growing the metric without end.
 */
export const MAX_TRANSFER_PROTOCOLS = 256
/** The key of the streams beyond {@link MAX_TRANSFER_PROTOCOLS}. */
export const OTHER_TRANSFERS = 'other'

/** Bytes one way and the other; `sent` and `received` as libp2p's keys say. */
export interface TransferCount {
  sent: number
  received: number
}

export class TransferLedger {
  /** Every raw connection's bytes (after encryption and muxing). */
  readonly global: TransferCount = { sent: 0, received: 0 }
  private readonly protocols = new Map<string, TransferCount>()

  /** The record of `protocol`'s streams; look it up once per stream, add to it per chunk. */
  of(protocol: string): TransferCount {
    let count = this.protocols.get(protocol)
    if (count === undefined) {
      const name =
        protocol === GLOBAL_TRANSFERS || this.protocols.size >= MAX_TRANSFER_PROTOCOLS
          ? OTHER_TRANSFERS
          : protocol
      count = this.protocols.get(name)
      if (count === undefined) {
        count = { sent: 0, received: 0 }
        this.protocols.set(name, count)
      }
    }
    return count
  }

  /**
   * Totals since the node was created, keyed as libp2p keys them: `global sent`,
   * `global received`, `<protocol> sent`, `<protocol> received`.
   */
  totals(): Record<string, number> {
    const out: Record<string, number> = {}
    const put = (name: string, count: TransferCount): void => {
      out[`${name} sent`] = count.sent
      out[`${name} received`] = count.received
    }
    put(GLOBAL_TRANSFERS, this.global)
    for (const [name, count] of this.protocols) put(name, count)
    return out
  }
}
