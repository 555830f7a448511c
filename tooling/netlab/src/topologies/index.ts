import { lan, natNetwork } from './nat.js'
import { publicNetwork } from './public-network.js'
import type { Topology } from '../topology.js'

/** The named topologies of `pnpm netlab up <name>`, each with what it is for. */
export const TOPOLOGIES: Readonly<Record<string, { describe: string; build: () => Topology }>> = {
  'public-network': {
    describe: 'three hosts with public-looking addresses on one segment (node1-3, 6.0.0.1-3)',
    build: () => publicNetwork(3),
  },
  'home-nat': {
    describe: 'three internet hosts, one host behind a masquerade NAT (router1, site1-1)',
    build: () => natNetwork({ internetHosts: 3, sites: [{ nat: 'masquerade' }] }),
  },
  'symmetric-nat': {
    describe: 'three internet hosts, one host behind a symmetric NAT (router1, site1-1)',
    build: () => natNetwork({ internetHosts: 3, sites: [{ nat: 'symmetric' }] }),
  },
  'two-nats': {
    describe: 'one internet host (a relay), two hosts each behind its own masquerade NAT',
    build: () =>
      natNetwork({ internetHosts: 1, sites: [{ nat: 'masquerade' }, { nat: 'masquerade' }] }),
  },
  lan: {
    describe: 'three hosts on one LAN with multicast (peer1-3, 10.1.0.1-3)',
    build: () => lan(3),
  },
  'lan-no-multicast': {
    describe: 'the same LAN behind a switch that drops multicast',
    build: () => lan(3, { dropMulticast: true }),
  },
}
