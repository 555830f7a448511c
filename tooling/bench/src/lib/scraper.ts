import { httpGet, keepAliveAgent } from './util.js'

/** The routes a scrape reads: what Prometheus reads, plus what a dashboard polls. */
export const SCRAPE_PATHS = ['/metrics', '/debug/p2p/stats', '/debug/p2p/health'] as const

/**
 * Scrapes diagnostics servers every `intervalMs` like Prometheus does (keep-alive, one request
 * at a time), and records how long each scrape took.
 */
export class Scraper {
  readonly latenciesMs: number[] = []
  failures = 0
  private timer: NodeJS.Timeout | undefined
  private readonly agent = keepAliveAgent()
  private busy = false

  constructor(
    private readonly baseUrls: string[],
    private readonly intervalMs = 1_000,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => void this.scrapeOnce(), this.intervalMs)
  }

  stop(): void {
    clearInterval(this.timer)
    this.timer = undefined
    this.agent.destroy()
  }

  get scrapes(): number {
    return this.latenciesMs.length
  }

  private async scrapeOnce(): Promise<void> {
    if (this.busy) return
    this.busy = true
    try {
      for (const base of this.baseUrls) {
        for (const path of SCRAPE_PATHS) {
          const start = performance.now()
          try {
            const { status } = await httpGet(`${base}${path}`, this.agent)
            if (status !== 200) this.failures++
          } catch {
            this.failures++
          }
          this.latenciesMs.push(performance.now() - start)
        }
      }
    } finally {
      this.busy = false
    }
  }
}
