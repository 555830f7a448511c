/**
 * The status page (`/debug/p2p/ui`) in a real browser, the way a person uses it: Debian's
 * chromium driven by playwright-core against three real nodes on 127.0.0.1. A serves the page
 * with a token, wants two peers (`discovery.minPeers` 2) and dials B and C, its bootstrap peers.
 * The page asks for the token, refuses a wrong one with a clear message, shows the two peers, its
 * chart moves while B sends A a bounded transfer, its health turns `degraded` when C stops and
 * `down` when B stops too, and it says so when A's p2p node stops under it. No console error, no
 * failed request, no request to anywhere but the node (but the browser's own lines for the 401s
 * and 503s a test causes, checked to be exactly those). A screenshot of each state goes to
 * `test/artifacts/status-page/`.
 */
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Stream } from '@libp2p/interface'
import type { P2POptionsInit } from '@wes/p2p-core'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { chromium } from 'playwright-core'
import type { BrowserContext, Page } from 'playwright-core'
import type { Runtime } from '../../src/runtime.js'
import { LoopbackRuntimes, until } from '../fixtures/runtime.js'

const CHROMIUM = '/usr/bin/chromium'
const ARTIFACTS = fileURLToPath(new URL('../artifacts/status-page/', import.meta.url))
const TOKEN = 'wes-e2e-status-page-token-0123456789'
const SINK = '/wes-test/sink/1.0.0'
/** Generous: the machine is shared and loaded. */
const WAIT_MS = 45_000

const hasChromium = existsSync(CHROMIUM)
if (!hasChromium)
  console.log(`status page browser test skipped: ${CHROMIUM} is missing (apt-get install chromium)`)

/** What went wrong in one tab: console errors, page errors, failed requests, foreign requests. */
interface PageProblems {
  consoleErrors: string[]
  pageErrors: string[]
  failedRequests: string[]
  foreignRequests: string[]
}

const nodes = new LoopbackRuntimes('wes-status-page-')
const dirs: string[] = []
let context: BrowserContext | undefined

function runtime(init: P2POptionsInit, token?: string): Promise<Runtime> {
  return nodes.create(init, token !== undefined ? { token } : {})
}

/** A new tab (its own session storage) that records every problem it meets. */
/** A tab on the page, what went wrong in it, and the paths of the node it asked for. */
async function openTab(
  origin: string,
): Promise<{ page: Page; problems: PageProblems; asked: Set<string> }> {
  if (context === undefined) throw new Error('no browser')
  const page = await context.newPage()
  const problems: PageProblems = {
    consoleErrors: [],
    pageErrors: [],
    failedRequests: [],
    foreignRequests: [],
  }
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') {
      problems.consoleErrors.push(
        `${message.type()}: ${message.text()} (${message.location().url})`,
      )
    }
  })
  page.on('pageerror', (err) => problems.pageErrors.push(err.message))
  // chromium logs a CSP violation as a console error already; this names the directive too
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) =>
      console.error(`CSP violation: ${event.violatedDirective} ${event.blockedURI}`),
    )
  })
  page.on('requestfailed', (request) =>
    problems.failedRequests.push(`${request.url()}: ${request.failure()?.errorText}`),
  )
  const asked = new Set<string>()
  page.on('request', (request) => {
    const url = new URL(request.url())
    if (url.origin !== origin) problems.foreignRequests.push(request.url())
    else asked.add(url.pathname)
  })
  return { page, problems, asked }
}

async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true })
}

async function text(page: Page, selector: string): Promise<string> {
  return (await page.locator(selector).textContent())?.trim() ?? ''
}

/** Waits until the element's text is `expected`, polling the page. */
async function waitForText(page: Page, selector: string, expected: string): Promise<void> {
  await until(
    () => text(page, selector),
    (value) => value === expected,
    `${selector} to read ${expected}`,
    WAIT_MS,
  )
}

async function enterToken(page: Page, token: string): Promise<void> {
  await page.locator('#token-input').fill(token)
  await page.locator('#token-form button[type=submit]').click()
}

/** A chart's state as the page publishes it on the chart's element: readings, the latest rates. */
async function chartState(
  page: Page,
  selector: string,
): Promise<{ samples: number; latest: Record<string, number> }> {
  const chart = page.locator(selector)
  return {
    samples: Number(await chart.getAttribute('data-samples')),
    latest: JSON.parse((await chart.getAttribute('data-latest')) ?? '{}') as Record<string, number>,
  }
}

const describeInBrowser = hasChromium ? describe : describe.skip

