/**
 * The suite's runner: cases with a time bound each, cleanups that always run (LIFO, also on
 * SIGINT/SIGTERM and on a failing case), figures per group, and the closing table.
 *
 * Nothing a case does can end the run: a throw, a rejection, a timeout, and (once
 * `catchStrays()` is on) an uncaught exception or unhandled rejection from the case's async
 * context each fail that case with one line; `ctx.skip()` records what the machine cannot
 * provide as a skipped case.
 */

import { AsyncLocalStorage } from 'node:async_hooks'
import type { EventEmitter } from 'node:events'

export type Cleanup = () => unknown

/** What a case gets: an abort signal at its time bound, a place for cleanups, a log. */
export interface CaseContext {
  /** Aborted when the case's time bound passes; loops must watch it. */
  readonly signal: AbortSignal
  /** Runs `fn` when the case ends (pass, fail or timeout), last registered first. */
  defer(fn: Cleanup): void
  log(message: string): void
  /**
   * Ends the case as skipped, `reason` its one line: only for what this machine cannot provide
   * (root, a user, a tool), never for a check that fails.
   */
  skip(reason: string): never
}

export interface SuiteOptions {
  quick: boolean
  /** Seconds of scrape load in the load group. */
  loadSeconds: number
  /** Connect/disconnect cycles in the churn case. */
  churnCycles: number
  verbose: boolean
  /** Where the lines go. @default process.stdout */
  output?: { write(text: string): unknown }
}

/** Thrown by `ctx.skip()`; the runner counts the case as skipped, not failed. */
export class CaseSkippedError extends Error {
  override readonly name = 'CaseSkippedError'
  readonly code = 'ERR_CASE_SKIPPED'

  constructor(message = 'skipped') {
    super(message)
  }
}

interface GroupStats {
  name: string
  tried: number
  passed: number
  failed: number
  skipped: number
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

/** A running case or group body: what an error that escaped every handler is charged to. */
interface Owner {
  stats: GroupStats
  name: string
  /** Fails the owner with `err`; false once it has ended. */
  fail(err: Error): boolean
}

/** The owner of the current async context (timers, sockets and children inherit it). */
const owners = new AsyncLocalStorage<Owner>()

function skipped(err: unknown): err is CaseSkippedError {
  return (err as { name?: unknown } | undefined)?.name === 'CaseSkippedError'
}

export class Suite {
  readonly options: SuiteOptions
  readonly tally: Tally = { loadHeld: [], faultsSurvived: 0, faultsTried: 0, lost: new Map() }
  private readonly groups: GroupStats[] = []
  private current?: GroupStats
  /** Failures outside every group (a crash of the runner itself). */
  private runnerStats?: GroupStats
  private readonly pending = new Set<Cleanup[]>()
  private readonly failures: string[] = []
  private readonly skips: string[] = []
  private done = false
  /** Set by `abortAll()`: no case or group starts after it (nothing would clean up after it). */
  private stopping = false

  constructor(options: SuiteOptions) {
    this.options = options
  }

  /** Whether `report()` has printed the table and the last line. */
  get reported(): boolean {
    return this.done
  }

  private write(text: string): void {
    const output = this.options.output ?? process.stdout
    output.write(text)
  }

  /**
   * Fails whatever runs when an uncaught exception or unhandled rejection surfaces, instead of
   * letting it end the process: the case whose async context it came from, else one failed
   * entry of its own. `events` is where those are emitted (the process; a stub in tests).
   * Returns a function that removes the handlers.
   */
  catchStrays(events: Pick<EventEmitter, 'on' | 'off'> = process): () => void {
    const onException = (err: unknown): void => this.stray('uncaught exception', err)
    const onRejection = (reason: unknown): void => this.stray('unhandled rejection', reason)
    events.on('uncaughtException', onException)
    events.on('unhandledRejection', onRejection)
    return () => {
      events.off('uncaughtException', onException)
      events.off('unhandledRejection', onRejection)
    }
  }

