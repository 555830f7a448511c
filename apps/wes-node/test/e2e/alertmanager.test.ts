/**
 * The shipped alerting path end to end, each piece the real program: `wes-node devnet --nodes 3`,
 * a real Prometheus on the devnet's file_sd targets (scrape and evaluation every second) loading
 * the shipped alerts.yml with every `for:` divided by 10 (P2PNodeDown and P2PFleetDown
 * wait 6 s, so a slow scrape on a loaded machine fires nothing), a real Alertmanager on the shipped
 * alertmanager.yml (only the webhook address and the group waits changed), and a webhook
 * receiver in this test. A node that stops answering (SIGSTOP: it hangs, stays a target and its
 * scrapes time out) gives a firing notification naming it; resumed (SIGCONT), a resolved one.
 * All nodes hung give P2PFleetDown, and Alertmanager mutes the per-node alerts under it. (A node
 * that exits leaves the devnet's targets, so its `up` disappears instead of turning 0.)
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import {
  MONITORING,
  requireBinaries,
  shippedRulesWithShortFor,
  startAlertmanager,
  startDevnet,
  startPrometheus,
  startWebhookReceiver,
} from '../fixtures/monitoring.js'
import type {
  AlertmanagerServer,
  Devnet,
  Notification,
  QueryServer,
  WebhookReceiver,
} from '../fixtures/monitoring.js'
import { until } from '../fixtures/runtime.js'

/** A devnet node as Prometheus labels it. */
interface Node {
  name: string
  pid: number
  /** `127.0.0.1:<diagnostics port>`: the target, so the series' `instance`. */
  instance: string
}

let devnet: Devnet | undefined
let nodes: Node[] = []
let prometheus: QueryServer | undefined
let alertmanager: AlertmanagerServer | undefined
let receiver: WebhookReceiver | undefined

/** SIGSTOP: the node hangs (its sockets stay open, nothing answers); SIGCONT: it goes on. */
function freeze(node: Node): void {
  process.kill(node.pid, 'SIGSTOP')
}
function resume(node: Node): void {
  try {
    process.kill(node.pid, 'SIGCONT')
  } catch {
    // gone already
  }
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

  devnet = await startDevnet(3)
  nodes = devnet.state.nodes.map((node) => ({
    name: node.name,
    pid: node.pid ?? 0,
    instance: `127.0.0.1:${node.diagnostics_port}`,
  }))
  expect(nodes.map((n) => n.pid > 0)).toEqual([true, true, true])

  prometheus = await startPrometheus({
    files: { 'alerts.yml': await shippedRulesWithShortFor(10) },
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
      `    file_sd_configs: [{ files: ['${devnet.targetsFile}'] }]`,
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
  for (const node of nodes) resume(node)
  await prometheus?.stop()
  await alertmanager?.stop()
  await receiver?.close()
  await devnet?.stop()
}, 120_000)

describe('Prometheus and Alertmanager, real, against a devnet of three nodes', () => {
  it('a node hangs: the firing notification names it; resumed: the resolved one', async () => {
    const [a, b, c] = nodes as [Node, Node, Node]
    const hook = receiver as WebhookReceiver
    freeze(c)

    const firing = await hook.waitFor(
      (n) => n.body.status === 'firing' && alertsIn(n, 'P2PNodeDown', c.instance).length > 0,
      `P2PNodeDown firing for ${c.instance}`,
    )
    // routed by severity, grouped by alertname and instance: this notification is this node's
    expect(firing.path).toBe('/alerts/critical')
    expect(firing.body.receiver).toBe('wes-critical')
    expect(firing.body.groupLabels).toEqual({ alertname: 'P2PNodeDown', instance: c.instance })
    const [alert] = alertsIn(firing, 'P2PNodeDown', c.instance)
    expect(alert?.status).toBe('firing')
    // the devnet's target label names the node too
    expect(alert?.labels).toEqual(
      expect.objectContaining({
        severity: 'critical',
        job: 'wes-p2p',
        instance: c.instance,
        node_name: c.name,
      }),
    )
    expect(alert?.annotations.summary).toBe(`wes-node ${c.instance} cannot be scraped`)
    expect(alert?.annotations.runbook_url).toBe('docs/monitoring.md#p2pnodedown-critical')
    // the two nodes still up are named by no P2PNodeDown, and one of three is no fleet outage
    const named = hook.notifications.flatMap((n) =>
      alertsIn(n, 'P2PNodeDown').map((x) => x.labels.instance),
    )
    expect(named.filter((i) => i !== c.instance)).toEqual([])
    expect(hook.notifications.filter((n) => alertsIn(n, 'P2PFleetDown').length > 0)).toEqual([])
    // (a scrape of theirs may be slow on a loaded machine: wait for an answered one)
    for (const up of [a, b])
      await (prometheus as QueryServer).queryUntil(
        `up{instance="${up.instance}"} == 1`,
        (r) => r.length === 1,
      )

    resume(c)
    const resolved = await hook.waitFor(
      (n) =>
        n.body.status === 'resolved' &&
        alertsIn(n, 'P2PNodeDown', c.instance).some((x) => x.status === 'resolved'),
      `P2PNodeDown resolved for ${c.instance}`,
    )
    expect(resolved.path).toBe('/alerts/critical')
    const [done] = alertsIn(resolved, 'P2PNodeDown', c.instance)
    expect(done?.annotations.summary).toBe(`wes-node ${c.instance} cannot be scraped`)
    expect(Date.parse(done?.endsAt ?? '')).toBeGreaterThan(Date.parse(done?.startsAt ?? ''))
  }, 300_000)

  it('all nodes hang: P2PFleetDown fires and the per-node alerts are inhibited', async () => {
    const hook = receiver as WebhookReceiver
    const am = alertmanager as AlertmanagerServer
    await (prometheus as QueryServer).queryUntil('up{job="wes-p2p"} == 1', (r) => r.length === 3)
    const before = hook.notifications.length
    for (const node of nodes) freeze(node)

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
    const sorted = nodes.map((n) => n.instance).sort()
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
