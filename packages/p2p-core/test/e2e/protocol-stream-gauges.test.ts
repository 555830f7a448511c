import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { tcp } from '@libp2p/tcp'
import { createLibp2p } from 'libp2p'
import type { Libp2p, Metrics, Stream } from '@libp2p/interface'
import { createBandwidthMeter } from '../../src/bandwidth-meter.js'
import { PROTOCOL_STREAMS_P90, PROTOCOL_STREAMS_TOTAL } from '../../src/protocol-stream-gauges.js'
import { wireMetrics } from '../../src/wire-metrics.js'
import type { MetricsComponents } from '../../src/wire-metrics.js'
import { waitFor } from '../fixtures/nodes.js'

const HOLD = '/wes/test/hold/1.0.0'
const OTHER = '/wes/test/other/1.0.0'
const NAMES = [PROTOCOL_STREAMS_TOTAL, PROTOCOL_STREAMS_P90]

type Calculation = () => Record<string, number>

const started: Libp2p[] = []
afterEach(async () => {
  await Promise.all(started.splice(0).map(async (n) => n.stop()))
})

/**
 * A node whose metric groups are recorded twice: as libp2p registers them (its own calculation)
 * and as the wire metrics forward them to the delegate (ours).
 */
async function recordedNode(): Promise<{
  libp2p: Libp2p
  libp2ps: Map<string, Calculation>
  ours: Map<string, Calculation>
}> {
  const libp2ps = new Map<string, Calculation>()
  const ours = new Map<string, Calculation>()
  const ignore = (): void => {}
  const handle = { update: ignore, increment: ignore, decrement: ignore, reset: ignore }
  const timedHandle = { ...handle, observe: ignore, timer: () => ignore }
  const recordInto =
    (into: Map<string, Calculation>) =>
    (name: string, options?: { calculate?: Calculation }): typeof timedHandle | undefined => {
      if (options?.calculate === undefined) return timedHandle
      into.set(name, options.calculate)
      return undefined
    }
  const noop = (): typeof timedHandle => timedHandle
  const delegate = {
    trackMultiaddrConnection: ignore,
    trackProtocolStream: ignore,
    registerMetric: noop,
    registerMetricGroup: recordInto(ours),
    registerCounter: noop,
    registerCounterGroup: noop,
    registerHistogram: noop,
    registerHistogramGroup: noop,
    registerSummary: noop,
    registerSummaryGroup: noop,
  } as unknown as Metrics
  const libp2p = await createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    metrics: (components: MetricsComponents) => {
      const metrics = wireMetrics(createBandwidthMeter(), () => delegate)(components)
      const register = metrics.registerMetricGroup.bind(metrics) as (
        name: string,
        options?: object,
      ) => unknown
      metrics.registerMetricGroup = ((name: string, options?: { calculate?: Calculation }) => {
        if (options?.calculate !== undefined) libp2ps.set(name, options.calculate)
        return register(name, options)
      }) as Metrics['registerMetricGroup']
      return metrics
    },
  })
  started.push(libp2p)
  return { libp2p, libp2ps, ours }
}

async function peer(): Promise<Libp2p> {
  const libp2p = await createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
  })
  started.push(libp2p)
  return libp2p
}

/** Handlers of `HOLD` and `OTHER` that keep a stream open until its dialler closes it. */
async function holdStreams(node: Libp2p): Promise<void> {
  const hold = async (stream: Stream): Promise<void> => {
    for await (const chunk of stream) void chunk
    await stream.close()
  }
  for (const protocol of [HOLD, OTHER]) {
    await node.handle(protocol, hold, { maxInboundStreams: 64 })
  }
}

describe('the protocol stream gauges', () => {
  test("give libp2p's numbers for the same connections, as streams open and close", async () => {
    const { libp2p: node, libp2ps, ours } = await recordedNode()
    await holdStreams(node)
    const peers = await Promise.all([0, 1, 2, 3].map(async () => peer()))
    for (const p of peers) await holdStreams(p)
    expect([...libp2ps.keys()]).toEqual(expect.arrayContaining(NAMES))

    const compare = (): Record<string, Record<string, number>> => {
      const theirs = Object.fromEntries(NAMES.map((name) => [name, libp2ps.get(name)?.()]))
      expect(Object.fromEntries(NAMES.map((name) => [name, ours.get(name)?.()]))).toEqual(theirs)
      return theirs as Record<string, Record<string, number>>
    }
    expect(compare()).toEqual({ [PROTOCOL_STREAMS_TOTAL]: {}, [PROTOCOL_STREAMS_P90]: {} })

    // outbound: 1, 2, 3 and 7 HOLD streams on the four connections, 2 OTHER on the last;
    // inbound: 3 HOLD streams from the first peer
    const streams: Stream[] = []
    for (const [i, p] of peers.entries()) {
      const address = p.getMultiaddrs()[0]
      if (address === undefined) throw new Error('a peer listens on nothing')
      for (let n = 0; n < [1, 2, 3, 7][i]!; n++)
        streams.push(await node.dialProtocol(address, HOLD))
    }
    const last = peers[3]!.peerId
    for (let n = 0; n < 2; n++) streams.push(await node.dialProtocol(last, OTHER))
    for (let n = 0; n < 3; n++) streams.push(await peers[0]!.dialProtocol(node.peerId, HOLD))
    await waitFor(
      () => node.getConnections().reduce((sum, c) => sum + c.streams.length, 0) === 18,
      'the node sees all 18 streams',
    )
    expect(compare()).toEqual({
      [PROTOCOL_STREAMS_TOTAL]: {
        [`outbound ${HOLD}`]: 13,
        [`outbound ${OTHER}`]: 2,
        [`inbound ${HOLD}`]: 3,
      },
      // HOLD counts 1, 2, 3, 7: floor(4 * 0.9) = 3rd of the sorted counts
      [PROTOCOL_STREAMS_P90]: {
        [`outbound ${HOLD}`]: 7,
        [`outbound ${OTHER}`]: 2,
        [`inbound ${HOLD}`]: 3,
      },
    })
    // the same scrape twice gives the same numbers (the walk is shared, not added up)
    expect(compare()).toEqual(compare())

    // close the seven: libp2p keeps reporting what it sees, and so must we
    for (const stream of streams.slice(6, 13)) await stream.close()
    await waitFor(
      () => node.getConnections().reduce((sum, c) => sum + c.streams.length, 0) === 11,
      'the node sees 11 streams',
    )
    await new Promise((resolve) => setTimeout(resolve, 0))
    const after = compare()
    expect(after[PROTOCOL_STREAMS_TOTAL]?.[`outbound ${HOLD}`]).toBe(6)
    expect(after[PROTOCOL_STREAMS_P90]?.[`outbound ${HOLD}`]).toBe(3)
  }, 30_000)
})
