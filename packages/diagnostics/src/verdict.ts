/**
 * The health verdict: from one snapshot, the node's thresholds and the time, whether the node is
 * `ok`, `degraded` or `down`, and why, as reasons with stable codes, each with a message that
 * names the cause and a hint that says what to do. A pure function: `/debug/p2p/health`,
 * `wes-node diag health` and the `p2p_health_*` metrics all read it.
 *
 * Each rule is one function of the same context; a rule that cannot be told from the snapshot
 * (the facts of an older source are missing) says nothing. Not judged, for want of a sound signal:
 * the clock (nothing libp2p does depends on it).
 *
 * Over 300 lines on purpose: one small rule per reason code, each beside its hint.
 */

import type {
  BootstrapPeerFacts,
  DiagnosticsSnapshot,
  DialErrorClass,
  HealthFacts,
  HealthThresholds,
  InboundRefusalFacts,
} from './source.js'

/** The node's health: `ok` with no reason but notes, `degraded`, or `down`. */
export type HealthStatus = 'ok' | 'degraded' | 'down'

/** The statuses, best first (the values of `p2p_health_status{status}`). */
export const HEALTH_STATUSES: readonly HealthStatus[] = ['ok', 'degraded', 'down']

/** What a reason does to the status: `down`, `degraded`, or nothing (`info`, a note). */
export type HealthSeverity = 'down' | 'degraded' | 'info'

/** Every reason code, in the order reasons of one severity are listed. */
export const HEALTH_REASON_CODES = [
  'no_peers',
  'below_min_peers',
  'bootstrap_unreachable',
  'inbound_refused',
  'not_reachable_no_relay',
  'reachable_via_relay',
  'behind_symmetric_nat',
  'hole_punch_failing',
  'mdns_unavailable',
  'mdns_no_responses',
  'routing_table_empty',
] as const

/** A stable snake_case reason code. */
export type HealthReasonCode = (typeof HEALTH_REASON_CODES)[number]

export interface HealthReason {
  code: HealthReasonCode
  severity: HealthSeverity
  /** What is wrong, with the numbers that show it. */
  message: string
  /** What to do about it. */
  hint: string
}

export interface HealthVerdict {
  status: HealthStatus
  /** Worst first, then in the order of {@link HEALTH_REASON_CODES}. */
  reasons: HealthReason[]
}

/** The thresholds a source without facts is judged by: `@wes/p2p-core`'s defaults. */
export const DEFAULT_HEALTH_THRESHOLDS: Readonly<HealthThresholds> = Object.freeze({
  minPeers: 3,
  bootstrapFailingMs: 60_000,
  mdnsSilentMs: 30_000,
  routingGraceMs: 60_000,
  readyMinPeers: 1,
})

/** Observed addresses of one IP on this many ports or more tell a symmetric NAT. */
export const SYMMETRIC_NAT_MIN_PORTS = 3

interface RuleContext {
  snapshot: DiagnosticsSnapshot
  facts: HealthFacts | undefined
  thresholds: HealthThresholds
  nowMs: number
  peers: number
}

type Rule = (context: RuleContext) => Omit<HealthReason, 'code'> | undefined

