/**
 * Circuit relay as the node sees it: the reservations it makes on relays (the relay client's
 * reservation store announces each one made and lost) and, on a relay server, the reservations it
 * serves now (the relay service's public `reservations` map). The relay server announces neither
 * the reservations it grants (its `relay:reservation` event is declared but never sent in
 * @libp2p/circuit-relay-v2 4.2.13) nor those it refuses, so neither is counted here.
 */

import type { RelayFacts } from '../snapshot.js'

/** An event target, as libp2p's services and stores are. */
interface Events {
  addEventListener(type: string, listener: () => void): void
  removeEventListener(type: string, listener: () => void): void
}

/** The relay client's reservation store (an internal part of the relay transport). */
export type ReservationStoreEvents = Events & { reservationCount(): number }

/** The relay server service (`libp2p.services.relay`). */
export interface RelayServerEvents {
  reservations: { size: number }
}

export class RelayWatch {
  private created = 0
  private removed = 0
  private readonly onCreated = (): void => {
    this.created++
  }
  private readonly onRemoved = (): void => {
    this.removed++
  }

  constructor(
    private readonly client: ReservationStoreEvents | undefined,
    private readonly server: RelayServerEvents | undefined,
  ) {}

  watch(on: boolean): void {
    if (on) {
      this.created = 0
      this.removed = 0
    }
    const method = on ? 'addEventListener' : 'removeEventListener'
    this.client?.[method]('relay:created-reservation', this.onCreated)
    this.client?.[method]('relay:removed', this.onRemoved)
  }

  facts(relayedConnections: number): RelayFacts {
    return {
      relayedConnections,
      reservationsCreated: this.created,
      reservationsRemoved: this.removed,
      serverReservations: this.server === undefined ? null : this.server.reservations.size,
    }
  }
}
