import { describe, expect, it } from '@jest/globals'
import { VIEWS } from '../../src/index.js'
import type { HealthResponse } from '../../src/index.js'
import { sampleSnapshot } from './stub-source.js'

const PEER = '12D3KooWPeerAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'
// a minute ago: the verdict judges at the time of the call
const STARTED = Math.floor(Date.now() / 1_000) * 1_000 - 60_000
const iso = (ms: number): string => new Date(ms).toISOString()

describe('the health view', () => {
  it('maps the facts: ISO times, snake_case keys, the verdict on top', () => {
    const { health } = sampleSnapshot()
    const body = VIEWS.health.fromSnapshot({
      ...sampleSnapshot({
        peerIds: [],
        health: { ...health, mdns: { enabled: true, available: true } },
      }),
      facts: {
        startedAt: STARTED,
        thresholds: {
          minPeers: 1,
          bootstrapFailingMs: 1_000,
          mdnsSilentMs: 60_000_000,
          routingGraceMs: 60_000,
          readyMinPeers: 1,
        },
        bootstrap: [
          {
            peerId: PEER,
            multiaddr: `/ip4/127.0.0.1/tcp/9/p2p/${PEER}`,
            connected: false,
            lastOutcome: 'failure',
            lastDialAt: STARTED + 5_000,
            errorClass: 'refused',
            error: 'Error: connect ECONNREFUSED 127.0.0.1:9',
            failingSince: STARTED + 10,
          },
        ],
        mdns: { state: 'up', failure: null, responses: 2, lastResponseAt: STARTED + 2_000 },
        addresses: [
          {
            multiaddr: '/ip4/127.0.0.1/tcp/28680/p2p/12D3KooWHost',
            reachable: true,
            verifiedAt: null,
            type: 'transport',
            scope: 'private',
          },
          {
            multiaddr: '/ip4/6.0.0.1/tcp/28680/p2p/12D3KooWHost',
            reachable: false,
            verifiedAt: STARTED + 3_000,
            type: 'ip-mapping',
            scope: 'public',
          },
        ],
      },
    })
    expect(body).toMatchObject({
      status: 'down',
      reasons: [
        { code: 'no_peers' },
        { code: 'bootstrap_unreachable' },
        // the sample is private with a relay reservation
        { code: 'reachable_via_relay', severity: 'info' },
      ],
      mdns: {
        enabled: true,
        available: true,
        responses: 2,
        last_response_at: iso(STARTED + 2_000),
      },
      addresses: [
        { reachable: true, verified_at: null, type: 'transport', scope: 'private' },
        { reachable: false, verified_at: iso(STARTED + 3_000), scope: 'public' },
      ],
      bootstrap_peers: [
        {
          peer_id: PEER,
          multiaddr: `/ip4/127.0.0.1/tcp/9/p2p/${PEER}`,
          connected: false,
          last_outcome: 'failure',
          last_dial_at: iso(STARTED + 5_000),
          error_class: 'refused',
          error: 'Error: connect ECONNREFUSED 127.0.0.1:9',
          failing_since: iso(STARTED + 10),
        },
      ],
      started_at: iso(STARTED),
    })
    expect(VIEWS.health.unhealthy?.(body)).toBe('no connected peers (and 1 more reason)')
  })

  it('prints the status, then each reason with its hint, the rest, addresses and bootstrap peers', () => {
    const body: HealthResponse = {
      status: 'degraded',
      reasons: [
        {
          code: 'below_min_peers',
          severity: 'degraded',
          message: '1 peer connected, fewer than the minimum of 3 (discovery.minPeers)',
          hint: 'add bootstrap peers',
        },
      ],
      host_id: '12D3KooWHost',
      num_peers: 1,
      num_conns: 1,
      reachability: 'unknown',
      autoNAT_status: 'unknown',
      relay_stats: { enabled: true, server: false, reservations: 0 },
      mdns: { enabled: false, available: false, responses: 0, last_response_at: null },
      addresses: [
        {
          multiaddr: '/ip4/127.0.0.1/tcp/28680/p2p/12D3KooWHost',
          reachable: true,
          verified_at: null,
          type: 'transport',
          scope: 'private',
        },
      ],
      bootstrap_peers: [],
      started_at: '2026-03-01T12:00:00.000Z',
    }
    expect(VIEWS.health.render(body).split('\n')).toEqual([
      'status                    degraded',
      'reasons',
      '  below_min_peers (degraded): 1 peer connected, fewer than the minimum of 3 (discovery.minPeers)',
      '    hint: add bootstrap peers',
      'host_id                   12D3KooWHost',
      'num_peers                 1',
      'num_conns                 1',
      'reachability              unknown',
      'autoNAT_status            unknown',
      'relay_stats.enabled       true',
      'relay_stats.server        false',
      'relay_stats.reservations  0',
      'mdns.enabled              false',
      'mdns.available            false',
      'mdns.responses            0',
      'mdns.last_response_at     -',
      'started_at                2026-03-01T12:00:00.000Z',
      'addresses',
      '  /ip4/127.0.0.1/tcp/28680/p2p/12D3KooWHost  private, reachable',
      'bootstrap_peers',
      '  (none)',
    ])
    expect(VIEWS.health.unhealthy?.(body)).toBe(
      '1 peer connected, fewer than the minimum of 3 (discovery.minPeers) (degraded)',
    )
    expect(VIEWS.health.unhealthy?.({ ...body, status: 'ok', reasons: [] })).toBeUndefined()
  })
  it('adds nat, hole_punch and inbound_refused when the source tracks them; the table gives the refusals one row', () => {
    const snapshot = sampleSnapshot()
    const base = {
      startedAt: STARTED,
      thresholds: {
        minPeers: 1,
        bootstrapFailingMs: 60_000,
        mdnsSilentMs: 60_000,
        routingGraceMs: 60_000,
        readyMinPeers: 1,
      },
      bootstrap: [],
      mdns: { state: 'up' as const, failure: null, responses: 1, lastResponseAt: STARTED },
      addresses: [],
    }
    const plain = VIEWS.health.fromSnapshot({ ...snapshot, facts: base })
    expect(plain).not.toHaveProperty('nat')
    expect(plain).not.toHaveProperty('inbound_refused')

    const body = VIEWS.health.fromSnapshot({
      ...snapshot,
      facts: {
        ...base,
        nat: { behindNat: true, externalIps: ['6.0.0.201'], observedBy: 2, since: STARTED },
        holePunch: {
          enabled: true,
          attempts: 1,
          successes: 0,
          failures: 1,
          pending: 0,
          last: {
            seq: 1,
            peerId: PEER,
            outcome: 'failure',
            cause: 'no_public_address',
            at: STARTED + 30_000,
            durationMs: 30_000,
            address: null,
          },
          recent: [],
        },
        inboundRefused: {
          maxPending: 10,
          maxConnections: 300,
          reasons: {
            pending_limit: { count: 190, lastAt: STARTED + 1_000 },
            rate_limit: { count: 0, lastAt: null },
            max_connections: { count: 0, lastAt: null },
            denied: { count: 0, lastAt: null },
          },
        },
      },
    })
    expect(body.nat).toEqual({
      behind_nat: true,
      external_ips: ['6.0.0.201'],
      observed_by: 2,
      since: iso(STARTED),
    })
    expect(body.hole_punch?.last).toEqual({
      peer_id: PEER,
      outcome: 'failure',
      cause: 'no_public_address',
      at: iso(STARTED + 30_000),
      duration_ms: 30_000,
      address: null,
    })
    expect(body.inbound_refused).toEqual({
      max_pending: 10,
      max_connections: 300,
      reasons: {
        pending_limit: { count: 190, last_at: iso(STARTED + 1_000) },
        rate_limit: { count: 0, last_at: null },
        max_connections: { count: 0, last_at: null },
        denied: { count: 0, last_at: null },
      },
    })
    const table = VIEWS.health.render(body)
    expect(table).toMatch(/^nat\.external_ips +6\.0\.0\.201$/m)
    expect(table).toMatch(/^hole_punch\.last\.cause +no_public_address$/m)
    expect(table).toMatch(
      /^inbound_refused +pending_limit 190, rate_limit 0, max_connections 0, denied 0 \(limits: 10 pending, 300 connections\)$/m,
    )
  })
})
