/**
 * The suite's runner: cases with a time bound each, cleanups that always run (LIFO, also on
 * SIGINT/SIGTERM and on a failing case), figures per group, and the closing table.
 */

export type Cleanup = () => unknown

/** What a case gets: an abort signal at its time bound, a place for cleanups, a log. */
export interface CaseContext {
  /** Aborted when the case's time bound passes; loops must watch it. */
  readonly signal: AbortSignal
  /** Runs `fn` when the case ends (pass, fail or timeout), last registered first. */
  defer(fn: Cleanup): void
  log(message: string): void
}

export interface SuiteOptions {
  quick: boolean
  /** Seconds of scrape load in the load group. */
  loadSeconds: number
  /** Connect/disconnect cycles in the churn case. */
  churnCycles: number
  verbose: boolean
}

interface GroupStats {
  name: string
  tried: number
  passed: number
  failed: number
  durationMs: number
  figures: string[]
}

/** A named number the table reports; `lost` figures fail the run when above zero. */
export interface Tally {
  loadHeld: string[]
  faultsSurvived: number
  faultsTried: number
  lost: Map<string, number>
}

export class Suite {
  readonly options: SuiteOptions
  readonly tally: Tally = { loadHeld: [], faultsSurvived: 0, faultsTried: 0, lost: new Map() }
  private readonly groups: GroupStats[] = []
  private current?: GroupStats
  private readonly pending = new Set<Cleanup[]>()
  private readonly failures: string[] = []

  constructor(options: SuiteOptions) {
    this.options = options
  }

  /**
   * Runs a group. `scope` holds what lives as long as the group (a node, a peer); its cleanups
   * run when the group ends.
   */
  async group(name: string, body: (scope: CaseContext) => Promise<void>): Promise<void> {
    const stats: GroupStats = { name, tried: 0, passed: 0, failed: 0, durationMs: 0, figures: [] }
    this.groups.push(stats)
    this.current = stats
    const started = performance.now()
    process.stdout.write(`\n== ${name}\n`)
    const controller = new AbortController()
    const cleanups: Cleanup[] = []
    this.pending.add(cleanups)
    const scope: CaseContext = {
      signal: controller.signal,
      defer: (fn) => cleanups.push(fn),
      log: (message) => {
        if (this.options.verbose) process.stdout.write(`        ${message}\n`)
      },
    }
    try {
      await body(scope)
    } catch (err) {
      // a group body that throws outside a case still counts, as one failed case
      stats.tried++
      stats.failed++
      this.failures.push(`${name}: ${describe(err)}`)
      process.stdout.write(`  FAIL  (group) ${describe(err)}\n`)
    } finally {
      controller.abort()
      await runCleanups(cleanups)
      this.pending.delete(cleanups)
    }
    stats.durationMs = performance.now() - started
    this.current = undefined
  }

  /** Adds a figure to the current group's row of the table. */
  figure(text: string): void {
    this.current?.figures.push(text)
  }

  /** Counts something lost (requests, pings, identities...). Any loss fails the run. */
  lose(what: string, count: number): void {
    this.tally.lost.set(what, (this.tally.lost.get(what) ?? 0) + count)
  }

  /** Declares that a lossy quantity was watched, so the table shows it at 0. */
  watch(what: string): void {
    if (!this.tally.lost.has(what)) this.tally.lost.set(what, 0)
  }

