/** The peers table: one row per connected peer, sorted by the column the user clicks. */
import type { PeerDetail } from '../views/index.js'
import { cell, el, fillRows } from './dom.js'
import { ago, formatBytes, formatLatency, shortPeerId } from './format.js'

interface Column {
  label: string
  numeric: boolean
  /** The value rows sort by; null sorts last either way. */
  sortValue(peer: PeerDetail): string | number | null
  render(peer: PeerDetail, now: number): Node | string
}

const bytes = (value: number | null): string => (value === null ? '-' : formatBytes(value))

const COLUMNS: Column[] = [
  {
    label: 'Peer',
    numeric: false,
    sortValue: (p) => p.peer_id,
    render: (p) => el('code', { text: shortPeerId(p.peer_id), title: p.peer_id }),
  },
  { label: 'Direction', numeric: false, sortValue: (p) => p.direction, render: (p) => p.direction },
  {
    label: 'Via',
    numeric: false,
    sortValue: (p) => (p.relayed ? 'relayed' : 'direct'),
    render: (p) =>
      el('span', {
        className: p.relayed ? 'tag tag-relayed' : 'tag tag-direct',
        text: p.relayed ? 'relayed' : 'direct',
      }),
  },
  {
    label: 'Agent',
    numeric: false,
    sortValue: (p) => p.agent,
    render: (p) => el('span', { className: 'agent', text: p.agent ?? '-', title: p.agent ?? '' }),
  },
  {
    label: 'Latency',
    numeric: true,
    sortValue: (p) => p.latency_ms,
    render: (p) => formatLatency(p.latency_ms),
  },
  {
    label: 'Connected',
    numeric: true,
    // the oldest connection first when ascending
    sortValue: (p) => (p.connected_since === null ? null : Date.parse(p.connected_since)),
    render: (p, now) => ago(p.connected_since, now),
  },
  { label: 'In', numeric: true, sortValue: (p) => p.in_bytes, render: (p) => bytes(p.in_bytes) },
  { label: 'Out', numeric: true, sortValue: (p) => p.out_bytes, render: (p) => bytes(p.out_bytes) },
  {
    label: 'Conns',
    numeric: true,
    sortValue: (p) => p.connections,
    render: (p) => String(p.connections),
  },
]

function compare(a: string | number | null, b: string | number | null): number {
  if (a === b) return 0
  if (a === null) return 1
  if (b === null) return -1
  return a < b ? -1 : 1
}

export interface PeersTable {
  /** Shows `peers` in the current order. */
  update(peers: readonly PeerDetail[]): void
}

/** A sortable table in `table` (its `thead` gets one button per column). */
export function createPeersTable(table: HTMLTableElement): PeersTable {
  let sortBy = 5 // connected since: the server's order, the longest connected first
  let ascending = true
  let shown: readonly PeerDetail[] = []
  const head = table.tHead ?? table.createTHead()
  const body = table.tBodies[0] ?? table.createTBody()

  const headerCells = COLUMNS.map((column, index) => {
    const button = el('button', { className: 'sort', text: column.label })
    button.type = 'button'
    button.addEventListener('click', () => {
      ascending = sortBy === index ? !ascending : true
      sortBy = index
      render()
    })
    return el('th', column.numeric ? { className: 'num' } : {}, [button])
  })
  head.replaceChildren(el('tr', {}, headerCells))

  function render(): void {
    const column = COLUMNS[sortBy] as Column
    headerCells.forEach((th, index) => {
      th.ariaSort = index === sortBy ? (ascending ? 'ascending' : 'descending') : 'none'
    })
    const sign = ascending ? 1 : -1
    const sorted = [...shown].sort((a, b) => {
      const [x, y] = [column.sortValue(a), column.sortValue(b)]
      // nulls stay last in both directions
      if (x === null || y === null) return compare(x, y)
      return sign * compare(x, y)
    })
    const now = Date.now()
    const rows = sorted.map((peer) =>
      el(
        'tr',
        {},
        COLUMNS.map((c) => cell(c.render(peer, now), c.numeric)),
      ),
    )
    fillRows(body, rows, COLUMNS.length, 'no connected peers')
  }

  return {
    update(peers) {
      shown = peers
      render()
    },
  }
}