/** `60 s`, `1.5 s`, `500 ms`. */
function duration(ms: number): string {
  if (ms < 1_000) return `${ms} ms`
  const seconds = ms / 1_000
  return `${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)} s`
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`
}

/** Host and TCP (or UDP) port of a multiaddr such as `/ip4/10.0.0.5/tcp/4001/p2p/...`. */
export function hostPortOf(
  multiaddr: string,
): { host: string; port: string; protocol: string } | undefined {
  const match = /^\/(?:ip4|ip6|dns|dns4|dns6)\/([^/]+)\/(tcp|udp)\/(\d+)/.exec(multiaddr)
  if (match === null) return undefined
  return { host: match[1] as string, protocol: match[2] as string, port: match[3] as string }
}

const noPeers: Rule = ({ snapshot, peers }) => {
  if (peers > 0) return undefined
  const trying = [
    snapshot.routing.bootstrapPeers > 0 ? 'bootstrap peers, with backoff' : undefined,
    snapshot.health.mdns.enabled ? 'mDNS, every few seconds' : undefined,
  ].filter((way) => way !== undefined)
  return {
    severity: 'down',
    message: 'no connected peers',
    hint:
      trying.length === 0
        ? 'no bootstrap peer is configured and mDNS is off, so the node cannot find anyone: give it a bootstrap peer (--bootstrap /ip4/<host>/tcp/<port>/p2p/<peer id>) or, on a LAN, turn mDNS on'
        : `discovery keeps trying (${trying.join('; ')}); the other reasons, once their thresholds pass, name what fails`,
  }
}

const belowMinPeers: Rule = ({ peers, thresholds }) => {
  if (peers === 0 || peers >= thresholds.minPeers) return undefined
  return {
    severity: 'degraded',
    message: `${plural(peers, 'peer')} connected, fewer than the minimum of ${thresholds.minPeers} (discovery.minPeers)`,
    hint: 'add bootstrap peers (--bootstrap) or run more nodes; on a small network lower --min-peers to what it can offer',
  }
}

/** What to do about a bootstrap peer that fails with a class, in the words of its address. */
function bootstrapHint(errorClass: DialErrorClass, multiaddr: string): string {
  const target = hostPortOf(multiaddr)
  const where = target === undefined ? 'the bootstrap address' : `${target.host}:${target.port}`
  const probe = target === undefined ? '' : `: \`nc -vz ${target.host} ${target.port}\``
  switch (errorClass) {
    case 'refused':
      return `nothing accepts connections on ${where}: check that the bootstrap node runs and listens there, and that its port is open${probe}`
    case 'timeout':
      return `no answer from ${where} within the dial timeout: a firewall drops the packets or the host is down; check the firewalls on both sides${probe}`
    case 'no_route':
      return `this machine has no route to ${where}: check the address in --bootstrap, its DNS name and this host's network (\`ip route get ${target?.host ?? '<host>'}\`)`
    case 'handshake':
      return `${where} answers, but not as the libp2p peer of the multiaddr: check its /p2p/<peer id> (a new data directory gives a node a new one) and that a wes-node listens there`
    case 'denied':
      return "this node's connection gater refused the dial: check its deny lists"
    case 'aborted':
      return 'the dials were cancelled before they ended: check that the node is not stopping, and that discovery.dialTimeoutMs is not too short'
    case 'other':
      return "read the error, and the node's log at --log-level debug, which shows every dial"
  }
}

const bootstrapUnreachable: Rule = ({ facts, thresholds, nowMs }) => {
  const peers = facts?.bootstrap ?? []
  const failing = peers.filter(
    (peer): peer is BootstrapPeerFacts & { failingSince: number } =>
      !peer.connected &&
      peer.lastOutcome === 'failure' &&
      peer.failingSince !== null &&
      nowMs - peer.failingSince >= thresholds.bootstrapFailingMs,
  )
  const [first] = failing
  if (first === undefined || failing.length < peers.length) return undefined
  const classes = new Map<DialErrorClass, number>()
  for (const peer of failing) {
    const errorClass = peer.errorClass ?? 'other'
    classes.set(errorClass, (classes.get(errorClass) ?? 0) + 1)
  }
  // the class most peers fail with names the hint
  let mainClass: DialErrorClass = 'other'
  let most = 0
  for (const [errorClass, count] of classes) {
    if (count > most) [mainClass, most] = [errorClass, count]
  }
  const example = failing.find((peer) => (peer.errorClass ?? 'other') === mainClass) ?? first
  const over = `for over ${duration(thresholds.bootstrapFailingMs)}`
  const message =
    failing.length === 1
      ? `the bootstrap peer has failed to connect ${over}: ${mainClass} (${first.multiaddr}: ${first.error ?? 'no error text'})`
      : `all ${failing.length} bootstrap peers have failed to connect ${over}: ${[...classes]
          .map(([errorClass, count]) => `${errorClass} (${count})`)
          .join(', ')}`
  return {
    severity: 'degraded',
    message,
    hint: bootstrapHint(mainClass, example.multiaddr),
  }
}

