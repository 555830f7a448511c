/**
 * The shipped alerting path end to end, each piece the real program: three `wes-node start`
 * nodes, a real Prometheus (scrape and evaluation every second) loading the shipped alerts.yml
 * with every `for:` divided by 20, a real Alertmanager on the shipped alertmanager.yml (only the
 * webhook address and the group waits changed), and a webhook receiver in this test. A node
 * stopped gives a firing notification naming it, restarted a resolved one; all nodes stopped
 * give P2PFleetDown, and Alertmanager mutes the per-node alerts under it.
 */
import { readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { freePort, spawnCli, tempDir } from '../fixtures/cli.js'
import { until } from '../fixtures/runtime.js'
import type { CliProcess } from '../fixtures/cli.js'
import {
  MONITORING,
  requireBinaries,
  shippedRulesWithShortFor,
  startAlertmanager,
  startPrometheus,
  startWebhookReceiver,
} from '../fixtures/monitoring.js'
import type {
  AlertmanagerServer,
  Notification,
  QueryServer,
  WebhookReceiver,
} from '../fixtures/monitoring.js'

/** A node with a fixed diagnostics port and data directory, so a restart is the same target. */
interface Node {
  name: string
  dir: string
  diagAddr: string
  args: string[]
  cli?: CliProcess
  listen?: string
}

const nodes: Node[] = []
let prometheus: QueryServer | undefined
let alertmanager: AlertmanagerServer | undefined
let receiver: WebhookReceiver | undefined

async function start(node: Node): Promise<void> {
  node.cli = spawnCli(['start', ...node.args])
  const [, listen] = await node.cli.waitFor(/^listening on: (\S+)$/m, 30_000)
  await node.cli.waitFor(/^diagnostics: http:\/\/(\S+)$/m, 30_000)
  node.listen = listen
}

async function stop(node: Node): Promise<void> {
  expect(await node.cli?.stop('SIGTERM', 15_000)).toBe(0)
}

async function newNode(name: string, extra: string[] = []): Promise<Node> {
  const dir = await tempDir(`wes-am-${name}-`)
  const diagAddr = `127.0.0.1:${await freePort()}`
  const node: Node = {
    name,
    dir,
    diagAddr,
    args: [
      '--data-dir',
      dir,
      '--listen',
      '/ip4/127.0.0.1/tcp/0',
      '--diagnostics-addr',
      diagAddr,
      '--no-mdns',
      '--dht-mode',
      'server',
      '--log-level',
      'warn',
      ...extra,
    ],
  }
  nodes.push(node)
  await start(node)
  return node
}

/** The alerts of one notification with this name (and instance, when given). */
function alertsIn(
  n: Notification,
  alertname: string,
  instance?: string,
): Notification['body']['alerts'] {
  return n.body.alerts.filter(
    (a) =>
      a.labels.alertname === alertname &&
      (instance === undefined || a.labels.instance === instance),
  )
}

beforeAll(async () => {
  await requireBinaries(['prometheus', 'prometheus-alertmanager'])
  receiver = await startWebhookReceiver()
  // the shipped routing, inhibition and receivers; the webhooks go to this test, and groups are
  // flushed after a second instead of 10 s / 5 min
  const shipped = await readFile(join(MONITORING, 'alertmanager.yml'), 'utf8')
  const config = shipped
    .replaceAll('http://127.0.0.1:5001', `http://${receiver.addr}`)
    .replace(/^(\s+group_wait:\s*)\S+$/gm, '$11s')
    .replace(/^(\s+group_interval:\s*)\S+$/gm, '$11s')
  expect(config).not.toBe(shipped)
  alertmanager = await startAlertmanager(config)

  const a = await newNode('a')
  await newNode('b', ['--bootstrap', a.listen ?? ''])
  await newNode('c', ['--bootstrap', a.listen ?? ''])

  prometheus = await startPrometheus({
    files: { 'alerts.yml': await shippedRulesWithShortFor(20) },
    args: ['--rules.alert.resend-delay=1s'],
    config: [
      'global:',
      '  scrape_interval: 1s',
      '  evaluation_interval: 1s',
      'rule_files: [alerts.yml]',
      'alerting:',
      '  alertmanagers:',
      `    - static_configs: [{ targets: ['${alertmanager.addr}'] }]`,
      'scrape_configs:',
      "  - job_name: 'wes-p2p'",
      '    scrape_interval: 1s',
      '    scrape_timeout: 1s',
      '    static_configs:',
      `      - targets: [${nodes.map((n) => `'${n.diagAddr}'`).join(', ')}]`,
      '',
    ].join('\n'),
  })
  // every node scraped, and Prometheus has found the Alertmanager
  await prometheus.queryUntil('up{job="wes-p2p"} == 1', (r) => r.length === 3, 90_000)
  const server = prometheus
  await until(
    async () => {
      const response = await fetch(`${server.url}/api/v1/alertmanagers`)
      const body = (await response.json()) as { data: { activeAlertmanagers: unknown[] } }
      return body.data.activeAlertmanagers.length
    },
    (count) => count === 1,
    'Prometheus to find the Alertmanager',
    60_000,
  )
}, 180_000)

afterAll(async () => {
  await Promise.all(nodes.map((node) => node.cli?.stop('SIGKILL').catch(() => undefined)))
  await prometheus?.stop()
  await alertmanager?.stop()
  await receiver?.close()
  await Promise.all(nodes.map((node) => rm(node.dir, { recursive: true, force: true })))
}, 60_000)

describe('Prometheus and Alertmanager, real, against three nodes', () => {
  it('a node stopped: the firing notification names it; restarted: the resolved one', async () => {
    const [a, b, c] = nodes as [Node, Node, Node]
    const hook = receiver as WebhookReceiver
    await stop(c)

    const firing = await hook.waitFor(
      (n) => n.body.status === 'firing' && alertsIn(n, 'P2PNodeDown', c.diagAddr).length > 0,
      `P2PNodeDown firing for ${c.diagAddr}`,
    )
    // routed by severity, grouped by alertname and instance: this notification is this node's
    expect(firing.path).toBe('/alerts/critical')
    expect(firing.body.receiver).toBe('wes-critical')
    expect(firing.body.groupLabels).toEqual({ alertname: 'P2PNodeDown', instance: c.diagAddr })
    const [alert] = alertsIn(firing, 'P2PNodeDown', c.diagAddr)
    expect(alert?.status).toBe('firing')
    expect(alert?.labels).toEqual(
      expect.objectContaining({ severity: 'critical', job: 'wes-p2p', instance: c.diagAddr }),
    )
    expect(alert?.annotations.summary).toBe(`wes-node ${c.diagAddr} cannot be scraped`)
    expect(alert?.annotations.runbook_url).toBe('docs/monitoring.md#p2pnodedown-critical')
    // the two nodes still up are named by no P2PNodeDown, and one of three is no fleet outage
    const named = hook.notifications.flatMap((n) =>
      alertsIn(n, 'P2PNodeDown').map((x) => x.labels.instance),
    )
    expect(named.filter((i) => i !== c.diagAddr)).toEqual([])
    expect(hook.notifications.filter((n) => alertsIn(n, 'P2PFleetDown').length > 0)).toEqual([])
    for (const up of [a, b])
      expect((await prometheus?.query(`up{instance="${up.diagAddr}"}`))?.[0]?.value[1]).toBe('1')

    await start(c)
    const resolved = await hook.waitFor(
      (n) =>
        n.body.status === 'resolved' &&
        alertsIn(n, 'P2PNodeDown', c.diagAddr).some((x) => x.status === 'resolved'),
      `P2PNodeDown resolved for ${c.diagAddr}`,
    )
    expect(resolved.path).toBe('/alerts/critical')
    const [done] = alertsIn(resolved, 'P2PNodeDown', c.diagAddr)
    expect(done?.annotations.summary).toBe(`wes-node ${c.diagAddr} cannot be scraped`)
    expect(Date.parse(done?.endsAt ?? '')).toBeGreaterThan(Date.parse(done?.startsAt ?? ''))
  }, 300_000)

  it('all nodes stopped: P2PFleetDown fires and the per-node alerts are inhibited', async () => {
    const hook = receiver as WebhookReceiver
    const am = alertmanager as AlertmanagerServer
    await (prometheus as QueryServer).queryUntil('up{job="wes-p2p"} == 1', (r) => r.length === 3)
    const before = hook.notifications.length
    for (const node of nodes) await stop(node)

    const fleet = await hook.waitFor(
      (n) => n.body.status === 'firing' && alertsIn(n, 'P2PFleetDown').length > 0,
      'P2PFleetDown firing',
    )
    expect(hook.notifications.indexOf(fleet)).toBeGreaterThanOrEqual(before)
    expect(fleet.path).toBe('/alerts/critical')
    const [alert] = alertsIn(fleet, 'P2PFleetDown')
    expect(alert?.labels).toEqual(
      expect.objectContaining({ severity: 'critical', scope: 'fleet', job: 'wes-p2p' }),
    )
    // the description lists every instance down, as the rule looks them up when it fires
    const sorted = nodes.map((n) => n.diagAddr).sort()
    expect(alert?.annotations.description).toContain(`Down: ${sorted.join(', ')}.`)
    expect(alert?.annotations.description).toContain('100% of the targets of job wes-p2p')

    // Alertmanager holds the three per-node alerts, suppressed by the fleet alert
    const deadline = Date.now() + 120_000
    let alerts = await am.alerts()
    const muted = (): boolean => {
      const down = alerts.filter((x) => x.labels.alertname === 'P2PNodeDown')
      return (
        down.length === 3 &&
        down.every((x) => x.status.state === 'suppressed' && x.status.inhibitedBy.length > 0)
      )
    }
    while (!muted() && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 500))
      alerts = await am.alerts()
    }
    const fleetAlert = alerts.find((x) => x.labels.alertname === 'P2PFleetDown')
    expect(fleetAlert?.status.state).toBe('active')
    const down = alerts.filter((x) => x.labels.alertname === 'P2PNodeDown')
    expect(down.map((x) => x.labels.instance).sort()).toEqual(sorted)
    for (const x of down) {
      expect({ instance: x.labels.instance, ...x.status }).toEqual({
        instance: x.labels.instance,
        state: 'suppressed',
        inhibitedBy: [fleetAlert?.fingerprint],
        silencedBy: [],
      })
    }
    // every other alert of these nodes is muted too, and nothing but the fleet alert is active
    const active = alerts.filter((x) => x.status.state === 'active')
    expect(active.map((x) => x.labels.alertname)).toEqual(['P2PFleetDown'])
  }, 300_000)
})
