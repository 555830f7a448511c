/**
 * What the discovery service reports: one {@link DiscoveryDialEvent} per dial of any mechanism,
 * and, derived from the same steps, the per-mechanism events and callbacks the spec's metrics
 * are fed from (bootstrap attempts and successes, mDNS finds and dials).
 */

import type { DiscoveryDialEvent } from './mechanism.js'

/**
 * Discovery events the diagnostics count. Member names match `DiscoveryCallbacks` of
 * `@wes/diagnostics`; every member is optional.
 */
export interface DiscoveryCallbacks {
  /** Every dial any mechanism caused, once it ended. */
  onDial?(event: DiscoveryDialEvent): void
  /** A dial of a configured bootstrap peer begins. */
  onBootstrapAttempt?(peerId: string): void
  /** That dial produced a connection. */
  onBootstrapSuccess?(peerId: string): void
  /** That dial failed. */
  onBootstrapFailure?(peerId: string, error: Error): void
  /**
   * mDNS found a peer (never self): it answered while neither connected nor heard from within
   * its record's TTL.
   */
  onMdnsPeerFound?(peerId: string): void
  /** A peer answered mDNS (never self): every answer, a find or not. */
  onMdnsResponse?(peerId: string): void
  /** A dial to an mDNS-found peer connected. */
  onMdnsConnectSuccess?(peerId: string): void
  /** A dial to an mDNS-found peer failed. */
  onMdnsConnectFail?(peerId: string, error: Error): void
}

/** Detail of every per-mechanism event. `error` is set on failures. */
export interface DiscoveryEventDetail {
  peerId: string
  error?: Error
}

/** The typed events of the discovery service. */
export interface DiscoveryEvents {
  /** Every dial any mechanism caused, once it ended. */
  'discovery:dial': CustomEvent<DiscoveryDialEvent>
  'bootstrap:attempt': CustomEvent<DiscoveryEventDetail>
  'bootstrap:success': CustomEvent<DiscoveryEventDetail>
  'bootstrap:failure': CustomEvent<DiscoveryEventDetail>
  'mdns:peer': CustomEvent<DiscoveryEventDetail>
  'mdns:response': CustomEvent<DiscoveryEventDetail>
  'mdns:connect': CustomEvent<DiscoveryEventDetail>
  'mdns:failure': CustomEvent<DiscoveryEventDetail>
}

/** Running counts since the service was created. */
export interface DiscoveryStats {
  bootstrapAttempts: number
  bootstrapSuccesses: number
  bootstrapFailures: number
  mdnsPeersFound: number
  mdnsResponses: number
  mdnsConnectSuccesses: number
  mdnsConnectFailures: number
  /** Ended dials per mechanism name. */
  dials: Record<string, Record<DiscoveryDialEvent['outcome'], number>>
}

/**
 * A step of a mechanism: an answer of a peer, a find, the start of a dial, or how the dial
 * ended.
 */
export type DiscoveryStep = 'answer' | 'found' | 'attempt' | DiscoveryDialEvent['outcome']

type MechanismEventType = Exclude<keyof DiscoveryEvents, 'discovery:dial'>
type MechanismCallback = Exclude<keyof DiscoveryCallbacks, 'onDial'>
type MechanismStat = Exclude<keyof DiscoveryStats, 'dials'>

/** One per-mechanism event: its type, its callback and its running count. */
export interface MechanismEvent {
  type: MechanismEventType
  callback: MechanismCallback
  stat: MechanismStat
}

/**
 * The per-mechanism events, by mechanism name and step. Mechanisms that are not listed (the DHT,
 * and any new one) report their dials through `discovery:dial` / `onDial` only.
 */
export const MECHANISM_EVENTS: Readonly<
  Record<string, Partial<Record<DiscoveryStep, MechanismEvent>> | undefined>
> = {
  bootstrap: {
    attempt: {
      type: 'bootstrap:attempt',
      callback: 'onBootstrapAttempt',
      stat: 'bootstrapAttempts',
    },
    success: {
      type: 'bootstrap:success',
      callback: 'onBootstrapSuccess',
      stat: 'bootstrapSuccesses',
    },
    failure: {
      type: 'bootstrap:failure',
      callback: 'onBootstrapFailure',
      stat: 'bootstrapFailures',
    },
  },
  mdns: {
    answer: { type: 'mdns:response', callback: 'onMdnsResponse', stat: 'mdnsResponses' },
    found: { type: 'mdns:peer', callback: 'onMdnsPeerFound', stat: 'mdnsPeersFound' },
    success: {
      type: 'mdns:connect',
      callback: 'onMdnsConnectSuccess',
      stat: 'mdnsConnectSuccesses',
    },
    failure: { type: 'mdns:failure', callback: 'onMdnsConnectFail', stat: 'mdnsConnectFailures' },
  },
}
