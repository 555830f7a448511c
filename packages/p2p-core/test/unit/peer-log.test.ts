import { jest } from '@jest/globals'
import { PeerLog } from '../../src/node/peer-log.js'
import type { LogFields, Logger } from '../../src/logger.js'

function recorder(): { logger: Logger; lines: Array<[string, LogFields | undefined]> } {
  const lines: Array<[string, LogFields | undefined]> = []
  const logger: Logger = {
    error: () => {},
    warn: () => {},
    info: (msg, fields) => {
      lines.push([msg, fields])
    },
    debug: () => {},
    trace: () => {},
    forComponent: () => logger,
  }
  return { logger, lines }
}

describe('peer connects and disconnects at info, without flooding', () => {
  beforeEach(() => {
    jest.useFakeTimers()
  })
  afterEach(() => {
    jest.useRealTimers()
  })

  test('a line per peer while few come and go', () => {
    const { logger, lines } = recorder()
    const log = new PeerLog(logger, 10_000, 10)
    log.connected({ peer: 'A', address: '/ip4/10.0.0.1/tcp/4001', direction: 'outbound' })
    log.disconnected({ peer: 'A' })
    jest.advanceTimersByTime(10_000)
    expect(lines).toEqual([
      ['peer connected', { peer: 'A', address: '/ip4/10.0.0.1/tcp/4001', direction: 'outbound' }],
      ['peer disconnected', { peer: 'A' }],
    ])
  })

  test('a storm: the burst, then one summary line per window', () => {
    const { logger, lines } = recorder()
    const log = new PeerLog(logger, 10_000, 10)
    for (let i = 0; i < 500; i++) {
      log.connected({ peer: `P${i}` })
      log.disconnected({ peer: `P${i}` })
    }
    expect(lines).toHaveLength(10)
    jest.advanceTimersByTime(10_000)
    expect(lines).toHaveLength(11)
    expect(lines[10]).toEqual([
      'and 495 more peers connected, 495 more disconnected in the last 10 s',
      { connected: 495, disconnected: 495 },
    ])
    // the next window starts afresh
    log.connected({ peer: 'late' })
    expect(lines.at(-1)).toEqual(['peer connected', { peer: 'late' }])
  })

  test('flush tells what was held back at once, and leaves no timer behind', () => {
    const { logger, lines } = recorder()
    const log = new PeerLog(logger, 10_000, 1)
    log.connected({ peer: 'A' })
    log.connected({ peer: 'B' })
    log.flush()
    expect(lines.at(-1)?.[0]).toBe(
      'and 1 more peer connected, 0 more disconnected in the last 10 s',
    )
    expect(jest.getTimerCount()).toBe(0)
  })
})
