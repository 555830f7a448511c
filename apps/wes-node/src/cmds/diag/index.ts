import { Argument, Command, InvalidArgumentError } from 'commander'
import {
  DEFAULT_DIAGNOSTICS_CLIENT_INIT,
  DEFAULT_PAGE_LIMIT,
  MAX_PAGE_LIMIT,
  MAX_PAGE_OFFSET,
  VERBOSE_VIEW_NAMES,
  VIEWS,
  VIEW_NAMES,
  parseLimit,
  parseOffset,
} from '@wes/diagnostics/client'
import type { PageNumberResult } from '@wes/diagnostics/client'
import type { CliContext } from '../../context.js'
import { resolveDiagOptions } from './options.js'
import type { DiagFlags } from './options.js'
import {
  DEFAULT_WATCH_OPTIONS,
  INTERVAL_RANGE_SECONDS,
  MAX_COUNT,
  WATCH,
  parseCount,
  parseIntervalSeconds,
  resolveWatchOptions,
} from './watch/options.js'
import type { WatchFlags } from './watch/options.js'

function timeoutMs(raw: string): number {
  const value = Number(raw)
  if (!/^\d+$/.test(raw.trim()) || value < 1 || value > 600_000) {
    throw new InvalidArgumentError('expected milliseconds between 1 and 600000.')
  }
  return value
}

/** Seconds to wait, from 1 s to a day. */
function waitSeconds(raw: string): number {
  const value = Number(raw)
  if (!/^\d+$/.test(raw.trim()) || value < 1 || value > 86_400) {
    throw new InvalidArgumentError('expected seconds between 1 and 86400.')
  }
  return value
}

/** A flag of a page, read by the rule the server applies to the query parameter. */
function pageNumber(
  parse: (raw: string) => PageNumberResult,
  expected: string,
): (raw: string) => number {
  return (raw) => {
    const result = parse(raw)
    if (!result.ok) throw new InvalidArgumentError(`expected ${expected}.`)
    return result.value
  }
}

/** One line per view of the table: its name and description. */
function viewsHelp(): string {
  const width = Math.max(...VIEW_NAMES.map((name) => name.length))
  const lines = VIEW_NAMES.map((name) => `  ${name.padEnd(width)}  ${VIEWS[name].description}`)
  return [
    '',
    'Views (GET /debug/p2p/<view>):',
    ...lines,
    '',
    'The live view (health, stats and routing, and /metrics, read every second):',
    `  ${WATCH.padEnd(width)}  until q or Ctrl-C: health, peers, rates with a chart, discovery,`,
    `  ${' '.repeat(width)}  routing, reachability; one line per read when not a terminal`,
  ].join('\n')
}

/** A flag's value through `parse`, or commander's usage error (exit 2) saying what was expected. */
function checked(parse: (raw: string) => number | undefined, expected: string) {
  return (raw: string): number => {
    const value = parse(raw)
    if (value === undefined) throw new InvalidArgumentError(`expected ${expected}.`)
    return value
  }
}

/**
 * `wes-node diag <view> [--addr host:port] [--json] [--verbose [--limit <n>] [--offset <n>]]`, and
 * `wes-node diag watch [--interval <s>] [--count <n>]`: `watch` is a choice beside the views, so
 * the flags every view takes (`--addr`, `--token-file`, `--json`, `--timeout`) are the same flags.
 */
export function createDiagCommand(context: CliContext): Command {
  return new Command('diag')
    .description(
      "read a running node's diagnostics (exit 1 when unreachable, not ready or, for health, not ok)",
    )
    .addArgument(new Argument('<view>', 'what to show').choices([...VIEW_NAMES, WATCH]))
    .option(
      '--addr <host:port>',
      `the node's diagnostics address, or the http:// URL start prints (env WES_DIAGNOSTICS_ADDR) (default: ${DEFAULT_DIAGNOSTICS_CLIENT_INIT.addr})`,
    )
    .option('--json', 'print the raw JSON (watch: one JSON object per read, a line each)')
    .option(
      '--token-file <file>',
      'bearer token for a protected node (env WES_DIAGNOSTICS_TOKEN_FILE or WES_DIAGNOSTICS_TOKEN)',
    )
    .option(
      '--timeout <ms>',
      `give up after this long (default: ${DEFAULT_DIAGNOSTICS_CLIENT_INIT.timeoutMs}; watch: ${DEFAULT_WATCH_OPTIONS.timeoutMs}, then it reads again)`,
      timeoutMs,
    )
    .option(
      '--wait <seconds>',
      'health only: ask again every second until the node is ok, for up to this long (exit 1 if it never is)',
      waitSeconds,
    )
    .option(
      '--verbose',
      `${VERBOSE_VIEW_NAMES.join(', ')} only: each peer, connection or k-bucket in detail, one page of them`,
    )
    .option(
      '--limit <n>',
      `with --verbose: list at most this many (default: ${DEFAULT_PAGE_LIMIT}, at most ${MAX_PAGE_LIMIT})`,
      pageNumber(parseLimit, `an integer from 1 to ${MAX_PAGE_LIMIT}`),
    )
    .option(
      '--offset <n>',
      'with --verbose: skip this many first (default: 0)',
      pageNumber(parseOffset, `an integer from 0 to ${MAX_PAGE_OFFSET}`),
    )
    .option(
      '--interval <seconds>',
      `watch only: time between reads, ${INTERVAL_RANGE_SECONDS.min} to ${INTERVAL_RANGE_SECONDS.max} (default: ${DEFAULT_WATCH_OPTIONS.intervalMs / 1_000})`,
      checked(
        parseIntervalSeconds,
        `seconds from ${INTERVAL_RANGE_SECONDS.min} to ${INTERVAL_RANGE_SECONDS.max}`,
      ),
    )
    .option(
      '--count <n>',
      'watch only: print this many lines, then stop (lines even on a terminal; exit 1 if the last read had no answer)',
      checked(parseCount, `an integer from 1 to ${MAX_COUNT}`),
    )
    .addHelpText('after', viewsHelp())
    .action(async (view: string, flags: DiagFlags & WatchFlags) => {
      if (view === WATCH) {
        const options = resolveWatchOptions(flags, context.env)
        const { watchHandler } = await import('./watch/handler.js')
        await watchHandler(options, {
          stdout: context.stdout,
          // keys come from the process's terminal, only when the view writes to it
          ...(context.stdout === process.stdout ? { stdin: process.stdin } : {}),
          env: context.env,
          signal: context.signal,
        })
        return
      }
      const options = resolveDiagOptions(view, flags, context.env)
      const { diagHandler } = await import('./handler.js')
      await diagHandler(options, { stdout: context.stdout, signal: context.signal })
    })
}
