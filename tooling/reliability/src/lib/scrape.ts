import { Worker } from 'node:worker_threads'
import { fileURLToPath } from 'node:url'
import type { CaseContext } from './runner.js'

export interface ScrapeResult {
  requests: number
  ok: number
  errors: number
  statuses: Record<string, number>
  errorSamples: string[]
  p50: number
  p99: number
}

const WORKER = fileURLToPath(new URL('../scrape-worker.js', import.meta.url))

/** Scrapes every endpoint from a worker thread; terminated when the case ends. */
export function scrape(
  ctx: CaseContext,
  init: {
    baseUrl: string
    seconds: number
    concurrency: number
    maxRequests: number
    token?: string
  },
): Promise<ScrapeResult> {
  const worker = new Worker(WORKER, { workerData: init })
  ctx.defer(() => worker.terminate())
  return new Promise((resolve, reject) => {
    worker.once('message', (m) => resolve(m as ScrapeResult))
    worker.once('error', reject)
    worker.once('exit', (code) => reject(new Error(`scrape worker exited ${code}`)))
  })
}
