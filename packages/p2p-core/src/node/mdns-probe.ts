/**
 * The mDNS probe: `@libp2p/mdns` reports socket problems only to its debug log, and its
 * `start()` never waits for the socket. {@link watchMdns} wraps `start` so a failure cannot stop
 * the node, and watches the socket to learn whether it bound and joined the multicast group, and
 * whether anyone else answers on it; {@link MdnsState} holds what it learnt, for the snapshot and
 * for `start()` to wait on, and the TTL of the answer being handled, for the discovery service to
 * tell a new peer from one that answers again.
 */

import { describeError } from '../logger.js'
import type { Logger } from '../logger.js'
import type { MdnsFacts } from '../snapshot.js'
import type { PeerDiscoveryEvents } from '@libp2p/interface'
import type { TypedEventTarget } from 'main-event'

/** How long `start()` waits for the mDNS socket to report whether multicast works. */
export const MDNS_READY_TIMEOUT_MS = 2_000

/** The service name libp2p peers answer under, unless the mDNS service says otherwise. */
const LIBP2P_SERVICE_TAG = '_p2p._udp.local'

/** A DNS record of a multicast-dns packet, as far as the probe reads it. */
interface MdnsRecord {
  type?: string
  name?: string
  /** Seconds. */
  ttl?: number
  data?: unknown
}

/** A multicast-dns response packet. */
export interface MdnsPacket {
  answers?: MdnsRecord[]
  additionals?: MdnsRecord[]
}

/** The multicast-dns socket wrapper inside the mDNS service. */
interface MulticastSocket {
  on(event: 'ready' | 'networkInterface', listener: () => void): unknown
  on(event: 'error', listener: (err: Error) => void): unknown
  on(event: 'response', listener: (packet: MdnsPacket) => void): unknown
  /** Node's EventEmitter: the listener runs before those added earlier. */
  prependListener?(event: 'response', listener: (packet: MdnsPacket) => void): unknown
  removeListener(event: string, listener: (...args: never[]) => void): unknown
}

/** The mDNS service instance (`@libp2p/mdns` `MulticastDNS`). */
export interface MdnsHandle extends TypedEventTarget<PeerDiscoveryEvents> {
  mdns?: MulticastSocket
  /** The random name this node answers under (`<peerName>._p2p._udp.local`). */
  peerName?: string
  /** The service name peers answer under. */
  serviceTag?: string
  start(): Promise<void>
}

/** What we learn about mDNS while it runs. */
export class MdnsState {
  started = false
  bound = false
  joined = false
  failure?: string
  /** Responses from other hosts since start. */
  responses = 0
  /** Unix ms of the last of them. */
  lastResponseAt?: number
  /** The peer and record TTL of the libp2p answer the socket is handing out now, if any. */
  private answer?: MdnsAnswerRecord
  private waiters: Array<() => void> = []

  get available(): boolean {
    return this.started && this.bound && this.joined && this.failure == null
  }

  get settled(): boolean {
    return !this.started || this.failure != null || (this.bound && this.joined)
  }

  reset(): void {
    this.started = false
    this.bound = false
    this.joined = false
    this.failure = undefined
    this.responses = 0
    this.lastResponseAt = undefined
    this.answer = undefined
  }

  /** Counts a response another host sent. */
  heard(at = Date.now()): void {
    this.responses++
    this.lastResponseAt = at
  }

  /**
   * Notes the libp2p answer in a response, before the mDNS service turns it into a `peer` event
   * (the probe's listener runs first), so that {@link recordTtlMs} can tell that event's TTL.
   */
  noteResponse(packet: MdnsPacket, serviceTag = LIBP2P_SERVICE_TAG): void {
    this.answer = answerRecordOf(packet, serviceTag)
  }

  /**
   * The TTL in milliseconds of the record naming `peerId` in the response being handled, or
   * undefined when that response names another peer (or none).
   */
  recordTtlMs(peerId: string): number | undefined {
    return this.answer?.peerId === peerId ? this.answer.ttlMs : undefined
  }

  /** The probe's part of the snapshot; `enabled` is the node's `mdns` option. */
  facts(enabled: boolean): MdnsFacts {
    return {
      state: !enabled
        ? 'off'
        : this.failure != null
          ? 'failed'
          : this.available
            ? 'up'
            : 'starting',
      failure: enabled ? (this.failure ?? null) : null,
      responses: enabled ? this.responses : 0,
      lastResponseAt: enabled ? (this.lastResponseAt ?? null) : null,
    }
  }

