import { httpGet, keepAliveAgent } from './util.js'

/** The routes a scrape reads: what Prometheus reads, plus what a dashboard polls. */
export const SCRAPE_PATHS = ['/metrics', '/debug/p2p/stats', '/debug/p2p/health'] as const

/**
 * Scrapes diagnostics servers every `intervalMs` like Prometheus does (keep-alive, one request
 * at a time), and records how long each scrape took. {@link pause} and {@link resume} stop and
 * restart its clock: while paused no scrape starts (one under way finishes: {@link settled}), and
 * the next comes when the time left at the pause has run, so the scrapes stay one per
 * `intervalMs` of running time.
 */
export class Scraper {
  readonly latenciesMs: number[] = []
  failures = 0
  private timer: NodeJS.Timeout | undefined
  private readonly agent = keepAliveAgent()
  /** The scrape under way, if any. */
  private current: Promise<void> | undefined
  /** When the next scrape is due (`performance.now()`), while running. */
  private dueAt = 0
  /** Milliseconds left to the next scrape, while paused. */
  private leftMs: number | undefined

  constructor(
    private readonly baseUrls: string[],
    private readonly intervalMs = 1_000,
  ) {}

  start(): void {
    if (this.timer !== undefined || this.leftMs !== undefined) return
    this.schedule(this.intervalMs)
  }

  /** Stops the clock; {@link resume} goes on from where it stood. */
  pause(): void {
    if (this.timer === undefined) return
    clearTimeout(this.timer)
    this.timer = undefined
    this.leftMs = Math.max(0, this.dueAt - performance.now())
  }

  resume(): void {
    if (this.leftMs === undefined) return
    const left = this.leftMs
    this.leftMs = undefined
    this.schedule(left)
  }

  stop(): void {
    clearTimeout(this.timer)
    this.timer = undefined
    this.leftMs = undefined
    this.agent.destroy()
  }

  private schedule(delayMs: number): void {
    this.dueAt = performance.now() + delayMs
    this.timer = setTimeout(() => {
      this.schedule(this.intervalMs)
      void this.scrape()
    }, delayMs)
  }

  get scrapes(): number {
    return this.latenciesMs.length
  }

  /** Resolves once no scrape is under way. */
  async settled(): Promise<void> {
    await this.current
  }

  /** One scrape of every path of every server now (none if one is under way). */
  async scrape(): Promise<void> {
    if (this.current !== undefined) return
    this.current = this.scrapeAll()
    try {
      await this.current
    } finally {
      this.current = undefined
    }
  }

  private async scrapeAll(): Promise<void> {
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
  }
}
