import { Registry } from 'prom-client'
import { createP2PNode } from '@wes/p2p-core'
import type { P2PNode, P2POptions } from '@wes/p2p-core'
import { createDiagnosticsServer, createP2PMetrics } from '@wes/diagnostics'
import type { DiagnosticsServer, DiagnosticsSource, P2PMetrics } from '@wes/diagnostics'
import type { Logger } from './logger.js'

export interface RuntimeComponents {
  logger: Logger
  /** Bearer token every diagnostics route requires; none when undefined. */
  token?: string
}

/** A node with its metrics and, unless disabled, its diagnostics server. */
export interface Runtime {
  readonly node: P2PNode
  readonly registry: Registry
  readonly metrics: P2PMetrics
  /** Undefined when `diagnosticsEnabled` is false. */
  readonly diagnostics: DiagnosticsServer | undefined
  start(): Promise<void>
  stop(): Promise<void>
}

/** Adapts a node to what the diagnostics read: nothing while the node is not running. */
export function nodeDiagnosticsSource(node: P2PNode): DiagnosticsSource {
  return {
    snapshot: () => (node.status === 'started' ? node.snapshot() : undefined),
  }
}

/**
 * Wires `@wes/p2p-core` to `@wes/diagnostics`: one registry per node, discovery events
 * counted through the metrics' callbacks, state read from the node at scrape time.
 */
export async function createRuntime(
  options: P2POptions,
  components: RuntimeComponents,
): Promise<Runtime> {
  const { logger } = components
  const node = await createP2PNode(options, { logger })
  const registry = new Registry()
  const source = nodeDiagnosticsSource(node)
  const metrics = createP2PMetrics(registry, { source })
  node.discovery.setDiagnosticsCallbacks(metrics.discoveryCallbacks)

  const diagnostics = options.diagnosticsEnabled
    ? createDiagnosticsServer(
        {
          addr: options.diagnosticsAddr,
          ...(components.token !== undefined ? { token: components.token } : {}),
        },
        { source, registry, logger },
      )
    : undefined

  let started = false

  return {
    node,
    registry,
    metrics,
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
