/**
 * Many hosts on the lab: two lab hosts, each with two `wes-node start` processes and its own
 * Prometheus (external label `host`), and a third host whose global Prometheus federates both
 * with the shipped federation.yml (targets pointed at the two hosts, intervals of a second) and
 * the shipped alerts.yml (every `for:` divided by 10). Cutting one host off the global's network
 * fires P2PHostUnreachable for that host only; the other host's series keep arriving.
 */

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { httpGet, publicNetwork, startLab, startLabNode, WES_NODE_BIN } from '../../src/index.js'
import { labTest, waitFor } from '../fixtures/lab.js'
import type { Lab, LabNode, LabProcess } from '../../src/index.js'

const it = labTest('lab fleet (federation) test')
const MONITORING = fileURLToPath(
  new URL('../../../../packages/diagnostics/monitoring/', import.meta.url),
)
const FORWARDER = fileURLToPath(new URL('../../dist/forwarder.js', import.meta.url))
const PROMETHEUS_PORT = 9090
/** The two hosts with nodes, their `host` labels, and the global Prometheus's host. */
const SITES = [
  { host: 'node1', label: 'lab-a' },
  { host: 'node2', label: 'lab-b' },
] as const
const GLOBAL = 'node3'
const FLAGS = ['--dht-mode', 'server', '--no-mdns', '--log-level', 'warn']

let lab: Lab | undefined
afterEach(async () => {
  await lab?.stop()
  lab = undefined
})

interface Sample {
  metric: Record<string, string>
  value: [number, string]
}

/** A Go duration of alerts.yml (`30s`, `5m`, `1h`) in seconds. */
function seconds(duration: string): number {
  const units: Record<string, number> = { s: 1, m: 60, h: 3600 }
  let total = 0
  for (const [, n, unit] of duration.matchAll(/(\d+)([smh])/g))
    total += Number(n) * (units[unit ?? 's'] ?? 1)
  return total
}

/** The shipped alerts.yml with every `for:` divided by 10 (at least 2 s): 1m becomes 6 s. */
function shortRules(): string {
  return readFileSync(join(MONITORING, 'alerts.yml'), 'utf8').replace(
    /^(\s+for:\s*)(\S+)\s*$/gm,
    (_line, key: string, duration: string) =>
      `${key}${Math.max(2, Math.round(seconds(duration) / 10))}s`,
  )
}

/** Starts Prometheus in `host` on `config` (and the rules), listening on all its addresses. */
function startPrometheus(running: Lab, host: string, config: string): LabProcess {
  const dir = join(running.dir, host, 'prometheus')
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, 'prometheus.yml'), config)
  writeFileSync(join(dir, 'alerts.yml'), shortRules())
  return running.spawn(host, 'prometheus', [
    `--config.file=${join(dir, 'prometheus.yml')}`,
    `--storage.tsdb.path=${join(dir, 'data')}`,
    `--web.listen-address=0.0.0.0:${PROMETHEUS_PORT}`,
    '--log.level=warn',
  ])
}

/** One host's Prometheus: its two nodes on its own loopback, its `host` external label. */
function hostConfig(label: string): string {
  return [
    'global:',
    '  scrape_interval: 1s',
    '  evaluation_interval: 1s',
    `  external_labels: { host: ${label} }`,
    'rule_files: [alerts.yml]',
    'scrape_configs:',
    "  - job_name: 'wes-p2p'",
    '    scrape_interval: 1s',
    '    scrape_timeout: 1s',
    "    static_configs: [{ targets: ['127.0.0.1:28686', '127.0.0.1:28687'] }]",
    '',
  ].join('\n')
}

/** The shipped federation.yml: its targets the two hosts' addresses, scraped every 2 s. */
function globalConfig(running: Lab): string {
  const shipped = readFileSync(join(MONITORING, 'federation.yml'), 'utf8')
  const config = shipped
    .replace('prometheus-a.example:9090', `${running.address('node1')}:${PROMETHEUS_PORT}`)
    .replace('prometheus-b.example:9090', `${running.address('node2')}:${PROMETHEUS_PORT}`)
    .replace(/^(\s*evaluation_interval:\s*)\S+$/gm, '$11s')
    .replace(/^(\s*(?:scrape_interval|scrape_timeout):\s*)\S+$/gm, '$12s')
  expect(config).toContain(`targets: ['${running.address('node2')}:${PROMETHEUS_PORT}']`)
  expect(config).not.toMatch(/scrape_interval: 15s/)
  return config
}

