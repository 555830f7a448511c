import type { DevnetNode } from './state.js'

/** Columns padded to their widest cell, two spaces apart, no trailing spaces. */
export function formatTable(header: string[], rows: string[][]): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  )
  return [header, ...rows]
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')
}

/**
 * The nodes table `devnet` and `devnet add` print (a stable format: scripts may parse it, though
 * `devnet.json` is the better source): `NODE  PEER ID  P2P  DIAGNOSTICS`, one row per node.
 */
export function formatNodesTable(nodes: readonly DevnetNode[]): string {
  return formatTable(
    ['NODE', 'PEER ID', 'P2P', 'DIAGNOSTICS'],
    nodes.map((node) => [
      node.name,
      node.peer_id,
      // the p2p address without the peer ID: 127.0.0.1 on loopback, the lab address on a lab
      node.multiaddr.replace(/\/p2p\/[^/]+$/, ''),
      node.diagnostics_url,
    ]),
  )
}
