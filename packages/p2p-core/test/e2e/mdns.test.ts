import { cleanup, testNode, waitFor } from '../fixtures/nodes.js'
import { mdnsIsolation } from '@wes/config/multicast'
import type { P2PNode } from '../../src/index.js'

afterEach(cleanup)

// mDNS only where its multicast cannot leave the machine: a namespace of its own
const isolation = await mdnsIsolation()
if (!isolation.ok) console.warn(`mDNS e2e SKIPPED: ${isolation.reason}`)
const mdnsTest = isolation.ok ? test : test.skip

interface MdnsRecord {
  found: string[]
  responses: string[]
  connected: string[]
  failed: string[]
}

function record(node: P2PNode): MdnsRecord {
  const recorded: MdnsRecord = { found: [], responses: [], connected: [], failed: [] }
  node.discovery.setDiagnosticsCallbacks({
    onMdnsPeerFound: (peerId) => recorded.found.push(peerId),
    onMdnsResponse: (peerId) => recorded.responses.push(peerId),
    onMdnsConnectSuccess: (peerId) => recorded.connected.push(peerId),
    onMdnsConnectFail: (peerId) => recorded.failed.push(peerId),
  })
  return recorded
}

describe('mDNS', () => {
  mdnsTest(
    'two nodes find each other and connect, each found once however often it answers, never self',
    async () => {
      const a = await testNode({ mdns: true })
      const b = await testNode({ mdns: true })
      const recordedA = record(a)
      const recordedB = record(b)
      await a.start()
      expect(a.snapshot().health.mdns).toEqual({ enabled: true, available: true })
      await b.start()

      // B queries at start and A answers: B finds A at once
      await waitFor(() => recordedB.found.includes(a.peerId), 'B to find A', { timeoutMs: 5_000 })
      await waitFor(() => recordedB.connected.includes(a.peerId), 'B to connect to A', {
        timeoutMs: 5_000,
      })
      expect(b.snapshot().peerIds).toContain(a.peerId)
      // each queries every 10 s and the other answers: wait for a second round of answers
      const heard = (r: MdnsRecord, peerId: string): number =>
        r.responses.filter((id) => id === peerId).length
      await waitFor(
        () => heard(recordedA, b.peerId) >= 2 && heard(recordedB, a.peerId) >= 2,
        'a second round of answers',
        { timeoutMs: 25_000 },
      )

      // answers again and again, one find: B found A once; A heard B first either before the
      // connection (a find) or after it (none)
      expect(recordedB.found).toEqual([a.peerId])
      expect(recordedA.found.filter((id) => id === b.peerId).length).toBeLessThanOrEqual(1)
      for (const [node, recorded] of [
        [a, recordedA],
        [b, recordedB],
      ] as const) {
        expect(recorded.found).not.toContain(node.peerId)
        expect(recorded.responses).not.toContain(node.peerId)
      }
      expect(b.discovery.stats()).toMatchObject({ mdnsPeersFound: 1 })
      expect(b.discovery.stats().mdnsResponses).toBeGreaterThanOrEqual(2)
      expect(recordedB.failed).not.toContain(a.peerId)
      expect(b.discovery.stats().mdnsConnectSuccesses).toBeGreaterThanOrEqual(1)
      expect(recordedA.failed).not.toContain(b.peerId)
    },
    45_000,
  )

  mdnsTest(
    "counts other hosts' mDNS responses, never its own",
    async () => {
      const alone = await testNode({ mdns: true })
      await alone.start()
      // its first query went out at start and looped back, with its own answer
      await new Promise((resolve) => setTimeout(resolve, 1_000))
      expect(alone.snapshot().facts.mdns).toEqual({
        state: 'up',
        failure: null,
        responses: 0,
        lastResponseAt: null,
      })

      const other = await testNode({ mdns: true })
      await other.start()
      // the newcomer's query at start is answered by the first node
      await waitFor(
        () => other.snapshot().facts.mdns.responses > 0,
        'an answer from the first node',
        {
          timeoutMs: 5_000,
        },
      )
      expect(other.snapshot().facts.mdns.lastResponseAt).toBeGreaterThan(0)
    },
    30_000,
  )

  test('mDNS disabled: reported as enabled false, available false', async () => {
    const node = await testNode({ mdns: false })
    await node.start()
    expect(node.snapshot().health.mdns).toEqual({ enabled: false, available: false })
  })
})
