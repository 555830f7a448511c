/**
 * `pnpm test:reliability`: runs the groups in order, prints a table of figures, and ends with
 * the line `N passed, N failed`. Exits non-zero on any failed case or anything lost.
 *
 *   node dist/run.js [--quick] [--only http-hostile,cli-hostile,faults,load,security]
 *                    [--load-seconds N] [--churn-cycles N] [--verbose]
 */

import { cliHostile } from './groups/cli-hostile.js'
import { faults } from './groups/faults.js'
import { httpHostile } from './groups/http-hostile.js'
import { load } from './groups/load.js'
import { security } from './groups/security.js'
import { killAllChildren, removeTempDirs } from './lib/processes.js'
import { Suite } from './lib/runner.js'
import type { CaseContext } from './lib/runner.js'

const GROUPS: Record<string, (suite: Suite, scope: CaseContext) => Promise<void>> = {
  'http-hostile': httpHostile,
  'cli-hostile': cliHostile,
  faults,
  load,
  security,
}

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name)
  return i >= 0 ? process.argv[i + 1] : undefined
}

function positiveInt(name: string, fallback: number): number {
  const raw = argValue(name)
  if (raw === undefined) return fallback
  const value = Number(raw)
  if (!Number.isInteger(value) || value <= 0) {
    process.stderr.write(`reliability: ${name} expects a positive integer, got ${raw}\n`)
    process.exit(2)
  }
  return value
}

const quick = process.argv.includes('--quick')
const only = argValue('--only')?.split(',') ?? Object.keys(GROUPS)
for (const name of only) {
  if (!(name in GROUPS)) {
    process.stderr.write(
      `reliability: unknown group ${name} (groups: ${Object.keys(GROUPS).join(', ')})\n`,
    )
    process.exit(2)
  }
}

const suite = new Suite({
  quick,
  loadSeconds: positiveInt(
    '--load-seconds',
    Number(process.env.WES_RELIABILITY_LOAD_SECONDS ?? (quick ? 10 : 60)),
  ),
  churnCycles: positiveInt('--churn-cycles', quick ? 100 : 500),
  verbose: process.argv.includes('--verbose'),
})

const started = performance.now()
let finishing = false
const onSignal = (signal: NodeJS.Signals): void => {
  if (finishing) return
  finishing = true
  process.stderr.write(`reliability: ${signal}, cleaning up\n`)
  void suite.abortAll().finally(() => {
    killAllChildren()
    // the counts so far, and the interruption as one more failure
    suite.report(performance.now() - started, new Error(`stopped by ${signal}`))
    process.exit(1)
  })
}
process.on('SIGINT', onSignal)
process.on('SIGTERM', onSignal)
process.on('exit', (code) => {
  killAllChildren()
  removeTempDirs()
  // whatever ended the process early, the last line still says what passed and that it failed
  if (!suite.reported)
    suite.report(
      performance.now() - started,
      new Error(`the runner exited (code ${code}) before its summary`),
    )
})
// an uncaught exception or unhandled rejection fails its case, never the run
suite.catchStrays()

process.stdout.write(
  `wes-node reliability suite (${quick ? 'quick' : 'full'}): load ${suite.options.loadSeconds} s, ${suite.options.churnCycles} churn cycles\n`,
)
let crash: unknown
try {
  for (const name of only) {
    await suite.group(name, (scope) =>
      (GROUPS[name] as (s: Suite, c: CaseContext) => Promise<void>)(suite, scope),
    )
  }
} catch (err) {
  // groups catch what their cases throw: this is the runner itself failing
  crash = err
}
const code = suite.report(performance.now() - started, crash)
killAllChildren()
process.exit(code)
