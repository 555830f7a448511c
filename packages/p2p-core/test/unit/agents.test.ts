import { peerIdFromString } from '@libp2p/peer-id'
import { MAX_AGENT_LENGTH, PeerAgents } from '../../src/network/agents.js'

const A = peerIdFromString('12D3KooWDpJ7As7BWAwRMfu1VU2WCqNjvq387JEYKDBj4kx6nXTN')
const B = peerIdFromString('12D3KooWJWEKvSFbben74C7H4YtKjhPMTDxd7gP7zxWSUEeF27st')

describe('PeerAgents', () => {
  test('counts connected peers by their last announced agent and forgets a disconnected one', () => {
    const agents = new PeerAgents()
    agents.identified({ peerId: A, agentVersion: 'kubo/0.29.0' })
    agents.identified({ peerId: B, agentVersion: 'kubo/0.29.0' })
    expect(agents.count()).toEqual({ 'kubo/0.29.0': 2 })
    // a peer that identifies again moves to its new agent and is not counted twice
    agents.identified({ peerId: A, agentVersion: 'kubo/0.30.0' })
    agents.identified({ peerId: A, agentVersion: 'kubo/0.30.0' })
    expect(agents.count()).toEqual({ 'kubo/0.29.0': 1, 'kubo/0.30.0': 1 })
    agents.disconnected(B)
    expect(agents.count()).toEqual({ 'kubo/0.30.0': 1 })
    // a disconnect of a peer never seen, or seen twice, changes nothing
    agents.disconnected(B)
    expect(agents.count()).toEqual({ 'kubo/0.30.0': 1 })
    agents.reset()
    expect(agents.count()).toEqual({})
  })

  test("cuts long agents, and an agent named like an object's own property is just a key", () => {
    const agents = new PeerAgents()
    agents.identified({ peerId: A, agentVersion: 'x'.repeat(10_000) })
    agents.identified({ peerId: B, agentVersion: '__proto__' })
    const counts = agents.count()
    expect(counts['x'.repeat(MAX_AGENT_LENGTH)]).toBe(1)
    expect(Object.getOwnPropertyNames(counts)).toContain('__proto__')
    expect(Object.getPrototypeOf(counts)).toBe(Object.prototype)
  })

  test('a peer that announces no agent is not counted', () => {
    const agents = new PeerAgents()
    agents.identified({ peerId: A, agentVersion: 'kubo/0.29.0' })
    agents.identified({ peerId: A })
    expect(agents.count()).toEqual({})
  })

  test('a read returns the same frozen record until a peer comes, changes agent or goes', () => {
    const agents = new PeerAgents()
    agents.identified({ peerId: A, agentVersion: 'kubo/0.29.0' })
    const first = agents.count()
    expect(Object.isFrozen(first)).toBe(true)
    expect(agents.count()).toBe(first)
    // the same agent again is a change of nothing the record shows, but a new record is fine;
    // what matters is that every real change gives a new one
    agents.identified({ peerId: B, agentVersion: 'kubo/0.29.0' })
    const second = agents.count()
    expect(second).not.toBe(first)
    expect(second).toEqual({ 'kubo/0.29.0': 2 })
    expect(first).toEqual({ 'kubo/0.29.0': 1 })
    agents.disconnected(A)
    expect(agents.count()).not.toBe(second)
    expect(agents.count()).toEqual({ 'kubo/0.29.0': 1 })
    agents.reset()
    expect(agents.count()).toEqual({})
  })
})
