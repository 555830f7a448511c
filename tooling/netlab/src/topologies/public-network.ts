import type { Topology } from '../topology.js'

/** The lab's "internet": public-looking addresses that exist only inside the lab (README). */
export const INTERNET_SUBNET = '6.0.0.0/24'

/**
 * `count` hosts (`node1`, `node2`, ...) on one switched segment with public-looking addresses
 * `6.0.0.1`, `6.0.0.2`, ...: what an operator sees on a public network, with no NAT between.
 */
export function publicNetwork(count: number): Topology {
  return {
    name: 'public-network',
    segments: [{ name: 'internet', subnet: INTERNET_SUBNET }],
    hosts: Array.from({ length: count }, (_, index) => ({
      name: `node${index + 1}`,
      interfaces: [{ segment: 'internet', address: `6.0.0.${index + 1}/24` }],
    })),
  }
}
