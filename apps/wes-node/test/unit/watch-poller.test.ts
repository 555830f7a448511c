/**
 * The watch's poller: reads one at a time (a slow read delays the next, never overlaps it), tells
 * its subscribers after each read, and stops cleanly: `stop()` waits for the read under way, and
 * no read starts after it. `start()` and `stop()` are idempotent.
 */
import { describe, expect, it } from '@jest/globals'
import { initialWatchState } from '../../src/cmds/diag/watch/model.js'
import { createWatchPoller } from '../../src/cmds/diag/watch/poller.js'
import type { Reading } from '../../src/cmds/diag/watch/read-sample.js'

function initial() {
  return initialWatchState({ addr: '127.0.0.1:1', intervalMs: 1, historyLength: 10, now: 0 })
}

/** A read the test ends by hand, counting how many run at once. */
function manualReads() {
  const pending: Array<() => void> = []
  let running = 0
  let most = 0
  let started = 0
  const read = (): Promise<Reading> => {
    started++
    running++
    most = Math.max(most, running)
    return new Promise((resolve) => {
      pending.push(() => {
        running--
        resolve({ at: started, failure: { kind: 'unreachable', message: 'no' } })
      })
    })
  }
  return {
    read,
    finishOne: () => pending.shift()?.(),
    started: () => started,
    most: () => most,
    waiting: () => pending.length,
  }
}

async function until(done: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 15_000
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

describe('watch poller', () => {
  it('reads one at a time and tells its subscribers after each read', async () => {
    const reads = manualReads()
    const poller = createWatchPoller({ read: reads.read, intervalMs: 1, initial: initial() })
    const seen: number[] = []
    poller.subscribe(() => seen.push(poller.getState().reads))
    poller.start()
    poller.start() // idempotent: still one loop
    for (let i = 1; i <= 3; i++) {
      await until(() => reads.waiting() === 1, `read ${i}`)
      reads.finishOne()
      await until(() => seen.length === i, `the state after read ${i}`)
    }
    expect(seen).toEqual([1, 2, 3])
    expect(reads.most()).toBe(1)
    await until(() => reads.waiting() === 1, 'read 4')
    const stopped = poller.stop()
    let done = false
    void stopped.then(() => (done = true))
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(done).toBe(false) // the read under way holds stop() until it ends
    reads.finishOne()
    await stopped
    await poller.stop() // idempotent
    const started = reads.started()
    await new Promise((resolve) => setTimeout(resolve, 30))
    expect(reads.started()).toBe(started) // nothing after stop()
    expect(seen).toEqual([1, 2, 3]) // the read that ended after stop() is not applied
  })

  it('an unsubscribed listener hears nothing more', async () => {
    const reads = manualReads()
    const poller = createWatchPoller({ read: reads.read, intervalMs: 1, initial: initial() })
    let heard = 0
    const unsubscribe = poller.subscribe(() => heard++)
    poller.start()
    await until(() => reads.waiting() === 1, 'read 1')
    reads.finishOne()
    await until(() => heard === 1, 'the first state')
    unsubscribe()
    await until(() => reads.waiting() === 1, 'read 2')
    reads.finishOne()
    await until(() => poller.getState().reads === 2, 'the second state')
    expect(heard).toBe(1)
    await until(() => reads.waiting() === 1, 'read 3')
    const stopped = poller.stop()
    reads.finishOne()
    await stopped
  })
})
