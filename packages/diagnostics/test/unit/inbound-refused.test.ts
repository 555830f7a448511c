import { describe, expect, it } from '@jest/globals'
import { Registry } from 'prom-client'
import {
  createNetworkMetrics,
  healthVerdict,
  INBOUND_REFUSAL_REASONS,
  INBOUND_REFUSED_WINDOW_MS,
} from '../../src/index.js'
import type { DiagnosticsSnapshot, InboundRefusalFacts } from '../../src/index.js'
import { createStubSource, sampleSnapshot } from './stub-source.js'

const NOW = Date.parse('2026-03-01T12:00:00.000Z')
const THRESHOLDS = {
  minPeers: 3,
  bootstrapFailingMs: 60_000,
  mdnsSilentMs: 30_000,
  routingGraceMs: 60_000,
  readyMinPeers: 1,
}

function refusals(
  seen: Partial<Record<string, { count: number; lastAt: number | null }>>,
): InboundRefusalFacts {
  return {
    maxPending: 10,
    maxConnections: 300,
    reasons: Object.fromEntries(
      INBOUND_REFUSAL_REASONS.map((reason) => [reason, seen[reason] ?? { count: 0, lastAt: null }]),
    ),
  }
}

/** A healthy node (three peers, a routing table, mDNS off) with these refusals. */
function node(inboundRefused?: InboundRefusalFacts): DiagnosticsSnapshot {
  const sample = sampleSnapshot()
  return {
    ...sample,
    health: {
      ...sample.health,
      reachability: 'unknown',
      mdns: { enabled: false, available: false },
    },
    facts: {
      startedAt: NOW - 3_600_000,
      thresholds: THRESHOLDS,
      bootstrap: [],
      mdns: { state: 'off', failure: null, responses: 0, lastResponseAt: null },
      addresses: [],
      ...(inboundRefused !== undefined ? { inboundRefused } : {}),
    },
  }
}

const reasonOf = (snapshot: DiagnosticsSnapshot) =>
  healthVerdict(snapshot, THRESHOLDS, NOW).reasons.find((r) => r.code === 'inbound_refused')

describe('the inbound_refused verdict', () => {
  it('says nothing without refusals, without the facts, or when the last was longer ago than the window', () => {
    expect(reasonOf(node())).toBeUndefined()
    expect(reasonOf(node(refusals({})))).toBeUndefined()
    const old = { count: 40, lastAt: NOW - INBOUND_REFUSED_WINDOW_MS - 1 }
    expect(reasonOf(node(refusals({ pending_limit: old })))).toBeUndefined()
  })

  it('degrades a node that turned peers away at its pending-handshake limit, and names --max-inbound-pending', () => {
    const snapshot = node(refusals({ pending_limit: { count: 190, lastAt: NOW - 4_000 } }))
    expect(reasonOf(snapshot)).toEqual({
      code: 'inbound_refused',
      severity: 'degraded',
      message:
        'libp2p refused inbound connections before their handshake: pending_limit (190 since start), the last 4 s ago',
      hint: expect.stringContaining('--max-inbound-pending 64'),
    })
    expect(healthVerdict(snapshot, THRESHOLDS, NOW).status).toBe('degraded')
  })

  it('notes (info) refusals that are policy: one host over its rate', () => {
    const found = reasonOf(node(refusals({ rate_limit: { count: 3, lastAt: NOW - 60_000 } })))
    expect(found).toMatchObject({
      severity: 'info',
      hint: expect.stringContaining('5 connections'),
    })
  })

  it('names each active reason, and --max-connections for the connection limit', () => {
    const found = reasonOf(
      node(
        refusals({
          max_connections: { count: 2, lastAt: NOW - 1_000 },
          rate_limit: { count: 1, lastAt: NOW - 2_000 },
        }),
      ),
    )
    expect(found?.severity).toBe('degraded')
    expect(found?.message).toContain('rate_limit (1 since start), max_connections (2 since start)')
    expect(found?.hint).toContain('--max-connections')
  })
})

describe('p2p_inbound_refused_total', () => {
  it('has every reason at 0 from the start and counts what the node reports', async () => {
    const registry = new Registry()
    const { networkCallbacks } = createNetworkMetrics(registry, { source: createStubSource() })
    const read = async (): Promise<Record<string, number>> => {
      const metric = (await registry.getMetricsAsJSON()).find(
        (m) => m.name === 'p2p_inbound_refused_total',
      )
      return Object.fromEntries(
        (metric?.values ?? []).map((v) => [String(v.labels.reason), v.value]),
      )
    }
    expect(await read()).toEqual({ pending_limit: 0, rate_limit: 0, max_connections: 0, denied: 0 })
    networkCallbacks.onInboundRefused({ reason: 'pending_limit' })
    networkCallbacks.onInboundRefused({ reason: 'pending_limit' })
    networkCallbacks.onInboundRefused({ reason: '10.0.0.1' })
    expect(await read()).toEqual({ pending_limit: 2, rate_limit: 0, max_connections: 0, denied: 0 })
  })
})
