import { cleanup, testNode, waitFor } from '../fixtures/nodes.js'
import type { Stream } from '@libp2p/interface'

afterEach(cleanup)

const PROTOCOL = '/wes-test/blob/1.0.0'
const SIZE = 1024 * 1024
const CHUNK = 16 * 1024

async function sendAll(stream: Stream, total: number): Promise<void> {
  const chunk = new Uint8Array(CHUNK).fill(0xab)
  for (let sent = 0; sent < total; sent += CHUNK) {
    if (!stream.send(chunk.subarray(0, Math.min(CHUNK, total - sent)))) {
      await stream.onDrain()
    }
  }
}

describe('bandwidth', () => {
  test('a 1 MiB stream shows in both nodes’ wire totals and rates', async () => {
    const a = await testNode()
    const b = await testNode()
    await Promise.all([a.start(), b.start()])

    let received = 0
    await a.libp2p.handle(PROTOCOL, async (stream) => {
      for await (const buf of stream) {
        received += buf.byteLength
      }
      // acknowledge with the byte count
      stream.send(new TextEncoder().encode(String(received)))
      await stream.close()
    })

    await b.libp2p.dial(a.libp2p.getMultiaddrs()[0] ?? a.libp2p.peerId)
    // let identify and friends settle so their bytes are mostly out of the measurement
    await waitFor(() => a.snapshot().connections === 1, 'the connection')
    const aBefore = a.bandwidth.totals()
    const bBefore = b.bandwidth.totals()

    const stream = await b.libp2p.dialProtocol(a.libp2p.peerId, PROTOCOL)
    await sendAll(stream, SIZE)
    await stream.close()
    let reply = ''
    for await (const buf of stream) {
      reply += new TextDecoder().decode(buf.subarray())
    }
    expect(Number(reply)).toBe(SIZE)
    expect(received).toBe(SIZE)

    const aAfter = a.snapshot().bandwidth
    const bAfter = b.snapshot().bandwidth
    const aIn = aAfter.inTotalBytes - aBefore.inTotalBytes
    const bOut = bAfter.outTotalBytes - bBefore.outTotalBytes
    console.log(
      `1 MiB (${SIZE} bytes) payload: receiver counted ${aIn} bytes in, sender ${bOut} bytes out ` +
        `(overhead ${((aIn / SIZE - 1) * 100).toFixed(2)}%); rates in ${Math.round(aAfter.inRateBytesPerSecond)} B/s, ` +
        `out ${Math.round(bAfter.outRateBytesPerSecond)} B/s`,
    )
    expect(aIn).toBeGreaterThanOrEqual(SIZE)
    expect(bOut).toBeGreaterThanOrEqual(SIZE)
    // noise + yamux framing is a few percent, not a multiple
    expect(aIn).toBeLessThan(SIZE * 1.1)
    expect(bOut).toBeLessThan(SIZE * 1.1)
    // the acknowledgement went the other way
    expect(aAfter.outTotalBytes).toBeGreaterThan(aBefore.outTotalBytes)
    expect(bAfter.inTotalBytes).toBeGreaterThan(bBefore.inTotalBytes)
    expect(aAfter.inRateBytesPerSecond).toBeGreaterThan(0)
    expect(bAfter.outRateBytesPerSecond).toBeGreaterThan(0)
  })
})