  private stray(kind: string, err: unknown): void {
    const error = new Error(`${kind}: ${describe(err)}`)
    const owner = owners.getStore()
    if (owner?.fail(error) === true) return
    // its case has ended, or it came from outside every case: a failed entry of its own
    this.failOutside(
      owner?.stats ?? this.current,
      owner !== undefined ? `(after "${owner.name}" ended)` : '(runner)',
      error,
    )
  }

  /** Counts one failed entry that is not a case: a group body, a stray error, a crash. */
  private failOutside(stats: GroupStats | undefined, label: string, err: unknown): void {
    const group = stats ?? this.runnerGroup()
    group.tried++
    group.failed++
    this.failures.push(`${group.name}: ${label} ${describe(err)}`)
    this.write(`  FAIL  ${label} ${describe(err)}\n`)
  }

  private runnerGroup(): GroupStats {
    if (this.runnerStats === undefined) {
      this.runnerStats = newStats('runner')
      this.groups.push(this.runnerStats)
    }
    return this.runnerStats
  }

  private context(
    signal: AbortSignal,
    cleanups: Cleanup[],
    onLog: (message: string) => void,
  ): CaseContext {
    return {
      signal,
      defer: (fn) => cleanups.push(fn),
      log: (message) => {
        onLog(message)
        if (this.options.verbose) this.write(`        ${message}\n`)
      },
      skip: (reason) => {
        throw new CaseSkippedError(reason)
      },
    }
  }

