/**
 * Discovery: the service and its mechanisms, one file each (`bootstrap.ts`, `mdns.ts`,
 * `dht.ts`). A new mechanism implements `DiscoveryMechanism` (mechanism.ts), dials through its
 * context, and is listed in service.ts; its dials are reported as `discovery:dial` with its name.
 */

export { createDiscoveryService } from './service.js'
export type {
  DiscoveryService,
  DiscoveryServiceComponents,
  DiscoveryServiceInit,
} from './service.js'
export type {
  DiscoveryCallbacks,
  DiscoveryEventDetail,
  DiscoveryEvents,
  DiscoveryStats,
} from './events.js'
export type {
  DialOutcome,
  DiscoveryContext,
  DiscoveryDialEvent,
  DiscoveryLibp2p,
  DiscoveryMechanism,
} from './mechanism.js'
