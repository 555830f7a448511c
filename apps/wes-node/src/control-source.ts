import { ControlError } from '@wes/diagnostics'
import type { ControlErrorCode, ControlSource } from '@wes/diagnostics'
import { createNodeControls } from '@wes/p2p-core'
import type { DialErrorClass, P2PNode } from '@wes/p2p-core'

/** `@wes/p2p-core`'s codes of a failed operation, as the control routes answer them. */
const CODES: Readonly<Record<string, ControlErrorCode>> = {
  ERR_INVALID_PEER_ID: 'ERR_INVALID_INPUT',
  ERR_INVALID_MULTIADDR: 'ERR_INVALID_INPUT',
  ERR_SELF: 'ERR_INVALID_INPUT',
  ERR_DIAL_FAILED: 'ERR_DIAL_FAILED',
  ERR_PING_FAILED: 'ERR_PING_FAILED',
  ERR_PEER_NOT_FOUND: 'ERR_PEER_NOT_FOUND',
}

/**
 * Adapts a node to the control routes (`POST /control/*` of `@wes/diagnostics`): nothing while the
 * node does not run, or once it stopped meanwhile (the routes answer 503); the core's
 * `PeerOperationError`s as the `ControlError`s the routes answer with 400, 404 or 502.
 */
export function nodeControlSource(node: P2PNode): ControlSource {
  const controls = createNodeControls(node)
  const whileRunning = async <T>(run: () => Promise<T>): Promise<T | undefined> => {
    if (node.status !== 'started') return undefined
    try {
      return await run()
    } catch (err) {
      const { name, code, message, dialError } = (err ?? {}) as {
        name?: unknown
        code?: unknown
        message?: unknown
        dialError?: unknown
      }
      if (code === 'ERR_NOT_STARTED') return undefined
      const mapped = typeof code === 'string' ? CODES[code] : undefined
      if (name !== 'PeerOperationError' || mapped === undefined || typeof message !== 'string') {
        throw err
      }
      throw new ControlError(mapped, message, {
        cause: err,
        ...(typeof dialError === 'string' ? { dialError: dialError as DialErrorClass } : {}),
      })
    }
  }
  return {
    connect: (address, { signal }) => whileRunning(() => controls.connect(address, { signal })),
    disconnect: (peerId, { signal }) =>
      whileRunning(async () => ({
        peerId,
        closedConnections: await controls.disconnect(peerId, { signal }),
      })),
    ping: (peerId, { signal }) => whileRunning(() => controls.ping(peerId, { signal })),
    findPeer: (peerId, { signal }) =>
      whileRunning(async () => ({
        peerId,
        multiaddrs: await controls.findPeer(peerId, { signal }),
      })),
  }
}