/** The TCP port the node listens on, for "forward this port". */
function listenPort(snapshot: DiagnosticsSnapshot): string {
  for (const address of snapshot.listenAddrs) {
    const target = hostPortOf(address)
    if (target !== undefined) return `${target.protocol.toUpperCase()} port ${target.port}`
  }
  return 'the listen port'
}

/** How the node knows it is private: peers see it behind a NAT, or AutoNAT rejected it. */
function whyPrivate(facts: HealthFacts | undefined): string {
  const nat = facts?.nat
  if (nat?.behindNat === true && nat.externalIps.length > 0) {
    return `it is behind a NAT (${plural(nat.observedBy, 'peer')} see${nat.observedBy === 1 ? 's' : ''} it at ${nat.externalIps.join(', ')}, which none of its interfaces has) and no public address of it is verified`
  }
  return 'AutoNAT found none of its public addresses reachable from outside'
}

/** The relays the node holds a slot on, from its `/p2p/<relay>/p2p-circuit` addresses. */
function relaysOf(snapshot: DiagnosticsSnapshot): string[] {
  const relays: string[] = []
  for (const address of snapshot.listenAddrs) {
    const match = /\/p2p\/([^/]+)\/p2p-circuit/.exec(address)
    if (match?.[1] !== undefined && !relays.includes(match[1])) relays.push(match[1])
  }
  return relays
}

const notReachableNoRelay: Rule = ({ snapshot, facts }) => {
  const { reachability, relay } = snapshot.health
  if (reachability !== 'private' || relay.reservations > 0) return undefined
  const port = listenPort(snapshot)
  return {
    severity: 'degraded',
    message: `${whyPrivate(facts)}, and it holds no relay reservation: peers beyond its network cannot dial it`,
    hint: relay.enabled
      ? `forward ${port} on the router to this host (or open it in the firewall), or listen through a relay: add /p2p-circuit to --listen so the node reserves a slot on a peer run with --relay-server`
      : `forward ${port} on the router to this host (or open it in the firewall), or enable the relay client (drop --no-relay) and add /p2p-circuit to --listen`,
  }
}

const reachableViaRelay: Rule = ({ snapshot, facts }) => {
  const { reachability, relay } = snapshot.health
  if (reachability !== 'private' || relay.reservations === 0) return undefined
  const relays = relaysOf(snapshot)
  const through =
    relays.length === 0
      ? `${plural(relay.reservations, 'relay reservation')}`
      : `the relay${relays.length === 1 ? '' : 's'} ${relays.join(', ')}`
  return {
    severity: 'info',
    message: `${whyPrivate(facts)}: peers beyond its network reach it only through ${through} (its /p2p-circuit addresses)`,
    hint: `relayed connections are limited in time and data, and hole punching may upgrade them: for direct connections forward ${listenPort(snapshot)} on the router to this host`,
  }
}

const holePunchFailing: Rule = ({ facts }) => {
  const punch = facts?.holePunch
  const last = punch?.last
  if (punch === undefined || last === null || last === undefined || last.outcome !== 'failure') {
    return undefined
  }
  const why =
    last.cause === 'no_public_address'
      ? 'neither side had a public address to dial'
      : 'the direct dials did not get through'
  return {
    severity: 'info',
    message: `the last hole punch, with ${last.peerId}, failed: ${why} (${punch.failures} of ${punch.successes + punch.failures} failed since start); the connection stays relayed`,
    hint:
      last.cause === 'no_public_address'
        ? 'js-libp2p does not use the addresses peers observe for TCP (libp2p/js-libp2p#2620), so two nodes behind NATs have nothing to punch with: forward the listen port on one of the routers, or keep the relayed connection'
        : 'one of the NATs maps each connection to a new port (symmetric NAT) or a firewall drops the simultaneous dials: forward the listen port on one of the routers, or keep the relayed connection',
  }
}

/**
 * Observed addresses of one public IP on many ports: peers see each connection come from a new
 * port. Only transports whose dials leave from the listen port show this (QUIC, not TCP: libp2p's
 * identify drops observed TCP addresses, whose ports are the dials' ephemeral ones).
 */
