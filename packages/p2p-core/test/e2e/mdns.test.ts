import { cleanup, testNode, waitFor } from '../fixtures/nodes.js'
import { mdnsIsolation } from '@wes/config/multicast'
import type { P2PNode } from '../../src/index.js'

afterEach(cleanup)

// mDNS only where its multicast cannot leave the machine: a namespace of its own
const isolation = await mdnsIsolation()
if (!isolation.ok) console.warn(`mDNS e2e SKIPPED: ${isolation.reason}`)
const mdnsTest = isolation.ok ? test : test.skip

interface MdnsRecord {
  found: Set<string>
  connected: string[]
  failed: string[]
}

function record(node: P2PNode): MdnsRecord {
  const recorded: MdnsRecord = { found: new Set(), connected: [], failed: [] }
  node.discovery.setDiagnosticsCallbacks({
    onMdnsPeerFound: (peerId) => recorded.found.add(peerId),
    onMdnsConnectSuccess: (peerId) => recorded.connected.push(peerId),
    onMdnsConnectFail: (peerId) => recorded.failed.push(peerId),
  })
  return recorded
}

describe('mDNS', () => {
  mdnsTest(
    'two nodes find each other and connect; callbacks move, never for self',
    async () => {
      const a = await testNode({ mdns: true })
      const b = await testNode({ mdns: true })
      const recordedA = record(a)
      const recordedB = record(b)
      await a.start()
      expect(a.snapshot().health.mdns).toEqual({ enabled: true, available: true })
      await b.start()

      // B queries at start and A answers: B finds A at once. A finds B on its next query (10 s).
      await waitFor(() => recordedB.found.has(a.peerId), 'B to find A', { timeoutMs: 5_000 })
      await waitFor(() => recordedB.connected.includes(a.peerId), 'B to connect to A', {
        timeoutMs: 5_000,
      })
      expect(b.snapshot().peerIds).toContain(a.peerId)
      await waitFor(() => recordedA.found.has(b.peerId), 'A to find B', { timeoutMs: 15_000 })

      expect(recordedA.found.has(a.peerId)).toBe(false)
      expect(recordedB.found.has(b.peerId)).toBe(false)
      expect(recordedB.failed).not.toContain(a.peerId)
      expect(b.discovery.stats().mdnsConnectSuccesses).toBeGreaterThanOrEqual(1)
      // A was already connected to B when it found it, so it did not dial
      expect(recordedA.failed).not.toContain(b.peerId)
    },
    30_000,
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
