import { createServer } from 'node:http'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, beforeEach, expect, test } from '@jest/globals'
import { SCRAPE_PATHS, Scraper } from '../../src/lib/scraper.js'

let server: Server
let base: string
let requests: string[]
/** How long the server takes to answer, for the tests of a scrape under way. */
let delayMs = 0

beforeEach(async () => {
  requests = []
  delayMs = 0
  server = createServer((req, res) => {
    requests.push(req.url ?? '')
    setTimeout(() => res.end('ok'), delayMs)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterEach(async () => {
  server.closeAllConnections()
  await new Promise<void>((resolve) => server.close(() => resolve()))
})

const sleep = async (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

test('scrape() reads every path once, in order', async () => {
  const scraper = new Scraper([base])
  try {
    await scraper.scrape()
    expect(requests).toEqual([...SCRAPE_PATHS])
    expect(scraper.scrapes).toBe(SCRAPE_PATHS.length)
    expect(scraper.failures).toBe(0)
  } finally {
    scraper.stop()
  }
})

test('paused, nothing is scraped; resumed, the clock goes on from where it stood', async () => {
  // a long interval: the first scrape is due 3 s after start and no earlier
  const scraper = new Scraper([base], 3_000)
  try {
    scraper.start()
    await sleep(1_000)
    scraper.pause()
    // 1 s of the 3 s ran: paused for longer than the whole interval, nothing comes
    await sleep(3_500)
    expect(requests).toEqual([])
    scraper.resume()
    // resumed, the scrape comes after the 2 s left, before a whole interval would have run
    const resumedAt = performance.now()
    while (requests.length < SCRAPE_PATHS.length && performance.now() - resumedAt < 2_900) {
      await sleep(20)
    }
    expect(requests).toEqual([...SCRAPE_PATHS])
    expect(performance.now() - resumedAt).toBeGreaterThan(1_500)
  } finally {
    scraper.stop()
  }
})

test('settled() waits for the scrape under way; a second scrape meanwhile adds none', async () => {
  delayMs = 50
  const scraper = new Scraper([base])
  try {
    const first = scraper.scrape()
    void scraper.scrape()
    await scraper.settled()
    expect(scraper.scrapes).toBe(SCRAPE_PATHS.length)
    expect(requests).toEqual([...SCRAPE_PATHS])
    await first
    // nothing under way: settles at once
    await scraper.settled()
  } finally {
    scraper.stop()
  }
})

test('pause before start and resume without pause change nothing', async () => {
  const scraper = new Scraper([base], 60_000)
  scraper.pause()
  scraper.resume()
  scraper.start()
  scraper.start()
  scraper.stop()
  await sleep(50)
  expect(requests).toEqual([])
})
