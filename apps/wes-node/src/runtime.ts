import { Counter, Registry } from 'prom-client'
import type * as PrometheusMetricsModule from '@libp2p/prometheus-metrics'
import { createP2PNode, libp2pVersion } from '@wes/p2p-core'
import type {
  MetricsFactory,
  P2PNode,
  P2PNodeComponents,
  P2POptions,
  TransferLedger,
} from '@wes/p2p-core'
import {
  collectInBackground,
  createBuildInfoMetric,
  createDiagnosticsServer,
  createDiscoveryTotals,
  createHealthMetrics,
  createNatMetrics,
  createProcessMetrics,
  createNetworkMetrics,
  createP2PMetrics,
  withDiscoveryCounts,
} from '@wes/diagnostics'
import type {
  CollectingMetric,
  DiagnosticsServer,
  DiagnosticsSource,
  HealthMetrics,
  NetworkMetrics,
  P2PMetrics,
} from '@wes/diagnostics'
import { nodeControlSource } from './control-source.js'
import type { Logger } from './logger.js'
import { VERSION } from './version.js'

export interface RuntimeComponents {
  logger: Logger
  /**
   * libp2p's own logger (e.g. one that writes through `logger`).
   *
   * @default silent
   */
  libp2pLogger?: P2PNodeComponents['libp2pLogger']
  /** Bearer token every diagnostics route requires; none when undefined. */
  token?: string
}

/** A node with its metrics and, unless disabled, its diagnostics server. */
export interface Runtime {
  readonly node: P2PNode
  readonly registry: Registry
  readonly metrics: P2PMetrics
  /** `p2p_health_status` and `p2p_health_reason`, the health verdict at scrape time. */
  readonly healthMetrics: HealthMetrics
  /** Bytes by protocol (read at scrape time) and what the node's network reports as it happens. */
  readonly networkMetrics: NetworkMetrics
  /** Undefined when `diagnosticsEnabled` is false. */
  readonly diagnostics: DiagnosticsServer | undefined
  start(): Promise<void>
  stop(): Promise<void>
}

/**
 * Adapts a node to what the diagnostics read: nothing while the node is not running. The node's
 * snapshot is passed through as it is, its `facts` (for the health verdict) included, and so are
 * its pages of detail (the verbose views).
 */
export function nodeDiagnosticsSource(node: P2PNode): DiagnosticsSource {
  /** A detail read (verbose views), or nothing while the node does not run or stops meanwhile. */
  const whileRunning = async <T>(read: () => Promise<T>): Promise<T | undefined> => {
    if (node.status !== 'started') return undefined
    try {
      return await read()
    } catch (err) {
      if ((err as { code?: unknown } | null)?.code === 'ERR_NOT_STARTED') return undefined
      throw err
    }
  }
  return {
    snapshot: () => (node.status === 'started' ? node.snapshot() : undefined),
    peerDetails: (query) => whileRunning(() => node.peerDetails(query)),
    connectionDetails: (query) => whileRunning(() => node.connectionDetails(query)),
    routingDetails: (query) => whileRunning(() => node.routingDetails(query)),
  }
}

/** Instances of `@libp2p/prometheus-metrics` loaded so far, one per node. */
let prometheusMetricsInstances = 0

/** `@libp2p/prometheus-metrics`' disk usage, the one libp2p metric that reads from the disk. */
const LIBP2P_FS_USAGE = 'nodejs_fs_usage_bytes'

/**
 * libp2p's own metrics (`libp2p_*`, and a few `nodejs_*` of `@libp2p/prometheus-metrics`) on
 * `registry`. That package (5.0.24) keeps the metrics it made in a module-level map keyed by
 * name and hands them to every later instance: a second node in one process would get the first
 * node's metrics, registered on the first node's registry, and none on its own. Only
 * `preserveExistingMetrics: false` empties that map, and it also clears prom-client's global
 * registry (DESIGN.md: keep it true). So each node loads its own instance of the module: a query
 * makes Node (and jest) evaluate it again, with a map of its own. Each instance stays loaded for
 * the life of the process: one per node created, and `wes-node start` creates one.
 */
async function libp2pMetrics(registry: Registry): Promise<MetricsFactory> {
  prometheusMetricsInstances++
  const url = `${import.meta.resolve('@libp2p/prometheus-metrics')}?node=${prometheusMetricsInstances}`
  const { prometheusMetrics } = (await import(url)) as typeof PrometheusMetricsModule
  return prometheusMetrics({
    registry,
    collectDefaultMetrics: false,
    preserveExistingMetrics: true,
  })
}

