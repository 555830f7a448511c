/**
 * The wes-node network lab: topologies as data, built on real Linux networking (network
 * namespaces, veth links, bridges, nftables) on one machine, torn down on stop, exit or signal,
 * and with a dead run's leftovers removed at the next start. Needs root, `ip` and `nft`.
 *
 * @example
 * import { labUnavailableReason, publicNetwork, startLab, startLabNode } from '@wes/netlab'
 *
 * if (labUnavailableReason() === undefined) {
 *   const lab = await startLab(publicNetwork(2))
 *   try {
 *     const a = await startLabNode(lab, 'node1', { args: ['--listen', '/ip4/0.0.0.0/tcp/4001'] })
 *     console.log((await a.json('/debug/p2p/health')).body)
 *   } finally {
 *     await lab.stop()
 *   }
 * }
 */

export { LabCommandError, labUnavailableReason } from './commands.js'
export { httpGet, parseMetrics } from './http.js'
export { NETNS_PREFIX, removeAllLabs, removeStaleLabs, startLab } from './lab.js'
export { INTERNET_SUBNET, publicNetwork } from './topologies/public-network.js'
export { isolatedHost } from './topologies/isolated.js'
export { lan, natNetwork } from './topologies/nat.js'
export { TOPOLOGIES } from './topologies/index.js'
export {
  inboundFirewall,
  masqueradeNat,
  partitionRules,
  portFirewall,
  segmentRules,
  symmetricNat,
} from './rules.js'
export { inSubnet, parseCidr, validateTopology } from './topology.js'
export { WES_NODE_BIN, startLabNode } from './wes-node.js'
export type { HttpAnswer } from './http.js'
export type { Lab, LabInit, LabProcess, Partition } from './lab.js'
export type { NatKind, NatNetworkInit, NatSite } from './topologies/nat.js'
export type { FirewallAction, NatInit, SegmentRulesInit } from './rules.js'
export type { HostSpec, InterfaceSpec, SegmentSpec, Topology } from './topology.js'
export type { LabNode, LabNodeInit } from './wes-node.js'