describeInBrowser('the status page in chromium, against three nodes', () => {
  let a: Runtime
  let b: Runtime
  let c: Runtime
  let origin: string
  let page: Page
  let problems: PageProblems
  let asked: Set<string>

  beforeAll(async () => {
    await mkdir(ARTIFACTS, { recursive: true })
    b = await runtime({})
    c = await runtime({})
    // A finds B and C through its bootstrap list, so the discovery funnel has dials to show
    const bootstrap = [b, c].map((rt) => rt.node.libp2p.getMultiaddrs()[0]?.toString() as string)
    a = await runtime({ discovery: { minPeers: 2 }, bootstrap }, TOKEN)
    await a.node.libp2p.handle(SINK, async (stream: Stream) => {
      for await (const chunk of stream) void chunk
      await stream.close()
    })
    await until(
      async () => a.node.snapshot().peerIds.length,
      (peers) => peers === 2,
      'A to connect to its two bootstrap peers',
      WAIT_MS,
    )
    origin = a.diagnostics?.url as string
    const userDataDir = await mkdtemp(join(tmpdir(), 'wes-chromium-'))
    dirs.push(userDataDir)
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      viewport: { width: 1280, height: 900 },
    })
    ;({ page, problems, asked } = await openTab(origin))
  }, 120_000)

  afterAll(async () => {
    await context?.close()
    await nodes.cleanup()
    await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })))
  }, 60_000)

  it('asks for the token, then shows the node: two peers, ok, no console error, no failed or foreign request', async () => {
    const response = await page.goto(`${origin}/debug/p2p/ui`)
    expect(response?.status()).toBe(200)
    await page.locator('#token-form').waitFor({ state: 'visible' })
    expect(await text(page, '#notice')).toBe(
      'This node requires a diagnostics token. Enter it once: this tab keeps it for the session.',
    )
    await screenshot(page, '1-token-required')

    await enterToken(page, TOKEN)
    await waitForText(page, '#peer-count', '2')
    await waitForText(page, '#health-status', 'ok')
    expect(await page.locator('#token-form').isHidden()).toBe(true)
    expect(await page.locator('#notice').isHidden()).toBe(true)
    expect(await text(page, '#host-id')).toBe(a.node.peerId)
    // both peers in the table, by their IDs
    const titles = await page
      .locator('#peers tbody code')
      .evaluateAll((cells) => cells.map((cell) => cell.getAttribute('title')))
    expect(titles.sort()).toEqual([b.node.peerId, c.node.peerId].sort())
    expect(await page.locator('#reasons').textContent()).toBe('No problems found.')
    // the funnel: two bootstrap dials, both connected
    const bootstrapRow = page.locator('#funnel tbody tr', { hasText: 'bootstrap' }).locator('td')
    const [dials, connected, failed] = await until(
      async () => (await bootstrapRow.allTextContents()).slice(1, 4).map(Number),
      ([, success]) => (success ?? 0) >= 2,
      'the funnel to show the bootstrap dials',
      WAIT_MS,
    )
    expect({ dials, connected, failed }).toEqual({ dials: connected, connected, failed: 0 })
    await waitForText(page, '#funnel-notes', '2 bootstrap peers configured, 2 connected · mDNS off')
    // the funnel's counts come with the stats view: the page reads its views and never /metrics
    for (const view of ['health', 'stats', 'peers', 'routing']) {
      expect(asked).toContain(`/debug/p2p/${view}`)
    }
    expect(asked).not.toContain('/metrics')
    // the token stays in the tab's session, never in the URL
    expect(page.url()).toBe(`${origin}/debug/p2p/ui`)
    expect(await page.evaluate(() => sessionStorage.getItem('wes-node.diagnostics-token'))).toBe(
      TOKEN,
    )
    await screenshot(page, '2-ok')

    expect(problems).toEqual({
      consoleErrors: [],
      pageErrors: [],
      failedRequests: [],
      foreignRequests: [],
    })
  }, 120_000)

  it('the bandwidth chart moves while B sends A a bounded transfer', async () => {
    const before = await chartState(page, '#bandwidth-chart')
    const stream = await b.node.libp2p.dialProtocol(a.node.libp2p.peerId, SINK)
    const chunk = new Uint8Array(64 * 1024).fill(7)
    let sending = true
    // at most 384 chunks (24 MiB), about 3 MiB/s, stopped as soon as the page saw it
    const transfer = (async () => {
      for (let sent = 0; sent < 384 && sending; sent++) {
        if (!stream.send(chunk)) await stream.onDrain()
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
      await stream.close()
    })()
    try {
      const moved = await until(
        () => chartState(page, '#bandwidth-chart'),
        (state) => state.samples > before.samples && (state.latest.in ?? 0) >= 100 * 1024,
        'the chart to show the transfer (in >= 100 KiB/s)',
        WAIT_MS,
      )
      expect(moved.latest.in).toBeGreaterThan(before.latest.in ?? 0)
      // and the chart by protocol has a line for the sink, moving too
      await until(
        () => chartState(page, '#protocol-chart'),
        (state) => (state.latest[SINK] ?? 0) > 0,
        'the chart by protocol to show the sink protocol',
        WAIT_MS,
      )
      // the protocol's own row counts its bytes
      const row = page.locator('#protocols tbody tr', { hasText: SINK })
      await until(
        async () => (await row.locator('td').nth(3).textContent()) ?? '',
        (total) => total !== '0 B' && total !== '',
        'the sink protocol row to count bytes',
        WAIT_MS,
      )
      await screenshot(page, '3-transfer')
    } finally {
      sending = false
      await transfer
    }
    expect(problems.consoleErrors).toEqual([])
    expect(problems.failedRequests).toEqual([])
    expect(problems.foreignRequests).toEqual([])
  }, 120_000)

  it('health turns from ok to degraded when C stops, and down when B stops too', async () => {
    expect(await text(page, '#health-status')).toBe('ok')
    await c.stop()
    await waitForText(page, '#health-status', 'degraded')
    await waitForText(page, '#peer-count', '1')
    expect(await text(page, '#reasons')).toContain('below_min_peers')
    expect(await text(page, '#reasons')).toContain('fewer than the minimum of 2')
    await screenshot(page, '4-degraded')

    await b.stop()
    await waitForText(page, '#health-status', 'down')
    await waitForText(page, '#peer-count', '0')
    expect(await text(page, '#reasons')).toContain('no_peers')
    expect(await text(page, '#peers tbody')).toBe('no connected peers')
    await screenshot(page, '5-down')
    expect(problems).toEqual({
      consoleErrors: [],
      pageErrors: [],
      failedRequests: [],
      foreignRequests: [],
    })
  }, 120_000)

  it('a wrong token shows a clear message and asks again; the right one shows the data', async () => {
    // a new tab: its session storage is empty
    const tab = await openTab(origin)
    await tab.page.goto(`${origin}/debug/p2p/ui`)
    await tab.page.locator('#token-form').waitFor({ state: 'visible' })
    await enterToken(tab.page, 'not-the-right-token-0123456789')
    await waitForText(
      tab.page,
      '#notice',
      'The node refused this token (401 Unauthorized). Enter the token the node was started ' +
        'with (WES_DIAGNOSTICS_TOKEN or its token file).',
    )
    expect(await tab.page.locator('#token-form').isVisible()).toBe(true)
    expect(await text(tab.page, '#health-status')).toBe('token needed')
    expect(
      await tab.page.evaluate(() => sessionStorage.getItem('wes-node.diagnostics-token')),
    ).toBe(null)
    await screenshot(tab.page, '6-wrong-token')

    await enterToken(tab.page, TOKEN)
    await waitForText(tab.page, '#health-status', 'down')
    expect(await tab.page.locator('#notice').isHidden()).toBe(true)
    expect(await text(tab.page, '#host-id')).toBe(a.node.peerId)

    // the only console errors are the browser's own lines for the refused reads: 401s
    expect(tab.problems.consoleErrors.length).toBeGreaterThan(0)
    for (const line of tab.problems.consoleErrors) {
      expect(line).toMatch(
        /^error: Failed to load resource: the server responded with a status of 401 \(Unauthorized\) \(http:\/\/127\.0\.0\.1:\d+\/debug\/p2p\/\w+/,
      )
    }
    expect(tab.problems.pageErrors).toEqual([])
    expect(tab.problems.failedRequests).toEqual([])
    expect(tab.problems.foreignRequests).toEqual([])
  }, 120_000)

  it('the p2p node stops under a running page: it says so and which reads failed, and keeps the last values', async () => {
    // the diagnostics server stays up: its views answer 503
    const peerCount = await text(page, '#peer-count')
    const before = problems.consoleErrors.length
    await a.node.stop()
    await waitForText(page, '#health-status', 'no answer')
    await waitForText(
      page,
      '#notice',
      'Could not read /debug/p2p/health, /debug/p2p/stats, /debug/p2p/peers, /debug/p2p/routing: ' +
        '503 the p2p host is not running',
    )
    expect(await page.locator('#content').getAttribute('class')).toContain('stale')
    expect(await text(page, '#peer-count')).toBe(peerCount)
    await screenshot(page, '7-not-running')

    // the browser's own lines for the 503s, nothing else
    const added = problems.consoleErrors.slice(before)
    expect(added.length).toBeGreaterThan(0)
    for (const line of added) {
      expect(line).toMatch(
        /^error: Failed to load resource: the server responded with a status of 503 \(Service Unavailable\) \(http:\/\/127\.0\.0\.1:\d+\/debug\/p2p\/\w+/,
      )
    }
    expect(problems.pageErrors).toEqual([])
    expect(problems.failedRequests).toEqual([])
    expect(problems.foreignRequests).toEqual([])
  }, 120_000)
})
