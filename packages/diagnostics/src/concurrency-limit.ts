/** A bound on how many operations of a kind run at once: a slot or none, never a queue. */
export interface ConcurrencyLimit {
  /** A slot and the function that gives it back (once), or `undefined` when all are taken. */
  tryAcquire(): (() => void) | undefined
  /** Slots taken now. */
  readonly active: number
}

/**
 * At most `max` at once; the caller answers the rest at once (429) rather than queueing them, so a
 * flood of requests holds no memory or sockets waiting.
 *
 * @example
 * const limit = createConcurrencyLimit(4)
 * const release = limit.tryAcquire()
 * if (release === undefined) throw new TooManyRequestsError()
 * try { await work() } finally { release() }
 */
export function createConcurrencyLimit(max: number): ConcurrencyLimit {
  if (!Number.isSafeInteger(max) || max < 1) {
    throw new RangeError(`a concurrency limit must be a positive integer, got ${max}`)
  }
  let active = 0
  return {
    tryAcquire() {
      if (active >= max) return undefined
      active++
      let released = false
      return () => {
        if (released) return
        released = true
        active--
      }
    },
    get active() {
      return active
    },
  }
}