const behindSymmetricNat: Rule = ({ facts }) => {
  const ports = new Map<string, Set<string>>()
  const confirmed = new Set<string>()
  for (const address of facts?.addresses ?? []) {
    const target = hostPortOf(address.multiaddr)
    if (address.type !== 'observed' || address.scope !== 'public' || target === undefined) continue
    const key = `${target.host} ${target.protocol}`
    if (address.reachable === true) confirmed.add(key)
    ports.set(key, (ports.get(key) ?? new Set()).add(target.port))
  }
  for (const [key, seen] of ports) {
    if (seen.size < SYMMETRIC_NAT_MIN_PORTS || confirmed.has(key)) continue
    const [ip, protocol = ''] = key.split(' ')
    return {
      severity: 'info',
      message: `peers see this node's IP ${ip} on ${seen.size} different ${protocol.toUpperCase()} ports: its NAT maps each connection to a new port (symmetric NAT), so hole punching cannot work`,
      hint: 'forward a port on the router to this host, or listen through a relay (add /p2p-circuit to --listen)',
    }
  }
  return undefined
}

const mdnsUnavailable: Rule = ({ snapshot, facts }) => {
  const { mdns } = snapshot.health
  if (!mdns.enabled || mdns.available) return undefined
  const failure = facts?.mdns.failure ?? 'it did not bind UDP port 5353 and join 224.0.0.251'
  return {
    severity: 'degraded',
    message: `mDNS is enabled but its multicast socket failed: ${failure}`,
    hint: 'check that UDP port 5353 can be bound (a responder may hold it exclusively) and that the interface has multicast (`ip maddr`), or turn mDNS off (--no-mdns) and use --bootstrap',
  }
}

const mdnsNoResponses: Rule = ({ snapshot, facts, thresholds, nowMs, peers }) => {
  const { mdns } = snapshot.health
  if (facts === undefined || !mdns.enabled || !mdns.available) return undefined
  const last = facts.mdns.lastResponseAt
  if (nowMs - (last ?? facts.startedAt) < thresholds.mdnsSilentMs) return undefined
  const over = `for over ${duration(thresholds.mdnsSilentMs)}`
  return {
    // with its peers found elsewhere, a silent LAN is worth knowing, not a fault
    severity: peers < Math.max(1, thresholds.minPeers) ? 'degraded' : 'info',
    message:
      last === null
        ? `no mDNS answer from any other host ${over} since the node started`
        : `no mDNS answer from any other host ${over} (the last at ${new Date(last).toISOString()})`,
    hint: 'if other nodes run on this LAN, the network drops multicast (IGMP snooping on the switch, client isolation on Wi-Fi, a firewall on UDP 5353): let 224.0.0.251:5353 through, or give the nodes --bootstrap peers; alone on the LAN, turn mDNS off (--no-mdns)',
  }
}

const routingTableEmpty: Rule = ({ snapshot, facts, thresholds, nowMs, peers }) => {
  if (facts === undefined || peers === 0 || snapshot.routing.routingTableSize > 0) return undefined
  if (nowMs - facts.startedAt < thresholds.routingGraceMs) return undefined
  return {
    severity: 'degraded',
    message: `the DHT routing table is still empty ${duration(thresholds.routingGraceMs)} after start, with ${plural(peers, 'peer')} connected: none of them serves this node's DHT`,
    hint: 'run at least one node with --dht-mode server (in auto mode a node serves the DHT only once AutoNAT confirms a public address, never on a LAN or loopback), with the same --dht-protocol on every node',
  }
}

/** Refusals older than this are history: `inbound_refused` names the reasons seen within it. */
export const INBOUND_REFUSED_WINDOW_MS = 10 * 60_000

