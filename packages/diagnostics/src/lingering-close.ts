import type { Duplex } from 'node:stream'

/**
 * A lingering close, as nginx's `lingering_close`: the server answers an error (431 to a 1 MiB
 * request line, say) while the client is still writing. Destroying the socket then would make the
 * kernel send a reset, since unread data is left in the receive buffer, and the client's write
 * fails (EPIPE, ECONNRESET) before it ever reads the answer. So the socket is half-closed after
 * the answer and what the client still sends is read and discarded, within bounds of time and
 * bytes, before the socket is destroyed.
 */

export interface LingeringCloseInit {
  /** How long a closing socket is kept, to flush the answer and discard what the client sends. */
  timeoutMs: number
  /** How many bytes a closing socket discards at most; beyond them it is destroyed at once. */
  maxBytes: number
}

export interface LingeringClose {
  /**
   * Writes `response`, half-closes `socket` and discards what it still receives until the client
   * ends too, the time or byte bound is reached, or {@link LingeringClose.stop}. Nothing happens
   * for a socket already closing.
   */
  close(socket: Duplex, response: string): void
  /** Whether `socket` is in a lingering close (its HTTP parser may still report errors). */
  has(socket: Duplex): boolean
  /** Destroys every lingering socket now; later closes destroy at once. Idempotent. */
  stop(): void
}

/** Lingering closes within the bounds of `init`; one per HTTP server, stopped with it. */
export function createLingeringClose(init: LingeringCloseInit): LingeringClose {
  const deadlines = new Map<Duplex, NodeJS.Timeout>()
  let stopped = false

  const release = (socket: Duplex): void => {
    clearTimeout(deadlines.get(socket))
    deadlines.delete(socket)
  }

  return {
    close(socket, response) {
      if (deadlines.has(socket)) return
      if (stopped || !socket.writable) {
        socket.destroy()
        return
      }
      // a reset while we discard is the client's doing; it must not become an unhandled error
      socket.on('error', () => {})
      // Node's HTTP parser would go on parsing the rest and report its error again per chunk;
      // a 'data' listener of our own also takes the socket back from the parser
      socket.removeAllListeners('data')
      let discardedBytes = 0
      socket.on('data', (chunk: Buffer | string) => {
        discardedBytes += chunk.length
        if (discardedBytes > init.maxBytes) socket.destroy()
      })
      socket.once('close', () => release(socket))
      deadlines.set(socket, setTimeout(() => socket.destroy(), init.timeoutMs).unref())
      // once the client ends too, the socket closes by itself (HTTP sockets allow half-open)
      socket.end(response)
      socket.resume()
    },

    has(socket) {
      return deadlines.has(socket)
    },

    stop() {
      stopped = true
      for (const socket of [...deadlines.keys()]) {
        release(socket)
        socket.destroy()
      }
    },
  }
}