  update(change: () => void): void {
    change()
    if (this.settled) {
      const waiters = this.waiters
      this.waiters = []
      waiters.forEach((resolve) => {
        resolve()
      })
    }
  }

  /** Resolves once mDNS is known to work or not, or after `timeoutMs`. */
  async waitSettled(timeoutMs: number): Promise<void> {
    if (this.settled) {
      return
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, timeoutMs)
      timer.unref()
      function done(): void {
        clearTimeout(timer)
        resolve()
      }
      this.waiters.push(done)
    })
  }
}

/** The peer a libp2p mDNS answer names, and the TTL of its record. */
export interface MdnsAnswerRecord {
  peerId: string
  ttlMs: number
}

/**
 * The peer and TTL of a libp2p answer, read as @libp2p/mdns reads it: the PTR record of the
 * service names the peer's record, and its TTL is the record's; the peer ID is the last
 * `/p2p/<id>` of the first `dnsaddr=` TXT string (answers, then additionals).
 */
export function answerRecordOf(
  packet: MdnsPacket,
  serviceTag = LIBP2P_SERVICE_TAG,
): MdnsAnswerRecord | undefined {
  const answers = packet.answers ?? []
  const ptr = answers.findLast((record) => record.type === 'PTR')
  if (ptr?.name !== serviceTag || typeof ptr.ttl !== 'number') return undefined
  const dnsaddr = [...answers, ...(packet.additionals ?? [])]
    .filter((record) => record.type === 'TXT')
    .flatMap((record) => (Array.isArray(record.data) ? record.data : [record.data]))
    .map(textOf)
    .find((text) => text.startsWith('dnsaddr='))
  if (dnsaddr?.includes('/p2p/') !== true) return undefined
  const peerId = dnsaddr.split('/p2p/').at(-1)?.split('/')[0] ?? ''
  if (peerId === '') return undefined
  return { peerId, ttlMs: ptr.ttl * 1000 }
}

/** The text of a TXT record's data: a string, bytes, or a list of either. */
function textOf(data: unknown): string {
  if (Array.isArray(data)) return data.map(textOf).join(' ')
  if (data instanceof Uint8Array) return Buffer.from(data).toString('utf8')
  return typeof data === 'string' ? data : ''
}

/**
 * Whether a response is this node's own: the socket loops multicast back, and the node answers
 * its own queries too. Its answers name the node's `peerName` or carry its `/p2p/<peer id>`.
 */
export function isOwnResponse(packet: MdnsPacket, selfId: string, peerName?: string): boolean {
  const records = [...(packet.answers ?? []), ...(packet.additionals ?? [])]
  return records.some(
    ({ type, data }) =>
      (type === 'PTR' &&
        peerName !== undefined &&
        typeof data === 'string' &&
        data.startsWith(`${peerName}.`)) ||
      (type === 'TXT' && textOf(data).includes(`/p2p/${selfId}`)),
  )
}

/** Wraps the service's `start` so that `state` follows its socket (see the file comment). */
export function watchMdns(
  service: MdnsHandle,
  state: MdnsState,
  log: Logger,
  selfId: string,
): void {
  const start = service.start.bind(service)
  service.start = async () => {
    state.reset()
    try {
      await start()
    } catch (err) {
      state.update(() => {
        state.failure = describeError(err)
      })
      log.warn('mDNS failed to start', { error: describeError(err) })
      return
    }
    const socket = service.mdns
    state.update(() => {
      state.started = true
      if (socket == null) {
        state.failure = 'no mDNS socket'
      }
    })
    // these fire from socket callbacks, after this microtask: attaching now misses nothing
    socket?.on('ready', () => {
      state.update(() => {
        state.bound = true
      })
    })
    socket?.on('networkInterface', () => {
      state.update(() => {
        state.joined = true
      })
    })
    socket?.on('error', (err: Error) => {
      state.update(() => {
        state.failure = describeError(err)
      })
    })
    // any answer from another host, for any service, shows that multicast reaches this one
    socket?.on('response', (packet: MdnsPacket) => {
      if (!isOwnResponse(packet, selfId, service.peerName)) state.heard()
    })
    // ahead of the service's own listener, which turns the answer into a `peer` event at once
    const noteResponse = (packet: MdnsPacket): void => {
      state.noteResponse(packet, service.serviceTag)
    }
    socket?.prependListener?.('response', noteResponse)
  }
}
