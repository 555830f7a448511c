/**
 * The page's sections, each a function of the body it shows: health with its reasons, bytes by
 * protocol, the discovery funnel, the routing table and the node's addresses.
 */
import type {
  HealthResponse,
  RoutingResponse,
  RoutingVerbose,
  StatsResponse,
} from '../views/index.js'
import { byId, cell, el, fillRows, setText } from './dom.js'
import { ago, formatBytes, formatRate, plural } from './format.js'

/** The status badge, the tab's title, and one item per reason with its hint. */
export function renderHealth(health: HealthResponse): void {
  const badge = byId('health-status')
  setText(badge, health.status)
  badge.className = `badge badge-${health.status}`
  document.title = `${health.status} · wes-node status`
  setText(byId('host-id'), health.host_id)
  setText(byId('reachability'), health.reachability)
  const list = byId<HTMLUListElement>('reasons')
  if (health.reasons.length === 0) {
    list.replaceChildren(el('li', { className: 'reason reason-none', text: 'No problems found.' }))
    return
  }
  list.replaceChildren(
    ...health.reasons.map((reason) =>
      el('li', { className: `reason reason-${reason.severity}` }, [
        el('div', {}, [
          el('span', { className: `tag tag-${reason.severity}`, text: reason.severity }),
          ' ',
          el('code', { text: reason.code }),
          ' ',
          el('span', { text: reason.message }),
        ]),
        el('div', { className: 'hint', text: reason.hint }),
      ]),
    ),
  )
}

/** The counters at the top and the bytes of each protocol, the busiest first. */
export function renderStats(stats: StatsResponse): void {
  setText(byId('peer-count'), String(stats.peers))
  setText(byId('conn-count'), String(stats.connections))
  setText(byId('rate-in'), formatRate(stats.bandwidth.in_rate_bps))
  setText(byId('rate-out'), formatRate(stats.bandwidth.out_rate_bps))
  const protocols = Object.entries(stats.protocols ?? {}).sort(
    ([, a], [, b]) => b.in_total_bytes + b.out_total_bytes - (a.in_total_bytes + a.out_total_bytes),
  )
  const rows = protocols.map(([protocol, bytes]) =>
    el('tr', {}, [
      cell(el('code', { text: protocol })),
      cell(formatRate(bytes.in_rate_bps), true),
      cell(formatRate(bytes.out_rate_bps), true),
      cell(formatBytes(bytes.in_total_bytes), true),
      cell(formatBytes(bytes.out_total_bytes), true),
    ]),
  )
  const table = byId<HTMLTableElement>('protocols')
  fillRows(
    table.tBodies[0] as HTMLTableSectionElement,
    rows,
    5,
    'this node does not count bytes by protocol',
  )
}

const MECHANISMS = ['bootstrap', 'mdns', 'dht'] as const

/** A horizontal bar of `fraction` (0 to 1), sized through the CSSOM (the CSP allows it). */
function bar(fraction: number, label: string): HTMLElement {
  const fill = el('span', { className: 'bar-fill' })
  fill.style.width = `${Math.round(Math.min(1, Math.max(0, fraction)) * 100)}%`
  return el('span', { className: 'bar-wrap' }, [
    el('span', { className: 'bar' }, [fill]),
    el('span', { text: label }),
  ])
}

/**
 * Dials each discovery mechanism caused and how many connected: the stats view's
 * `discovery.dials` (`p2p_discovery_dials_total`). No rows from a node without them (an older one).
 */
export function renderFunnel(stats: StatsResponse): void {
  const dials = stats.discovery?.dials
  const rows = MECHANISMS.flatMap((mechanism) => {
    const counts = dials?.[mechanism]
    if (counts === undefined) return []
    const success = finiteCount(counts.connected)
    const failure = finiteCount(counts.failed)
    const total = success + failure
    return [
      el('tr', {}, [
        cell(mechanism),
        cell(String(total), true),
        cell(String(success), true),
        cell(String(failure), true),
        cell(total === 0 ? '-' : bar(success / total, `${Math.round((100 * success) / total)}%`)),
      ]),
    ]
  })
  const table = byId<HTMLTableElement>('funnel')
  fillRows(table.tBodies[0] as HTMLTableSectionElement, rows, 5, 'no discovery counts')
}

/** A count as the node sent it, 0 for anything but a finite number. */
function finiteCount(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0
}

/** What feeds the funnel: the configured bootstrap peers and mDNS answers. */
export function renderDiscoverySources(health: HealthResponse): void {
  const bootstrap = health.bootstrap_peers
  const connected = bootstrap.filter((peer) => peer.connected).length
  const mdns = health.mdns.enabled
    ? `mDNS on, ${plural(health.mdns.responses, 'answer')} from other hosts`
    : 'mDNS off'
  setText(
    byId('funnel-notes'),
    `${plural(bootstrap.length, 'bootstrap peer')} configured, ${connected} connected · ${mdns}`,
  )
}

/** The table's size and mode, then each k-bucket's fill. */
export function renderRouting(routing: RoutingResponse & RoutingVerbose): void {
  setText(byId('routing-size'), String(routing.routing_table_size))
  setText(
    byId('routing-summary'),
    `${plural(routing.routing_table_size, 'peer')} · mode ${routing.mode} ` +
      `(now ${routing.current_mode}) · ${plural(routing.num_bootstrap_peers, 'bootstrap peer')} · ` +
      plural(routing.total, 'bucket'),
  )
  const now = Date.now()
  const rows = routing.buckets.map((bucket) =>
    el('tr', {}, [
      cell(el('code', { text: bucket.prefix === '' ? '(all)' : bucket.prefix })),
      cell(
        bucket.contains_self
          ? `≥${bucket.common_prefix_length} (self)`
          : String(bucket.common_prefix_length),
        true,
      ),
      cell(
        bar(
          bucket.capacity === 0 ? 0 : bucket.peers / bucket.capacity,
          `${bucket.peers}/${bucket.capacity}`,
        ),
      ),
      cell(ago(bucket.last_ping_at, now)),
    ]),
  )
  const table = byId<HTMLTableElement>('buckets')
  fillRows(table.tBodies[0] as HTMLTableSectionElement, rows, 4, 'the routing table is empty')
}

/** Each of the node's addresses and whether it is known reachable. */
export function renderAddresses(health: HealthResponse): void {
  const now = Date.now()
  const rows = health.addresses.map((address) => {
    const [text, kind] =
      address.reachable === null
        ? ['unchecked', 'unknown']
        : address.reachable
          ? ['reachable', 'ok']
          : ['not reachable', 'down']
    return el('tr', {}, [
      cell(el('code', { text: address.multiaddr })),
      cell(address.scope),
      cell(address.type),
      cell(el('span', { className: `tag tag-${kind}`, text })),
      cell(ago(address.verified_at, now)),
    ])
  })
  const table = byId<HTMLTableElement>('addresses')
  fillRows(table.tBodies[0] as HTMLTableSectionElement, rows, 5, 'the node announces no address')
}
