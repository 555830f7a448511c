import { describe, expect, test } from '@jest/globals'
import { growthMarkdown, growthTable, parseDevnetState, parseVector } from '../../src/b9-devnet.js'
import type { SizeResult } from '../../src/b9-devnet.js'

const node = (index: number, pid: number): Record<string, unknown> => ({
  index,
  name: `node-${index}`,
  peer_id: '12D3KooW',
  pid,
  listen_port: 29000 + index - 1,
  diagnostics_port: 29100 + index - 1,
  multiaddr: `/ip4/127.0.0.1/tcp/${29000 + index - 1}/p2p/12D3KooW`,
  diagnostics_url: `http://127.0.0.1:${29100 + index - 1}`,
  data_dir: `/tmp/d/node-${index}`,
  log_file: `/tmp/d/node-${index}/node.log`,
})

describe('parseDevnetState', () => {
  test('reads the pids, the diagnostics URLs and Prometheus of devnet.json', () => {
    const state = parseDevnetState(
      JSON.stringify({
        version: 1,
        dir: '/tmp/d',
        control_pid: 100,
        control_socket: '/tmp/d/control.sock',
        started_at: '2026-12-02T07:00:00Z',
        prometheus: { url: 'http://127.0.0.1:9090', pid: 101 },
        nodes: [node(1, 102), node(2, 103)],
      }),
    )
    expect(state).toEqual({
      controlPid: 100,
      prometheus: { url: 'http://127.0.0.1:9090', pid: 101 },
      nodes: [
        { index: 1, pid: 102, diagnosticsUrl: 'http://127.0.0.1:29100', diagnosticsPort: 29100 },
        { index: 2, pid: 103, diagnosticsUrl: 'http://127.0.0.1:29101', diagnosticsPort: 29101 },
      ],
    })
  })

  test('no Prometheus is null', () => {
    const state = parseDevnetState(
      JSON.stringify({ control_pid: 5, prometheus: null, nodes: [node(1, 6)] }),
    )
    expect(state.prometheus).toBeNull()
  })

  test('a stopped node (pid null), a missing nodes array or bad JSON throw, naming the field', () => {
    expect(() =>
      parseDevnetState(
        JSON.stringify({ control_pid: 5, prometheus: null, nodes: [{ ...node(1, 6), pid: null }] }),
      ),
    ).toThrow('nodes[0].pid is not a pid')
    expect(() => parseDevnetState(JSON.stringify({ control_pid: 5 }))).toThrow('no nodes array')
    expect(() => parseDevnetState(JSON.stringify({ control_pid: -1, nodes: [] }))).toThrow(
      'control_pid is not a pid',
    )
    expect(() => parseDevnetState('{')).toThrow(SyntaxError)
  })
})

describe('parseVector', () => {
  test('the samples of a vector answer, values as numbers', () => {
    const body = JSON.stringify({
      status: 'success',
      data: {
        resultType: 'vector',
        result: [
          {
            metric: { instance: '127.0.0.1:29100', job: 'wes-p2p' },
            value: [1700000000, '0.0125'],
          },
          { metric: { instance: '127.0.0.1:29101', job: 'wes-p2p' }, value: [1700000000, '0.02'] },
        ],
      },
    })
    expect(parseVector(body)).toEqual([
      { labels: { instance: '127.0.0.1:29100', job: 'wes-p2p' }, value: 0.0125 },
      { labels: { instance: '127.0.0.1:29101', job: 'wes-p2p' }, value: 0.02 },
    ])
  })

  test('an error answer or another result type throws with its message', () => {
    expect(() =>
      parseVector(JSON.stringify({ status: 'error', error: 'parse error at char 3' })),
    ).toThrow('prometheus: parse error at char 3')
    expect(() =>
      parseVector(
        JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: [] } }),
      ),
    ).toThrow('expected a vector, got matrix')
  })
})

const size = (nodes: number, rss: number, cpu: number, readyMs: number): SizeResult => ({
  nodes,
  tableMs: readyMs - 100,
  readyMs,
  nodesReady: nodes,
  notReady: [],
  nodeRssMiB: Array.from({ length: nodes }, () => rss),
  devnetRssMiB: 60,
  prometheusRssMiB: 100,
  nodeCpuPercent: Array.from({ length: nodes }, () => cpu),
  devnetCpuPercent: 1,
  prometheusCpuPercent: 2,
  node1Peers: nodes - 1,
  scrapeMs: Array.from({ length: nodes }, (_, i) => 10 + i),
  node1ScrapeMs: 10,
  loadAtReady: 4,
  loadAtEnd: 5,
})

describe('growthTable', () => {
  test('per-node figures, totals (nodes + the devnet process) and ratios to the first size', () => {
    const rows = growthTable([size(10, 140, 3, 20_000), size(50, 150, 4, 200_000)])
    expect(rows[0]).toEqual({
      nodes: 10,
      readyMs: 20_000,
      rssPerNodeMiB: 140,
      totalRssMiB: 1_460,
      cpuPerNodePercent: 3,
      totalCpuPercent: 31,
      scrapeMeanMs: 14.5,
      scrapeMaxMs: 19,
      growth: { nodes: 1, readyMs: 1, totalRssMiB: 1, totalCpuPercent: 1 },
    })
    const big = rows[1]
    expect(big?.totalRssMiB).toBe(50 * 150 + 60)
    expect(big?.growth.nodes).toBe(5)
    expect(big?.growth.readyMs).toBe(10)
    expect(big?.growth.totalRssMiB).toBeCloseTo(7_560 / 1_460, 10)
    expect(big?.growth.totalCpuPercent).toBeCloseTo(201 / 31, 10)
    expect(big?.scrapeMaxMs).toBe(59)
  })

  test('a size where some node never got a peer has no ready time and no ready growth', () => {
    const rows = growthTable([
      size(10, 140, 3, 20_000),
      { ...size(50, 150, 4, 0), readyMs: null, nodesReady: 45, notReady: ['node-12 0/0'] },
    ])
    expect(rows[1]?.readyMs).toBeNaN()
    expect(rows[1]?.growth.readyMs).toBeNaN()
    expect(rows[1]?.growth.nodes).toBe(5)
    expect(growthMarkdown(rows)).toContain('| 50 | n/a |')
  })

  test('no sizes is no rows; a size without scrapes has NaN scrape figures, shown as n/a', () => {
    expect(growthTable([])).toEqual([])
    const rows = growthTable([{ ...size(3, 100, 1, 5_000), scrapeMs: [] }])
    expect(rows[0]?.scrapeMeanMs).toBeNaN()
    const md = growthMarkdown(rows)
    expect(md.split('\n')).toHaveLength(3)
    expect(md).toContain(
      '| 3 | 5.0 | 100.0 | 360 | 1.00 | 4.0 | n/a / n/a | 1.0x, 1.00x, 1.00x, 1.00x |',
    )
  })
})
