/**
 * B1's baseline is bare libp2p with the services wes-node runs, so that the pairs it compares
 * differ by the monitoring alone. That holds only while the two speak the same protocols: when
 * wes-node's composition (packages/p2p-core's `compose.ts`) gains or loses a service, this test
 * fails until `createBareNode({ services: 'wes-node' })` follows.
 */

import { afterEach, expect, test } from '@jest/globals'
import { createBareNode } from '../../src/lib/nodes.js'
import type { BareNode } from '../../src/lib/nodes.js'
import { createSubjectRuntime } from '../../src/lib/subject.js'
import { TempDirs } from '../../src/lib/util.js'
import type { Runtime } from 'wes-node'

const dirs = new TempDirs()
let runtime: Runtime | undefined
let bare: BareNode | undefined

afterEach(async () => {
  await runtime?.stop()
  runtime = undefined
  await bare?.stop()
  bare = undefined
  await dirs.removeAll()
})

test("bare libp2p with wes-node's services speaks the protocols wes-node start does", async () => {
  runtime = await createSubjectRuntime(await dirs.make())
  await runtime.start()
  bare = await createBareNode({ services: 'wes-node' })
  await bare.start()
  // the services by name: wes-node's `connectionMonitor` stands in for libp2p's built-in one,
  // which the bare node keeps
  const services = (node: { services: object }): string[] =>
    Object.keys(node.services)
      .filter((name) => name !== 'connectionMonitor')
      .sort()
  expect(services(bare)).toEqual(services(runtime.node.libp2p))
  // kad-dht on the same protocol (it handles it only once it serves, so it is read here)
  const dhtProtocol = (node: { services: object }): unknown =>
    (node.services as { dht?: { protocol?: unknown } }).dht?.protocol
  expect(dhtProtocol(runtime.node.libp2p)).toBe('/wes/kad/1.0.0')
  expect(dhtProtocol(bare)).toBe(dhtProtocol(runtime.node.libp2p))
  const ours = [...runtime.node.libp2p.getProtocols()].sort()
  const theirs = [...bare.getProtocols()].sort()
  // the services that make the difference are there, not only the minimal node's
  expect(ours).toEqual(
    expect.arrayContaining([
      '/libp2p/dcutr',
      '/libp2p/circuit/relay/0.2.0/stop',
      '/ipfs/id/1.0.0',
      '/ipfs/ping/1.0.0',
    ]),
  )
  expect(ours.some((p) => p.includes('autonat'))).toBe(true)
  expect(theirs).toEqual(ours)
})

test('a minimal bare node runs none of them', async () => {
  bare = await createBareNode()
  await bare.start()
  expect(Object.keys(bare.services).sort()).toEqual(['identify', 'ping'])
  const protocols = bare.getProtocols()
  expect(protocols).not.toContain('/libp2p/dcutr')
  expect(protocols.some((p) => p.includes('autonat'))).toBe(false)
})
