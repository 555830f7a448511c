import { INTERNET_SUBNET } from './public-network.js'
import { masqueradeNat, symmetricNat } from '../rules.js'
import type { HostSpec, Topology } from '../topology.js'

export type NatKind = 'masquerade' | 'symmetric'

export interface NatSite {
  /** The router's NAT: a home router's (`masquerade`) or a carrier-grade-like one. */
  nat: NatKind
  /** Hosts behind the router. @default 1 */
  hosts?: number
}

export interface NatNetworkInit {
  /** Hosts on the internet segment (`node1` = 6.0.0.1, ...). */
  internetHosts: number
  /** Sites behind NAT routers: site `i` (from 1) is `router<i>` with hosts `site<i>-<j>`. */
  sites: NatSite[]
}

/**
 * An internet segment with public-looking hosts, plus NATed sites: site `i` has a router with
 * 6.0.0.(200+i) outside and 10.0.i.1 inside, and hosts 10.0.i.(10+j) behind it whose default
 * route is the router. The internet has no route to any LAN: only the NAT lets replies in.
 */
export function natNetwork(init: NatNetworkInit): Topology {
  const hosts: HostSpec[] = Array.from({ length: init.internetHosts }, (_, index) => ({
    name: `node${index + 1}`,
    interfaces: [{ segment: 'internet', address: `6.0.0.${index + 1}/24` }],
  }))
  const segments = [{ name: 'internet', subnet: INTERNET_SUBNET }]
  init.sites.forEach((site, index) => {
    const n = index + 1
    segments.push({ name: `lan${n}`, subnet: `10.0.${n}.0/24` })
    hosts.push({
      name: `router${n}`,
      interfaces: [
        { segment: 'internet', address: `6.0.0.${200 + n}/24` },
        { segment: `lan${n}`, address: `10.0.${n}.1/24` },
      ],
      forward: true,
      nftables: site.nat === 'masquerade' ? masqueradeNat() : symmetricNat(),
    })
    for (let j = 1; j <= (site.hosts ?? 1); j++) {
      hosts.push({
        name: `site${n}-${j}`,
        interfaces: [{ segment: `lan${n}`, address: `10.0.${n}.${10 + j}/24` }],
        gateway: `10.0.${n}.1`,
      })
    }
  })
  return { name: 'nat-network', segments, hosts }
}

/**
 * `count` hosts (`peer1`, ...) on one LAN (10.1.0.0/24), with or without multicast. The LAN has
 * no router, so each host gets the multicast route a DHCP-configured host's default route would
 * give it.
 */
export function lan(count: number, init: { dropMulticast?: boolean } = {}): Topology {
  return {
    name: init.dropMulticast === true ? 'lan-no-multicast' : 'lan',
    segments: [{ name: 'lan', subnet: '10.1.0.0/24', dropMulticast: init.dropMulticast }],
    hosts: Array.from({ length: count }, (_, index) => ({
      name: `peer${index + 1}`,
      interfaces: [{ segment: 'lan', address: `10.1.0.${index + 1}/24` }],
      routes: [['224.0.0.0/4', 'dev', 'eth0']],
    })),
  }
}
