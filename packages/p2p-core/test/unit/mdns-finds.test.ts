import { createMdnsFinds, DEFAULT_MDNS_FINDS_INIT } from '../../src/discovery/mdns-finds.js'

const TTL = 120_000

/** A tracker on a clock the test moves. */
function tracker(maxPeers?: number) {
  const clock = { now: 1_000_000 }
  const finds = createMdnsFinds({
    now: () => clock.now,
    ...(maxPeers !== undefined ? { maxPeers } : {}),
  })
  return { finds, clock }
}

describe('mDNS finds', () => {
  test('a peer answering every 10 s within its TTL is found once', () => {
    const { finds, clock } = tracker()
    const found: boolean[] = []
    for (let i = 0; i < 60; i++) {
      found.push(finds.answer('peerA', { connected: false, ttlMs: TTL }))
      clock.now += 10_000
    }
    expect(found.filter(Boolean)).toHaveLength(1)
    expect(found[0]).toBe(true)
  })

  test('found again once its record expired, not a moment before', () => {
    const { finds, clock } = tracker()
    expect(finds.answer('peerA', { connected: false, ttlMs: TTL })).toBe(true)
    clock.now += TTL - 1
    expect(finds.answer('peerA', { connected: false, ttlMs: TTL })).toBe(false)
    // that answer renewed the record: the TTL runs from the last answer
    clock.now += TTL
    expect(finds.answer('peerA', { connected: false, ttlMs: TTL })).toBe(true)
  })

  test("each answer's own TTL counts; without one, the default (120 s, @libp2p/mdns's)", () => {
    const { finds, clock } = tracker()
    expect(DEFAULT_MDNS_FINDS_INIT.defaultTtlMs).toBe(120_000)
    expect(finds.answer('go', { connected: false, ttlMs: 3_200_000 })).toBe(true)
    expect(finds.answer('js', { connected: false })).toBe(true)
    clock.now += 130_000
    expect(finds.answer('go', { connected: false, ttlMs: 3_200_000 })).toBe(false)
    expect(finds.answer('js', { connected: false })).toBe(true)
  })

  test("a connected peer's answer is no find, and renews its record", () => {
    const { finds, clock } = tracker()
    // connected first (through bootstrap, say): its first answer is not a find
    expect(finds.answer('peerA', { connected: true, ttlMs: TTL })).toBe(false)
    clock.now += 10_000
    expect(finds.answer('peerA', { connected: true, ttlMs: TTL })).toBe(false)
    // disconnected, answering on within the TTL: still the same peer, not new
    clock.now += 10_000
    expect(finds.answer('peerA', { connected: false, ttlMs: TTL })).toBe(false)
  })

  test('after a disconnect and the expiry of its record, a peer is found again', () => {
    const { finds, clock } = tracker()
    expect(finds.answer('peerA', { connected: false, ttlMs: TTL })).toBe(true)
    clock.now += 10_000
    expect(finds.answer('peerA', { connected: true, ttlMs: TTL })).toBe(false)
    // it left (disconnected and silent); back after its record expired
    clock.now += TTL + 1
    expect(finds.answer('peerA', { connected: false, ttlMs: TTL })).toBe(true)
  })

  test('a goodbye (TTL 0) drops the record and is no find; the next answer is', () => {
    const { finds, clock } = tracker()
    expect(finds.answer('peerA', { connected: false, ttlMs: TTL })).toBe(true)
    expect(finds.answer('peerA', { connected: false, ttlMs: 0 })).toBe(false)
    expect(finds.size).toBe(0)
    expect(finds.answer('peerB', { connected: false, ttlMs: 0 })).toBe(false)
    clock.now += 1_000
    expect(finds.answer('peerA', { connected: false, ttlMs: TTL })).toBe(true)
  })

  test('remembers at most maxPeers: expired records go first, then the longest silent', () => {
    const { finds, clock } = tracker(3)
    expect(DEFAULT_MDNS_FINDS_INIT.maxPeers).toBe(1024)
    finds.answer('short', { connected: false, ttlMs: 1_000 })
    finds.answer('a', { connected: false, ttlMs: TTL })
    finds.answer('b', { connected: false, ttlMs: TTL })
    clock.now += 2_000
    // 'short' expired: it goes, and 'a' stays although it answered longest ago
    finds.answer('c', { connected: false, ttlMs: TTL })
    expect(finds.size).toBe(3)
    expect(finds.answer('a', { connected: false, ttlMs: TTL })).toBe(false)
    // all live now: the one silent longest ('b') is forgotten, so its next answer is a find
    finds.answer('d', { connected: false, ttlMs: TTL })
    expect(finds.size).toBe(3)
    expect(finds.answer('b', { connected: false, ttlMs: TTL })).toBe(true)
    expect(finds.size).toBe(3)
  })

  test('memory stays bounded under many peers', () => {
    const { finds, clock } = tracker(100)
    for (let i = 0; i < 10_000; i++) {
      finds.answer(`peer${i}`, { connected: false, ttlMs: TTL })
      clock.now += 10
    }
    expect(finds.size).toBe(100)
  })
})