  /**
   * Runs a group. `scope` holds what lives as long as the group (a node, a peer); its cleanups
   * run when the group ends.
   */
  async group(name: string, body: (scope: CaseContext) => Promise<void>): Promise<void> {
    if (this.stopping) return
    const stats = newStats(name)
    this.groups.push(stats)
    this.current = stats
    const started = performance.now()
    this.write(`\n== ${name}\n`)
    const controller = new AbortController()
    const cleanups: Cleanup[] = []
    this.pending.add(cleanups)
    const scope = this.context(controller.signal, cleanups, () => undefined)
    let running = true
    const owner: Owner = {
      stats,
      name: `${name} (group)`,
      fail: (err) => {
        if (running) this.failOutside(stats, '(group)', err)
        return running
      },
    }
    try {
      await owners.run(owner, () => body(scope))
    } catch (err) {
      if (skipped(err)) {
        stats.skipped++
        this.skips.push(`${name}: ${err.message}`)
        this.write(`  skip  (group) ${err.message}\n`)
      } else {
        // a group body that throws outside a case still counts, as one failed case
        this.failOutside(stats, '(group)', err)
      }
    } finally {
      controller.abort()
      await owners.run(owner, () => runCleanups(cleanups))
      this.pending.delete(cleanups)
      running = false
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
   * Runs one case within `timeoutMs`. Resolves `true` when it passed, `false` when it failed
   * or was skipped. A case fails when it throws, rejects, outruns its bound, or (see
   * `catchStrays()`) leaves an uncaught exception or unhandled rejection behind; its cleanups
   * run either way.
   */
  async case(
    name: string,
    timeoutMs: number,
    fn: (ctx: CaseContext) => Promise<void>,
    opts: { fault?: boolean } = {},
  ): Promise<boolean> {
    const stats = this.current
    if (stats === undefined) throw new Error('case outside a group')
    if (this.stopping) return false
    const controller = new AbortController()
    const cleanups: Cleanup[] = []
    this.pending.add(cleanups)
    const logs: string[] = []
    const ctx = this.context(controller.signal, cleanups, (message) => logs.push(message))
    let running = true
    let strayError: Error | undefined
    let failNow: (err: Error) => void = () => undefined
    const owner: Owner = {
      stats,
      name,
      fail: (err) => {
        if (!running) return false
        if (strayError === undefined) strayError = err
        else logs.push(`also ${err.message}`)
        failNow(err)
        return true
      },
    }
    const started = performance.now()
    let timer: NodeJS.Timeout | undefined
    // rejects at the time bound, or at once when a stray error of this case surfaces
    const bound = new Promise<never>((_, reject) => {
      failNow = reject
      timer = setTimeout(() => {
        controller.abort(new Error(`timed out after ${timeoutMs} ms`))
        reject(new Error(`timed out after ${timeoutMs} ms`))
      }, timeoutMs)
    })
    // settled after the race too (a stray during the cleanups): never an unhandled rejection
    bound.catch(() => undefined)
    let error: unknown
    try {
      await Promise.race([owners.run(owner, () => fn(ctx)), bound])
    } catch (err) {
      error = err
    } finally {
      clearTimeout(timer)
      if (!controller.signal.aborted) controller.abort(new Error('case ended'))
      await owners.run(owner, () => runCleanups(cleanups))
      this.pending.delete(cleanups)
      running = false
    }
    // a stray error fails a case even when its body went on to resolve
    error ??= strayError
    const ms = Math.round(performance.now() - started)
    if (skipped(error)) {
      stats.skipped++
      this.skips.push(`${stats.name} / ${name}: ${error.message}`)
      this.write(`  skip  ${name}: ${error.message}\n`)
      return false
    }
    // tried: passed or failed; a skipped case never ran
    stats.tried++
    if (opts.fault === true) this.tally.faultsTried++
    if (error === undefined) {
      stats.passed++
      if (opts.fault === true) this.tally.faultsSurvived++
      this.write(`  ok    ${name} (${ms} ms)\n`)
      return true
    }
    stats.failed++
    this.failures.push(`${stats.name} / ${name}: ${describe(error)}`)
    this.write(`  FAIL  ${name} (${ms} ms): ${describe(error)}\n`)
    if (!this.options.verbose) for (const line of logs.slice(-8)) this.write(`        ${line}\n`)
    return false
  }

  /** Runs every pending cleanup now, and starts nothing more (on a signal). */
  async abortAll(): Promise<void> {
    this.stopping = true
    for (const cleanups of [...this.pending]) {
      await runCleanups(cleanups)
      this.pending.delete(cleanups)
    }
  }

  /**
   * Prints the table and the last line, `N passed, N failed`; returns the process exit code.
   * `crash` (the runner itself failed, or was stopped) counts as one more failure.
   */
  report(totalMs: number, crash?: unknown): number {
    if (crash !== undefined) this.failOutside(undefined, '(runner)', crash)
    this.done = true
    const rows = this.groups.map((g) => [
      g.name,
      String(g.tried),
      String(g.passed),
      String(g.failed),
      String(g.skipped),
      `${(g.durationMs / 1000).toFixed(1)} s`,
    ])
    const header = ['group', 'tried', 'passed', 'failed', 'skipped', 'time']
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
    const line = (cells: string[]): string =>
      cells
        .map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
        .join('  ')
    const sum = (key: 'tried' | 'passed' | 'failed' | 'skipped'): number =>
      this.groups.reduce((n, g) => n + g[key], 0)
    const passed = sum('passed')
    const failed = sum('failed')
    const lostTotal = [...this.tally.lost.values()].reduce((a, b) => a + b, 0)

    const out: string[] = ['', '== reliability summary', line(header)]
    out.push(line(header.map((_, i) => '-'.repeat(widths[i] ?? 0))))
    for (const row of rows) out.push(line(row))
    out.push(
      line([
        'total',
        String(sum('tried')),
        String(passed),
        String(failed),
        String(sum('skipped')),
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
    if (this.skips.length > 0) {
      out.push('')
      out.push('skipped:')
      for (const s of this.skips) out.push(`  ${s}`)
    }
    if (this.failures.length > 0) {
      out.push('')
      out.push('failures:')
      for (const f of this.failures) out.push(`  ${f}`)
    }
    let failedCount = failed
    // a loss fails the run even when every case passed
    if (lostTotal > 0 && failedCount === 0) failedCount = 1
    out.push(`${passed} passed, ${failedCount} failed`)
    this.write(`${out.join('\n')}\n`)
    return failedCount > 0 ? 1 : 0
  }
}

function newStats(name: string): GroupStats {
  return { name, tried: 0, passed: 0, failed: 0, skipped: 0, durationMs: 0, figures: [] }
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
  // by shape, not `instanceof`: errors from another realm (a vm context, jest) are errors too
  const message =
    typeof (err as { message?: unknown } | undefined)?.message === 'string'
      ? (err as { message: string }).message
      : String(err)
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
