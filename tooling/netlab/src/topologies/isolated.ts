import type { Topology } from '../topology.js'

/**
 * One host with nothing but loopback (MULTICAST on, a 224.0.0.0/4 route): a place where
 * in-process multi-node tests may use mDNS, since no multicast can leave it.
 */
export function isolatedHost(): Topology {
  return {
    name: 'isolated',
    segments: [],
    hosts: [{ name: 'alone', interfaces: [], routes: [['224.0.0.0/4', 'dev', 'lo']] }],
  }
}
