/**
 * The metrics of reachability, relays and hole punching: whether the node can be dialled, which
 * of its addresses are confirmed, the relays it depends on when it cannot, and whether hole
 * punching gets it direct connections. All read from the snapshot at scrape time; label values
 * come from fixed sets and every series exists from the start. Names and types are in
 * metric-table.ts.
 */

import { Counter, Gauge, Histogram } from 'prom-client'
import type { Registry } from 'prom-client'
import { createScrapeSnapshotReader, finiteOrZero } from './metrics.js'
import type { P2PMetricsComponents } from './metrics.js'
import { totalsFollower } from './network-metrics.js'
import type { DiagnosticsSnapshot, Reachability } from './source.js'

/** The `state` label values of `p2p_reachability`. */
export const REACHABILITY_STATES: readonly Reachability[] = ['public', 'private', 'unknown']

/** The `reachability` label values of `p2p_addresses`. */
export const ADDRESS_REACHABILITY = ['reachable', 'unreachable', 'unknown'] as const

/** The `event` label values of `p2p_relay_reservations_total`. */
export const RESERVATION_EVENTS = ['made', 'lost'] as const

/** The `outcome` label values of the hole-punch metrics. */
export const HOLE_PUNCH_OUTCOMES = ['success', 'failure'] as const

/** DCUtR tries for up to about 30 s: buckets from a LAN's round trip to the node's window. */
const HOLE_PUNCH_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60]

/** A count or a duration read from a snapshot: {@link finiteOrZero}, and never below 0. */
function count(value: number | null | undefined): number {
  return Math.max(0, finiteOrZero(value))
}

/**
 * Registers on `registry`:
 *
 * - `p2p_reachability{state}`: 1 for the node's reachability (public, private, unknown), 0 for
 *   the others.
 * - `p2p_addresses{reachability}`: the node's addresses confirmed reachable (private ones count,
 *   libp2p does not check them), rejected, or never checked.
 * - `p2p_relay_reservations`: reservations held on relays now; `p2p_relay_reservations_total{event}`
 *   made and lost; `p2p_relayed_connections`: open connections through a relay.
 * - `p2p_relay_server_reservations`: reservations served as a relay now (0 unless
 *   `--relay-server`; the relay announces no grant or refusal, so neither is counted).
 * - `p2p_holepunch_total{outcome}` and `p2p_holepunch_duration_seconds{outcome}`: hole punches of
 *   relayed connections, judged by whether a direct connection came.
 *
 * @example
 * ```ts
 * createNatMetrics(registry, { source })
 * // alert: p2p_reachability{state="private"} == 1 and p2p_relay_reservations == 0
 * ```
 */
export function createNatMetrics(registry: Registry, components: P2PMetricsComponents) {
  const readSnapshot = createScrapeSnapshotReader(components.source)

  const reachability = new Gauge({
    name: 'p2p_reachability',
    help: 'The node reachability: 1 for the current state (public: a public address is confirmed; private: peers see it behind a NAT or AutoNAT rejected it, none confirmed; unknown), 0 for the others.',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      const state = readSnapshot()?.health.reachability ?? 'unknown'
      for (const each of REACHABILITY_STATES) this.set({ state: each }, each === state ? 1 : 0)
    },
  })

  const addresses = new Gauge({
    name: 'p2p_addresses',
    help: 'The node addresses by what is known of their reachability: reachable (confirmed, and private ones, which are not checked), unreachable (rejected by AutoNAT), unknown (never checked).',
    labelNames: ['reachability'] as const,
    registers: [registry],
    collect() {
      const counts = { reachable: 0, unreachable: 0, unknown: 0 }
      for (const address of readSnapshot()?.facts?.addresses ?? []) {
        counts[
          address.reachable === true
            ? 'reachable'
            : address.reachable === false
              ? 'unreachable'
              : 'unknown'
        ]++
      }
      for (const each of ADDRESS_REACHABILITY) this.set({ reachability: each }, counts[each])
    },
  })

  const reservations = new Gauge({
    name: 'p2p_relay_reservations',
    help: 'Relay reservations the node holds now (it is reachable through those relays).',
    registers: [registry],
    collect() {
      this.set(count(readSnapshot()?.health.relay.reservations))
    },
  })

  const reservationEvents: Counter<'event'> = new Counter({
    name: 'p2p_relay_reservations_total',
    help: 'Relay reservations made on relays, and lost (the relay went away or the reservation ended).',
    labelNames: ['event'] as const,
    registers: [registry],
    collect() {
      const snapshot = readSnapshot()
      const relay = snapshot?.facts?.relay
      if (snapshot === undefined || relay === undefined) return
      followReservations(snapshot, [
        [{ event: 'made' }, relay.reservationsCreated],
        [{ event: 'lost' }, relay.reservationsRemoved],
      ])
    },
  })
  const followReservations = totalsFollower(reservationEvents)

  const relayed = new Gauge({
    name: 'p2p_relayed_connections',
    help: 'Open connections through a circuit relay (limited in time and data by the relay).',
    registers: [registry],
    collect() {
      this.set(count(readSnapshot()?.facts?.relay?.relayedConnections))
    },
  })

  const served = new Gauge({
    name: 'p2p_relay_server_reservations',
    help: 'Reservations the node serves as a relay now (0 unless it runs with --relay-server).',
    registers: [registry],
    collect() {
      this.set(count(readSnapshot()?.facts?.relay?.serverReservations))
    },
  })

  const holePunches: Counter<'outcome'> = new Counter({
    name: 'p2p_holepunch_total',
    help: 'Hole punches (DCUtR) of relayed connections by outcome: success when a direct connection to the peer came within 30 s, failure otherwise.',
    labelNames: ['outcome'] as const,
    registers: [registry],
    collect() {
      const snapshot = readSnapshot()
      const punch = snapshot?.facts?.holePunch
      if (snapshot === undefined || punch === undefined) return
      followHolePunches(snapshot, [
        [{ outcome: 'success' }, punch.successes],
        [{ outcome: 'failure' }, punch.failures],
      ])
      observeDurations(snapshot)
    },
  })
  const followHolePunches = totalsFollower(holePunches)

  const holePunchDuration = new Histogram({
    name: 'p2p_holepunch_duration_seconds',
    help: 'How long each hole punch took, from the peers identifying each other over the relay to the direct connection (success) or to the end of the 30 s window (failure).',
    labelNames: ['outcome'] as const,
    buckets: HOLE_PUNCH_BUCKETS,
    registers: [registry],
  })

  // each result observed once: the node numbers them, and a new run starts again at 1
  let run: number | undefined
  let seen = 0
  function observeDurations(snapshot: DiagnosticsSnapshot): void {
    const punch = snapshot.facts?.holePunch
    if (punch === undefined) return
    if (snapshot.facts?.startedAt !== run) {
      run = snapshot.facts?.startedAt
      seen = 0
    }
    for (const result of punch.recent) {
      if (result.seq <= seen) continue
      seen = result.seq
      holePunchDuration.observe({ outcome: result.outcome }, count(result.durationMs) / 1_000)
    }
  }

  for (const event of RESERVATION_EVENTS) reservationEvents.inc({ event }, 0)
  for (const outcome of HOLE_PUNCH_OUTCOMES) {
    holePunches.inc({ outcome }, 0)
    holePunchDuration.zero({ outcome })
  }

  return {
    reachability,
    addresses,
    reservations,
    reservationEvents,
    relayed,
    served,
    holePunches,
    holePunchDuration,
  }
}

export type NatMetrics = ReturnType<typeof createNatMetrics>
