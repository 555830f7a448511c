import type { Benchmark } from './lib/types.js'

/**
 * Every benchmark, in report order, loaded on demand (each runs in its own process). One marked
 * `optIn` runs only when `--only` names it: `pnpm bench` alone leaves it out.
 */
export const BENCHMARKS: Record<
  string,
  { title: string; timeoutMs: number; optIn?: boolean; load: () => Promise<Benchmark> }
> = {
  B1: {
    title: 'Data path throughput',
    // about 2 minutes on a quiet machine; under a load average of 15-20 the stream runs 6-8 times
    // slower and the 7 rounds take 5-8 minutes
    timeoutMs: 600_000,
    load: async () => (await import('./b1-data-path.js')).b1DataPath,
  },
  B2: {
    title: 'Scrape cost',
    // four render variants at three peer counts: 2-3 minutes, 5-6 under load
    timeoutMs: 420_000,
    load: async () => (await import('./b2-scrape-cost.js')).b2ScrapeCost,
  },
  B3: {
    title: 'HTTP throughput',
    timeoutMs: 240_000,
    load: async () => (await import('./b3-http-throughput.js')).b3HttpThroughput,
  },
  B4: {
    title: 'Start-up',
    timeoutMs: 120_000,
    load: async () => (await import('./b4-startup.js')).b4Startup,
  },
  B5: {
    title: 'Memory',
    timeoutMs: 180_000,
    load: async () => (await import('./b5-memory.js')).b5Memory,
  },
  B6: {
    title: 'Discovery',
    timeoutMs: 180_000,
    load: async () => (await import('./b6-discovery.js')).b6Discovery,
  },
  B7: {
    title: 'Event loop under scrapes',
    timeoutMs: 180_000,
    load: async () => (await import('./b7-event-loop.js')).b7EventLoop,
  },
  B8: {
    title: 'Scale: 1,000 peers',
    // 1,000 peers connect in 30-110 s on a quiet machine, 4-8 minutes under a load average of 10-20
    timeoutMs: 900_000,
    load: async () => (await import('./b8-scale.js')).b8Scale,
  },
  B9: {
    title: 'Devnet at scale',
    // devnets of 10, 25 and 50 nodes one after another: 50 nodes take minutes to start on 2 cores
    timeoutMs: 1_500_000,
    optIn: true,
    load: async () => (await import('./b9-devnet.js')).b9Devnet,
  },
}