/** What to do about inbound connections refused for a reason, with the limits in force. */
function inboundRefusedHint(reason: string, refused: InboundRefusalFacts): string | undefined {
  switch (reason) {
    case 'pending_limit':
      return `more peers were in their handshake at once than the pending-handshake limit allows (${refused.maxPending}): raise it on a node many peers dial at once, such as a bootstrap node, e.g. --max-inbound-pending ${Math.max(64, refused.maxPending * 4)}`
    case 'max_connections':
      return `the node was at its connection limit (${refused.maxConnections}): raise --max-connections if the host has room`
    case 'rate_limit':
      return "one host opened more than 5 connections within a second, libp2p's per-host limit: many peers behind one address (a NAT) or a peer redialling in a loop; --log-level trace shows libp2p's own line with the address"
    case 'denied':
      return "the node's deny list refused them"
    default:
      return undefined
  }
}

const inboundRefused: Rule = ({ facts, nowMs }) => {
  const refused = facts?.inboundRefused
  if (refused === undefined) return undefined
  const active = Object.entries(refused.reasons).filter(
    ([, seen]) =>
      seen.count > 0 && seen.lastAt !== null && nowMs - seen.lastAt < INBOUND_REFUSED_WINDOW_MS,
  )
  if (active.length === 0) return undefined
  const last = Math.max(...active.map(([, seen]) => seen.lastAt ?? 0))
  const capacity = active.some(
    ([reason]) => reason === 'pending_limit' || reason === 'max_connections',
  )
  return {
    // a full node turns peers away; the other reasons are the node's own policy at work
    severity: capacity ? 'degraded' : 'info',
    message: `libp2p refused inbound connections before their handshake: ${active
      .map(([reason, seen]) => `${reason} (${seen.count} since start)`)
      .join(', ')}, the last ${duration(Math.max(0, nowMs - last))} ago`,
    hint: active
      .map(([reason]) => inboundRefusedHint(reason, refused))
      .filter((hint) => hint !== undefined)
      .join('; '),
  }
}

const RULES: Readonly<Record<HealthReasonCode, Rule>> = {
  no_peers: noPeers,
  below_min_peers: belowMinPeers,
  bootstrap_unreachable: bootstrapUnreachable,
  inbound_refused: inboundRefused,
  not_reachable_no_relay: notReachableNoRelay,
  reachable_via_relay: reachableViaRelay,
  behind_symmetric_nat: behindSymmetricNat,
  hole_punch_failing: holePunchFailing,
  mdns_unavailable: mdnsUnavailable,
  mdns_no_responses: mdnsNoResponses,
  routing_table_empty: routingTableEmpty,
}

const SEVERITY_RANK: Readonly<Record<HealthSeverity, number>> = { down: 0, degraded: 1, info: 2 }

/**
 * The verdict on a node.
 *
 * @param snapshot one read of the node
 * @param thresholds usually `snapshot.facts.thresholds`, else {@link DEFAULT_HEALTH_THRESHOLDS}
 * @param nowMs the time of judgement, Unix ms
 *
 * @example
 * const { status, reasons } = healthVerdict(snapshot, snapshot.facts?.thresholds ?? DEFAULT_HEALTH_THRESHOLDS, Date.now())
 * // 'down', [{ code: 'no_peers', severity: 'down', message: 'no connected peers', hint: '...' }]
 */
export function healthVerdict(
  snapshot: DiagnosticsSnapshot,
  thresholds: HealthThresholds,
  nowMs: number,
): HealthVerdict {
  const context: RuleContext = {
    snapshot,
    facts: snapshot.facts,
    thresholds,
    nowMs,
    peers: snapshot.peerIds.length,
  }
  const reasons: HealthReason[] = []
  for (const code of HEALTH_REASON_CODES) {
    const found = RULES[code](context)
    if (found !== undefined) reasons.push({ code, ...found })
  }
  // stable: codes keep their table order within a severity
  reasons.sort((a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity])
  const worst = reasons[0]?.severity
  return { status: worst === 'down' || worst === 'degraded' ? worst : 'ok', reasons }
}

/** The verdict of a snapshot by its own thresholds (or the defaults), now. */
export function healthVerdictOf(
  snapshot: DiagnosticsSnapshot,
  nowMs: number = Date.now(),
): HealthVerdict {
  return healthVerdict(snapshot, snapshot.facts?.thresholds ?? DEFAULT_HEALTH_THRESHOLDS, nowMs)
}
