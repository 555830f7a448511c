/**
 * The explaining metrics on a real network: what they say for traffic the test knows exactly.
 * (Dial errors of each class: verdict.test.ts; reachability, relays and hole punches:
 * nat.test.ts and verdict.test.ts.)
 */

import { publicNetwork, startLab, startLabNode } from '../../src/index.js'
import { labTest, waitFor } from '../fixtures/lab.js'
import type { Lab } from '../../src/index.js'

const it = labTest('lab metrics tests')
const PORT = 4001
const FLAGS = ['--listen', `/ip4/0.0.0.0/tcp/${PORT}`, '--dht-mode', 'server', '--no-mdns']
/** libp2p's connection monitor: one ping per connection every 10 s, 32 random bytes each way. */
const PING = '/ipfs/ping/1.0.0'
const PING_BYTES = 32

let lab: Lab | undefined
afterEach(async () => {
  await lab?.stop()
  lab = undefined
})

/** Every series of one family, `labels -> value`. */
function family(text: string, name: string): Map<string, number> {
  const series = new Map<string, number>()
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue
    const space = line.lastIndexOf(' ')
    series.set(line.slice(name.length, space), Number(line.slice(space + 1)))
  }
  return series
}

describe('metrics on the lab', () => {
  it('per-protocol bytes (the connection monitor pings move /ipfs/ping/1.0.0 by 32 bytes each way per ping) and peers by agent', async () => {
    lab = await startLab(publicNetwork(2))
    const a = await startLabNode(lab, 'node1', { args: FLAGS })
    const b = await startLabNode(lab, 'node2', {
      args: [...FLAGS, '--bootstrap', a.multiaddr(PORT)],
    })
    const ping = (text: string, direction: string): number =>
      family(text, 'p2p_protocol_bytes_total').get(
        `{direction="${direction}",protocol="${PING}"}`,
      ) ?? 0
    // a few monitor rounds: each side pings the other, and answers the other's pings
    await waitFor(
      async () => ping(await b.metricsText(), 'out') >= 3 * 2 * PING_BYTES,
      'three ping rounds on node2',
      60_000,
    )
    for (const node of [a, b]) {
      const text = await node.metricsText()
      const [sent, received] = [ping(text, 'out'), ping(text, 'in')]
      // whole pings only: 32 bytes sent per ping made and per ping answered
      expect({ host: node.host, sent: sent % PING_BYTES, received: received % PING_BYTES }).toEqual(
        {
          host: node.host,
          sent: 0,
          received: 0,
        },
      )
      expect(sent).toBeGreaterThanOrEqual(2 * PING_BYTES)
      // the DHT's own protocol moved bytes too, and every series has a fixed label set
      const all = family(text, 'p2p_protocol_bytes_total')
      expect(all.get('{direction="in",protocol="/wes/kad/1.0.0"}')).toBeGreaterThan(0)
      for (const labels of all.keys()) {
        expect(labels).toMatch(/^\{direction="(in|out)",protocol="[^"]+"\}$/)
      }
      // the peer announces itself as wes-node in identify, and lands in that class
      const agents = family(text, 'p2p_peers_by_agent')
      expect(agents.get('{agent="wes-node"}')).toBe(1)
      expect([...agents.values()].reduce((sum, v) => sum + v, 0)).toBe(1)
    }
  }, 120_000)
})
