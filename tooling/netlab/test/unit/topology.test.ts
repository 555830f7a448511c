import { inSubnet, parseCidr, publicNetwork, validateTopology } from '../../src/index.js'
import type { Topology } from '../../src/index.js'

describe('topologies as data', () => {
  test('CIDR parsing and subnet membership', () => {
    expect(parseCidr('6.0.0.1/24')).toEqual({ address: '6.0.0.1', prefix: 24 })
    expect(parseCidr('6.0.0.256/24')).toBeUndefined()
    expect(parseCidr('6.0.0.1/33')).toBeUndefined()
    expect(parseCidr('6.0.0.1')).toBeUndefined()
    expect(inSubnet('6.0.0.200', '6.0.0.0/24')).toBe(true)
    expect(inSubnet('6.0.1.1', '6.0.0.0/24')).toBe(false)
    expect(inSubnet('10.1.2.3', '10.0.0.0/8')).toBe(true)
  })

  test('the public network is valid and addresses its hosts in order', () => {
    const topology = publicNetwork(3)
    expect(() => validateTopology(topology)).not.toThrow()
    expect(topology.hosts.map((h) => h.interfaces[0]!.address)).toEqual([
      '6.0.0.1/24',
      '6.0.0.2/24',
      '6.0.0.3/24',
    ])
  })

  test.each<[string, (t: Topology) => void, RegExp]>([
    [
      'an unknown segment',
      (t) => (t.hosts[0]!.interfaces[0]!.segment = 'lan'),
      /unknown segment "lan"/,
    ],
    [
      'an address outside its segment',
      (t) => (t.hosts[0]!.interfaces[0]!.address = '7.0.0.1/24'),
      /outside 6\.0\.0\.0\/24/,
    ],
    [
      'an address used twice',
      (t) => (t.hosts[1]!.interfaces[0]!.address = '6.0.0.1/24'),
      /used twice/,
    ],
    ['a bad host name', (t) => (t.hosts[0]!.name = 'Node One'), /host name "Node One"/],
    ['the reserved host name', (t) => (t.hosts[0]!.name = 'switch'), /lab's own/],
    ['a duplicate host', (t) => (t.hosts[1]!.name = 'node1'), /declared twice/],
    ['a gateway off its segments', (t) => (t.hosts[0]!.gateway = '7.0.0.1'), /gateway 7\.0\.0\.1/],
    ['a bad subnet', (t) => (t.segments[0]!.subnet = '6.0.0.0'), /not a\.b\.c\.d\/n/],
  ])('%s is refused before anything is created', (_what, change, message) => {
    const topology = publicNetwork(2)
    change(topology)
    expect(() => validateTopology(topology)).toThrow(message)
  })
})
