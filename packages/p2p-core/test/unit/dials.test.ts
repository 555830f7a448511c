import { watchDials } from '../../src/network/dials.js'
import type { DialEndEvent, DialingConnectionManager } from '../../src/network/dials.js'
import type { Connection, DialOptions } from '@libp2p/interface'

const CONNECTION = { id: 'c1' } as unknown as Connection

/** A connection manager that replays libp2p's progress events, then connects or fails. */
function manager(
  events: string[],
  result: () => Promise<Connection>,
): DialingConnectionManager & { seen: string[] } {
  const seen: string[] = []
  return {
    seen,
    async openConnection(_peer, options: DialOptions = {}) {
      for (const type of events) {
        options.onProgress?.(new CustomEvent(type) as never)
      }
      return result()
    },
  }
}

function watch(cm: DialingConnectionManager): DialEndEvent[] {
  const ended: DialEndEvent[] = []
  let clock = 1_000
  watchDials(
    cm,
    (e) => ended.push(e),
    () => (clock += 250),
  )
  return ended
}

const QUEUED = ['connection:open', 'dial-queue:add-to-dial-queue', 'dial-queue:start-dial']

describe('watchDials', () => {
  test('reports a queued dial once, with its duration, and passes the connection and progress on', async () => {
    const cm = manager(QUEUED, async () => CONNECTION)
    const ended = watch(cm)
    const progress: string[] = []
    const peer = {} as never
    await expect(
      cm.openConnection(peer, { onProgress: (evt) => progress.push(evt.type) }),
    ).resolves.toBe(CONNECTION)
    expect(ended).toEqual([{ outcome: 'success', durationMs: 250 }])
    expect(progress).toEqual(QUEUED)
  })

  test('classifies a failed dial with the dial-error classes and rethrows its error', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), {
      code: 'ECONNREFUSED',
    })
    const cm = manager(QUEUED, async () => {
      throw refused
    })
    const ended = watch(cm)
    await expect(cm.openConnection({} as never)).rejects.toBe(refused)
    expect(ended).toEqual([{ outcome: 'failure', durationMs: 250, errorClass: 'refused' }])
  })

  test('does not count a connection libp2p already had, a joined dial, or a call refused before queueing', async () => {
    const existing = manager(
      ['connection:open', 'dial-queue:already-connected'],
      async () => CONNECTION,
    )
    const joined = manager(['dial-queue:already-in-dial-queue'], async () => CONNECTION)
    const self = manager(['connection:open'], async () => {
      throw new Error('Can not dial self')
    })
    const ended = [...[existing, joined, self].map(watch)]
    await existing.openConnection({} as never)
    await joined.openConnection({} as never)
    await expect(self.openConnection({} as never)).rejects.toThrow('self')
    expect(ended.flat()).toEqual([])
  })
})