  /**
   * Runs one case within `timeoutMs`. Resolves `true` when it passed. A case fails when it
   * throws or outruns its bound; its cleanups run either way.
   */
  async case(
    name: string,
    timeoutMs: number,
    fn: (ctx: CaseContext) => Promise<void>,
    opts: { fault?: boolean } = {},
  ): Promise<boolean> {
    const stats = this.current
    if (stats === undefined) throw new Error('case outside a group')
    stats.tried++
    if (opts.fault === true) this.tally.faultsTried++
    const controller = new AbortController()
    const cleanups: Cleanup[] = []
    this.pending.add(cleanups)
    const logs: string[] = []
    const ctx: CaseContext = {
      signal: controller.signal,
      defer: (fn) => cleanups.push(fn),
      log: (message) => {
        logs.push(message)
        if (this.options.verbose) process.stdout.write(`        ${message}\n`)
      },
    }
    const started = performance.now()
    let timer: NodeJS.Timeout | undefined
    let error: unknown
    try {
      await Promise.race([
        fn(ctx),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => {
            controller.abort(new Error(`timed out after ${timeoutMs} ms`))
            reject(new Error(`timed out after ${timeoutMs} ms`))
          }, timeoutMs)
        }),
      ])
    } catch (err) {
      error = err
    } finally {
      clearTimeout(timer)
      if (!controller.signal.aborted) controller.abort(new Error('case ended'))
      await runCleanups(cleanups)
      this.pending.delete(cleanups)
    }
    const ms = Math.round(performance.now() - started)
    if (error === undefined) {
      stats.passed++
      if (opts.fault === true) this.tally.faultsSurvived++
      process.stdout.write(`  ok    ${name} (${ms} ms)\n`)
      return true
    }
    stats.failed++
    this.failures.push(`${stats.name} / ${name}: ${describe(error)}`)
    process.stdout.write(`  FAIL  ${name} (${ms} ms): ${describe(error)}\n`)
    if (!this.options.verbose)
      for (const line of logs.slice(-8)) process.stdout.write(`        ${line}\n`)
    return false
  }

  /** Runs every pending cleanup now (on a signal or a crash of the runner itself). */
  async abortAll(): Promise<void> {
    for (const cleanups of [...this.pending]) {
      await runCleanups(cleanups)
      this.pending.delete(cleanups)
    }
  }

  /** Prints the table and the last line; returns the process exit code. */
  report(totalMs: number): number {
    const rows = this.groups.map((g) => [
      g.name,
      String(g.tried),
      String(g.passed),
      String(g.failed),
      `${(g.durationMs / 1000).toFixed(1)} s`,
    ])
    const header = ['group', 'tried', 'passed', 'failed', 'time']
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
    const line = (cells: string[]): string =>
      cells
        .map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
        .join('  ')
    const tried = this.groups.reduce((n, g) => n + g.tried, 0)
    const passed = this.groups.reduce((n, g) => n + g.passed, 0)
    const failed = this.groups.reduce((n, g) => n + g.failed, 0)
    const lostTotal = [...this.tally.lost.values()].reduce((a, b) => a + b, 0)

    const out: string[] = ['', '== reliability summary', line(header)]
    out.push(line(header.map((_, i) => '-'.repeat(widths[i] ?? 0))))
    for (const row of rows) out.push(line(row))
    out.push(
      line([
        'total',
        String(tried),
        String(passed),
        String(failed),
        `${(totalMs / 1000).toFixed(1)} s`,
      ]),
    )
    out.push('')
    for (const g of this.groups) {
      for (const f of g.figures) out.push(`${g.name}: ${f}`)
    }
    out.push('')
    out.push(
      `load held:       ${this.tally.loadHeld.length > 0 ? this.tally.loadHeld.join('; ') : '(not run)'}`,
    )
    out.push(`faults survived: ${this.tally.faultsSurvived} of ${this.tally.faultsTried}`)
    out.push(
      `lost:            ${lostTotal}` +
        (this.tally.lost.size > 0
          ? ` (${[...this.tally.lost].map(([what, n]) => `${what} ${n}`).join(', ')})`
          : ''),
    )
    if (this.failures.length > 0) {
      out.push('')
      out.push('failures:')
      for (const f of this.failures) out.push(`  ${f}`)
    }
    let failedCount = failed
    // a loss fails the run even when every case passed
    if (lostTotal > 0 && failedCount === 0) failedCount = 1
    out.push(`${passed} passed, ${failedCount} failed`)
    process.stdout.write(`${out.join('\n')}\n`)
    return failedCount > 0 ? 1 : 0
  }
}

async function runCleanups(cleanups: Cleanup[]): Promise<void> {
  while (cleanups.length > 0) {
    const fn = cleanups.pop()
    try {
      await Promise.race([
        Promise.resolve().then(fn),
        new Promise((resolve) => setTimeout(resolve, 10_000).unref()),
      ])
    } catch {
      // a cleanup that fails must not stop the others
    }
  }
}

export function describe(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err)
  return message.split('\n').slice(0, 3).join(' | ')
}

/** Throws with `message` unless `condition`. */
export function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(message)
}

export async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  await new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms)
    function done(): void {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    signal?.addEventListener('abort', done, { once: true })
  })
}

/** Polls `probe` until it returns a value other than `undefined`, within `timeoutMs`. */
export async function waitUntil<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | undefined> | T | undefined,
  intervalMs = 100,
  signal?: AbortSignal,
): Promise<T> {
  const deadline = performance.now() + timeoutMs
  let lastError: unknown
  while (performance.now() < deadline && signal?.aborted !== true) {
    try {
      const value = await probe()
      if (value !== undefined) return value
    } catch (err) {
      lastError = err
    }
    await sleep(intervalMs, signal)
  }
  throw new Error(
    `${what} not reached within ${timeoutMs} ms${lastError !== undefined ? ` (last error: ${describe(lastError)})` : ''}`,
  )
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[index] as number
}
