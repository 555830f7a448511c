/**
 * Runs one benchmark in this process and writes its result as JSON: `run-one.js B1 --out
 * result.json [--quick]`. The runner starts one process per benchmark, so each starts with a
 * fresh heap and leaves no timer or socket behind for the next.
 */

import { writeFile } from 'node:fs/promises'
import { BENCHMARKS } from './benchmarks.js'
import type { BenchResult } from './lib/types.js'

const args = process.argv.slice(2)
const id = args[0] ?? ''
const outIndex = args.indexOf('--out')
const out = outIndex >= 0 ? args[outIndex + 1] : undefined
const quick = args.includes('--quick')
const entry = BENCHMARKS[id]
if (entry === undefined || out === undefined) {
  process.stderr.write(
    `usage: run-one.js <${Object.keys(BENCHMARKS).join('|')}> --out <file> [--quick]\n`,
  )
  process.exit(2)
}

const started = performance.now()
let result: BenchResult
try {
  const bench = await entry.load()
  const partial = await bench.run({
    quick,
    log: (message) => process.stderr.write(`  ${message}\n`),
  })
  result = { id, title: bench.title, ...partial, durationMs: performance.now() - started }
} catch (err) {
  const message = err instanceof Error ? (err.stack ?? err.message) : String(err)
  process.stderr.write(`  ${id} failed: ${message}\n`)
  result = {
    id,
    title: entry.title,
    figures: [],
    notes: [],
    durationMs: performance.now() - started,
    error: String(err),
  }
}
await writeFile(out, JSON.stringify(result, null, 2))
// libp2p and the HTTP agents may leave unref'd work behind: the result is written, leave now
process.exit(result.error === undefined ? 0 : 1)