/** The second node of a host: its own ports and data directory, the first as bootstrap peer. */
async function startSecondNode(running: Lab, first: LabNode): Promise<LabProcess> {
  const dataDir = join(running.dir, first.host, 'data2')
  mkdirSync(dataDir, { recursive: true })
  const child = running.spawn(first.host, process.execPath, [
    WES_NODE_BIN,
    'start',
    '--data-dir',
    dataDir,
    '--diagnostics-addr',
    '127.0.0.1:28687',
    '--listen',
    '/ip4/0.0.0.0/tcp/4002',
    '--bootstrap',
    first.multiaddr(4001),
    ...FLAGS,
  ])
  await child.waitFor(/diagnostics: http:\/\//, 30_000)
  return child
}

describe('federation of two lab hosts', () => {
  it('cutting one host off fires P2PHostUnreachable for that host only', async () => {
    lab = await startLab(publicNetwork(3))
    const running = lab
    for (const { host, label } of SITES) {
      const first = await startLabNode(running, host, {
        args: ['--listen', '/ip4/0.0.0.0/tcp/4001', ...FLAGS],
      })
      await startSecondNode(running, first)
      startPrometheus(running, host, hostConfig(label))
    }
    startPrometheus(running, GLOBAL, globalConfig(running))
    // the global Prometheus, reached from here through a Unix socket into its host
    const socket = join(running.dir, 'global-prometheus.sock')
    const forwarder = running.spawn(GLOBAL, process.execPath, [
      FORWARDER,
      socket,
      '127.0.0.1',
      String(PROMETHEUS_PORT),
    ])
    await forwarder.waitFor(/ready/, 10_000)
    const query = async (expr: string): Promise<Sample[]> => {
      const answer = await httpGet(socket, `/api/v1/query?query=${encodeURIComponent(expr)}`)
      if (answer.status !== 200) return []
      return (JSON.parse(answer.body) as { data: { result: Sample[] } }).data.result
    }
    const labels = (result: Sample[], name: string): string[] =>
      result.map((s) => s.metric[name] ?? '').sort()
    let last: Sample[] = []
    const seen = async (expr: string, done: (r: Sample[]) => boolean): Promise<boolean> => {
      last = await query(expr).catch(() => [])
      return done(last)
    }

    // every node of both hosts, federated with its host label, and both federations up
    await waitFor(
      () => seen('up{job="wes-p2p"} == 1', (r) => r.length === 4),
      'four federated nodes up',
      120_000,
    ).catch((error: Error) => {
      throw new Error(`${error.message}; last: ${JSON.stringify(last)}`)
    })
    expect(labels(last, 'host')).toEqual(['lab-a', 'lab-a', 'lab-b', 'lab-b'])
    await waitFor(
      () => seen('up{job="wes-federate"} == 1', (r) => r.length === 2),
      'both federation targets up',
      60_000,
    )
    expect(labels(last, 'host')).toEqual(['lab-a', 'lab-b'])

    // host A loses the global Prometheus (and only it: its nodes keep each other and host B)
    const cut = running.partition(['node1'], [GLOBAL])
    await waitFor(
      () =>
        seen('ALERTS{alertname="P2PHostUnreachable", alertstate="firing"}', (r) => r.length > 0),
      'P2PHostUnreachable firing',
      120_000,
    ).catch((error: Error) => {
      throw new Error(`${error.message}; last: ${JSON.stringify(last)}`)
    })
    expect(last.map((s) => ({ host: s.metric.host, severity: s.metric.severity }))).toEqual([
      { host: 'lab-a', severity: 'critical' },
    ])
    expect(last[0]?.metric.instance).toBe(`${running.address('node1')}:${PROMETHEUS_PORT}`)
    // host A's federated series stop advancing (federated samples carry their own timestamps,
    // which Prometheus never marks stale: they keep their last value for the 5m lookback);
    // host B's still arrive every second, and nothing fires for host B
    const age = 'time() - timestamp(up{job="wes-p2p"})'
    await waitFor(
      () => seen(`${age} > 20`, (r) => r.length === 2),
      "host A's federated series standing still",
      60_000,
    )
    expect(labels(last, 'host')).toEqual(['lab-a', 'lab-a'])
    await waitFor(
      () => seen(`${age} < 10`, (r) => r.length === 2),
      "host B's federated series fresh",
      30_000,
    )
    expect(labels(last, 'host')).toEqual(['lab-b', 'lab-b'])
    const firing = await query('ALERTS{alertstate="firing"}')
    expect(firing.filter((s) => s.metric.host === 'lab-b')).toEqual([])
    expect(labels(firing, 'alertname').filter((name) => name === 'P2PHostUnreachable')).toEqual([
      'P2PHostUnreachable',
    ])

    // healed: the federation comes back and the alert resolves
    cut.heal()
    await waitFor(
      () => seen('up{job="wes-p2p"} == 1', (r) => r.length === 4),
      'four federated nodes up again',
      120_000,
    )
    await waitFor(
      () => seen('ALERTS{alertname="P2PHostUnreachable"}', (r) => r.length === 0),
      'P2PHostUnreachable resolved',
      60_000,
    )
  }, 420_000)
})