/** libp2p's transfer bytes by `protocol` (`global sent`, `<protocol> received`, ...). */
const LIBP2P_TRANSFERS = 'libp2p_data_transfer_bytes_total'

/**
 * Serves `libp2p_data_transfer_bytes_total` from the node's own count (`countTransfers`) in place
 * of the counter `@libp2p/prometheus-metrics` registered: the same name, label and values, without
 * that package's per-chunk key string and Map update on every connection and stream (about 1% of
 * a saturated stream's CPU). The keys are created at 0 (`global sent`, `global received`) or when
 * a protocol first negotiates.
 */
function serveLibp2pTransfers(registry: Registry, transfers: TransferLedger): void {
  registry.removeSingleMetric(LIBP2P_TRANSFERS)
  const served = new Map<string, number>()
  new Counter({
    name: LIBP2P_TRANSFERS,
    help: 'Bytes sent and received on every libp2p connection (global, after encryption and muxing) and on the streams of each negotiated protocol (payload).',
    labelNames: ['protocol'] as const,
    registers: [registry],
    collect() {
      for (const [protocol, total] of Object.entries(transfers.totals())) {
        const before = served.get(protocol)
        if (before !== undefined && total <= before) continue
        this.inc({ protocol }, total - (before ?? 0))
        served.set(protocol, total)
      }
    },
  })
}

/**
 * Wires `@wes/p2p-core` to `@wes/diagnostics`: one registry per node, discovery events
 * counted through the metrics' callbacks, state and the health verdict read from the node at
 * scrape time, and (unless
 * `libp2pMetrics` is false) libp2p's own metrics forwarded into the same registry.
 */
export async function createRuntime(
  options: P2POptions,
  components: RuntimeComponents,
): Promise<Runtime> {
  const { logger, libp2pLogger } = components
  const registry = new Registry()
  const node = await createP2PNode(options, {
    logger,
    ...(libp2pLogger !== undefined ? { libp2pLogger } : {}),
    ...(options.libp2pMetrics
      ? { metrics: await libp2pMetrics(registry), countTransfers: true }
      : {}),
    // peers count this node as wes-node (p2p_peers_by_agent)
    userAgent: `wes-node/${VERSION} libp2p/${libp2pVersion()} node/${process.versions.node}`,
  })
  if (node.transfers !== undefined) serveLibp2pTransfers(registry, node.transfers)
  // one count of discovery events: the metrics and /debug/p2p/stats both read it
  const discovery = createDiscoveryTotals()
  const source = withDiscoveryCounts(nodeDiagnosticsSource(node), discovery)
  const metrics = createP2PMetrics(registry, { source, discovery })
  const healthMetrics = createHealthMetrics(registry, { source })
  const networkMetrics = createNetworkMetrics(registry, { source })
  createNatMetrics(registry, { source })
  if (options.processMetrics) createProcessMetrics(registry)
  // libp2p's disk usage awaits a statfs() on every scrape: read it beside the scrape instead, so
  // the render stays one piece (its values are then one scrape old)
  collectInBackground(registry.getSingleMetric(LIBP2P_FS_USAGE) as CollectingMetric | undefined)
  createBuildInfoMetric(registry, {
    version: VERSION,
    libp2p: libp2pVersion(),
    node: process.version,
  })
  node.discovery.setDiagnosticsCallbacks(metrics.discoveryCallbacks)
  node.network.setDiagnosticsCallbacks(networkMetrics.networkCallbacks)

  const diagnostics = options.diagnosticsEnabled
    ? createDiagnosticsServer(
        {
          addr: options.diagnosticsAddr,
          ...(components.token !== undefined ? { token: components.token } : {}),
        },
        {
          source,
          registry,
          logger: logger.forComponent('diagnostics'),
          // POST /control/*: served only while the diagnostics require a token
          control: nodeControlSource(node),
        },
      )
    : undefined

  let started = false

  return {
    node,
    registry,
    metrics,
    healthMetrics,
    networkMetrics,
    diagnostics,
    async start() {
      if (started) return
      started = true
      // The diagnostics server binds first: a taken port fails before any peer sees us, and
      // operators can watch start-up (every /debug/p2p/* route answers 503 until the node runs).
      await diagnostics?.start()
      try {
        await node.start()
      } catch (err) {
        await diagnostics?.stop()
        started = false
        throw err
      }
    },
    async stop() {
      if (!started) return
      started = false
      // The server goes first so no request reads a node that is shutting down.
      await diagnostics?.stop()
      await node.stop()
    },
  }
}
