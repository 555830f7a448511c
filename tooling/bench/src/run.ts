/**
 * `pnpm bench`: runs every benchmark (each in its own process, one after another) side by side
 * with its baseline, and writes docs/benchmarks.md and docs/benchmarks.json.
 *
 *   pnpm bench                      all benchmarks but the opt-in ones (B9), full size: writes docs/
 *   pnpm bench -- --only B2,B4      some benchmarks   } write tooling/bench/dist/results/
 *   pnpm bench -- --only B9         an opt-in one     }
 *   pnpm bench -- --quick           fewer rounds      } unless --out <dir> says otherwise
 *   node dist/run.js --render docs/benchmarks.json   re-writes the page from saved results
 */

import { spawn } from 'node:child_process'
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { format, resolveConfig } from 'prettier'
import { COMMENTARY, METHOD } from './commentary.js'
import { BENCHMARKS } from './benchmarks.js'
import { machineInfo } from './lib/machine.js'
import { renderJson, renderMarkdown, resultsTable } from './lib/report.js'
import type { Run } from './lib/report.js'
import type { BenchResult } from './lib/types.js'
import { REPO_ROOT, distFile } from './lib/util.js'

interface Args {
  /** Re-render the page from a benchmarks.json (after a change to the prose); runs nothing. */
  render?: string
  only?: string[]
  quick: boolean
  out?: string
}

function parseArgs(argv: string[]): Args {
  const args: Args = { quick: false }
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string
    if (arg === '--') continue
    if (arg === '--quick') args.quick = true
    else if (arg === '--only' || arg.startsWith('--only=')) {
      const value = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : (argv[++i] ?? '')
      args.only = value
        .split(',')
        .map((id) => id.trim().toUpperCase())
        .filter((id) => id !== '')
    } else if (arg === '--render') {
      args.render = argv[++i]
    } else if (arg === '--out' || arg.startsWith('--out=')) {
      args.out = arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[++i]
    } else {
      throw new Error(`unknown argument ${arg} (expected --only B1,B2, --quick, --out <dir>)`)
    }
  }
  const unknown = (args.only ?? []).filter((id) => !(id in BENCHMARKS))
  if (unknown.length > 0)
    throw new Error(
      `unknown benchmark ${unknown.join(', ')} (known: ${Object.keys(BENCHMARKS).join(', ')})`,
    )
  return args
}

/** Runs one benchmark in a child process, bounded by its timeout. */
async function runOne(id: string, quick: boolean): Promise<BenchResult> {
  const entry = BENCHMARKS[id]
  if (entry === undefined) throw new Error(`unknown benchmark ${id}`)
  const out = join(tmpdir(), `wes-bench-${process.pid}-${id}.json`)
  await rm(out, { force: true })
  const started = performance.now()
  const child = spawn(
    process.execPath,
    ['--expose-gc', distFile('run-one.js'), id, '--out', out, ...(quick ? ['--quick'] : [])],
    { stdio: ['ignore', 'inherit', 'inherit'], detached: true },
  )
  const timeoutMs = quick ? Math.ceil(entry.timeoutMs / 2) : entry.timeoutMs
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    // the benchmark's own process group: its workers and wes-node children go with it
    if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL')
  }, timeoutMs)
  await new Promise((resolve) => child.once('exit', resolve))
  clearTimeout(timer)
  try {
    return JSON.parse(await readFile(out, 'utf8')) as BenchResult
  } catch {
    return {
      id,
      title: entry.title,
      figures: [],
      notes: [],
      durationMs: performance.now() - started,
      error: timedOut
        ? `did not finish within ${timeoutMs / 1000} s`
        : 'the benchmark process died without a result',
    }
  } finally {
    await rm(out, { force: true })
  }
}

/** The page in the workspace's prettier style, so `pnpm lint` passes on it as generated. */
async function markdown(run: Run, file: string): Promise<string> {
  const config = (await resolveConfig(file)) ?? {}
  return format(renderMarkdown(run, METHOD, COMMENTARY), { ...config, parser: 'markdown' })
}

const args = parseArgs(process.argv.slice(2))
if (args.render !== undefined) {
  const saved = JSON.parse(await readFile(args.render, 'utf8')) as Run
  const target = join(args.out ?? dirname(args.render), 'benchmarks.md')
  await writeFile(target, await markdown(saved, target))
  process.stdout.write(`wrote ${target} from ${args.render}\n`)
  process.exit(0)
}
const ids = args.only ?? Object.keys(BENCHMARKS).filter((id) => BENCHMARKS[id]?.optIn !== true)
const publish = args.only === undefined && !args.quick
const outDir = args.out ?? (publish ? join(REPO_ROOT, 'docs') : distFile('results'))
const machine = machineInfo()
process.stderr.write(
  `wes-node benchmarks (${args.quick ? 'quick' : 'full'}): ${ids.join(', ')}\n` +
    `${machine.cpuModel}, ${machine.cores} cores, ${machine.ramGiB} GiB, Node ${machine.node}\n`,
)

const started = performance.now()
const benchmarks: BenchResult[] = []
for (const id of ids) {
  process.stderr.write(`${id} ${BENCHMARKS[id]?.title ?? ''}\n`)
  const result = await runOne(id, args.quick)
  process.stderr.write(
    `${id} done in ${(result.durationMs / 1000).toFixed(1)} s${result.error !== undefined ? ` (failed: ${result.error.split('\n')[0]})` : ''}\n`,
  )
  benchmarks.push(result)
}

const run: Run = {
  machine,
  quick: args.quick,
  ...(args.only !== undefined ? { only: args.only } : {}),
  durationMs: performance.now() - started,
  loadAverageAtEnd: loadavg().map((l) => Math.round(l * 100) / 100),
  benchmarks,
}
await mkdir(outDir, { recursive: true })
await writeFile(join(outDir, 'benchmarks.md'), await markdown(run, join(outDir, 'benchmarks.md')))
await writeFile(join(outDir, 'benchmarks.json'), renderJson(run))
process.stdout.write(
  `\n${resultsTable(benchmarks)}\n\nwrote ${join(outDir, 'benchmarks.md')} and benchmarks.json\n`,
)
process.exit(benchmarks.some((b) => b.error !== undefined) ? 1 : 0)
