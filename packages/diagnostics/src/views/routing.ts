import type { BucketDetails } from '../details.js'
import type { DhtMode } from '../source.js'
import { formatAge, pageLine, renderColumns, renderRows } from './render.js'
import { finite, iso } from './view.js'
import type { VerboseCapableView } from './view.js'

/** Body of `GET /debug/p2p/routing`. */
export interface RoutingResponse {
  routing_table_size: number
  mode: DhtMode
  num_bootstrap_peers: number
  current_mode: 'client' | 'server'
}

/** One k-bucket in `buckets`. */
export interface RoutingBucket {
  /** The bucket's kad-id prefix as bits (`""` while the table is one bucket). */
  prefix: string
  /** Bits in the prefix. */
  depth: number
  /** Leading bits its peers share with the node's own kad id (the least, for the node's own bucket). */
  common_prefix_length: number
  /** The bucket covers the node's own kad id. */
  contains_self: boolean
  /** Peers in it. */
  peers: number
  /** The most peers it holds (k). */
  capacity: number
  /** ISO time of the latest successful ping of one of its peers; null when none was pinged. */
  last_ping_at: string | null
  /** ISO time of its last refresh; null when the node cannot tell (kad-dht keeps it private). */
  last_refresh_at: string | null
}

/** What `?verbose=1` adds to the routing body: one page of k-buckets, in prefix order. */
export interface RoutingVerbose {
  total: number
  limit: number
  offset: number
  buckets: RoutingBucket[]
}

function routingBucket(bucket: BucketDetails): RoutingBucket {
  return {
    prefix: bucket.prefix,
    depth: finite(bucket.depth),
    common_prefix_length: finite(bucket.commonPrefixLength),
    contains_self: bucket.containsSelf,
    peers: finite(bucket.peers),
    capacity: finite(bucket.capacity),
    last_ping_at: iso(bucket.lastPingAt),
    last_refresh_at: iso(bucket.lastRefreshAt),
  }
}

const VERBOSE_KEYS = new Set(['total', 'limit', 'offset', 'buckets'])

const ago = (at: string | null, now: number): string =>
  at === null ? '-' : `${formatAge(now - Date.parse(at))} ago`

/** The plain table, then one row per bucket in prefix order. */
function render(body: RoutingResponse & RoutingVerbose, now = Date.now()): string {
  const { buckets, total, offset } = body
  const plain = Object.fromEntries(Object.entries(body).filter(([key]) => !VERBOSE_KEYS.has(key)))
  const rows = buckets.map((b) => [
    b.prefix === '' ? '(all)' : b.prefix,
    b.contains_self ? `>=${b.common_prefix_length} (self)` : String(b.common_prefix_length),
    `${b.peers}/${b.capacity}`,
    ago(b.last_ping_at, now),
    ago(b.last_refresh_at, now),
  ])
  const page = pageLine('buckets', { total, offset, count: buckets.length })
  return [
    renderRows(plain),
    page,
    ...(rows.length === 0
      ? []
      : [renderColumns(['PREFIX', 'CPL', 'FILL', 'LAST PING', 'LAST REFRESH'], rows)]),
  ].join('\n')
}

export const routing: VerboseCapableView<RoutingResponse, RoutingVerbose> = {
  path: '/debug/p2p/routing',
  description: 'kad-dht routing table size, configured and current mode',
  required: { routing_table_size: 'number', mode: 'string', num_bootstrap_peers: 'number' },
  fromSnapshot: (snapshot) => {
    const { routing: r } = snapshot
    return {
      routing_table_size: finite(r.routingTableSize),
      mode: r.mode,
      num_bootstrap_peers: finite(r.bootstrapPeers),
      current_mode: r.currentMode,
    }
  },
  render: renderRows,
  verbose: {
    required: { total: 'number', limit: 'number', offset: 'number', buckets: 'array' },
    read(source, query) {
      if (source.routingDetails === undefined) return null
      return source.routingDetails(query).then((page) =>
        page === undefined
          ? undefined
          : {
              total: finite(page.total),
              limit: finite(page.limit),
              offset: finite(page.offset),
              buckets: page.items.map(routingBucket),
            },
      )
    },
    render,
  },
}
