/**
 * A worker thread that scrapes every diagnostics endpoint with `concurrency` keep-alive clients
 * for `seconds` (and at most `maxRequests`), then posts its counts. It runs off the main
 * thread so the latency the main thread measures (libp2p ping) is not its own event loop's.
 */

import { parentPort, workerData } from 'node:worker_threads'
import { ROUTES as PATHS } from './lib/routes.js'

interface Init {
  baseUrl: string
  seconds: number
  concurrency: number
  maxRequests: number
  token?: string
}

const init = workerData as Init
const deadline = performance.now() + init.seconds * 1_000
let requests = 0
let ok = 0
let errors = 0
const statuses: Record<string, number> = {}
const latencies: number[] = []
const errorSamples: string[] = []

async function client(index: number): Promise<void> {
  let i = index
  while (performance.now() < deadline && requests < init.maxRequests) {
    const path = PATHS[i++ % PATHS.length] as string
    requests++
    const started = performance.now()
    try {
      const response = await fetch(`${init.baseUrl}${path}`, {
        signal: AbortSignal.timeout(5_000),
        ...(init.token !== undefined ? { headers: { authorization: `Bearer ${init.token}` } } : {}),
      })
      const body = await response.text()
      statuses[response.status] = (statuses[response.status] ?? 0) + 1
      if (response.status === 200 && body.length > 0) ok++
      else {
        errors++
        if (errorSamples.length < 5) errorSamples.push(`${path}: ${response.status}`)
      }
    } catch (err) {
      errors++
      if (errorSamples.length < 5)
        errorSamples.push(`${path}: ${err instanceof Error ? err.message : String(err)}`)
    }
    if (latencies.length < 200_000) latencies.push(performance.now() - started)
  }
}

await Promise.all(Array.from({ length: init.concurrency }, (_, i) => client(i)))
latencies.sort((a, b) => a - b)
const p = (q: number): number =>
  latencies[Math.min(latencies.length - 1, Math.ceil(q * latencies.length) - 1)] ?? Number.NaN
parentPort?.postMessage({ requests, ok, errors, statuses, errorSamples, p50: p(0.5), p99: p(0.99) })
