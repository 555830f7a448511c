/**
 * Hostile CLI and configuration input: every case must exit 2 with exactly one line
 * `wes-node: ...` on stderr, no stack trace, and no node started.
 */

import { createHash } from 'node:crypto'
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { runCli, stageCli, tempDir } from '../lib/processes.js'
import type { SpawnOptions } from '../lib/processes.js'
import { check } from '../lib/runner.js'
import type { CaseContext, Suite } from '../lib/runner.js'

interface CliCase {
  name: string
  /** Arguments after `start` (or the whole argv when `raw`). */
  args: (dir: string) => string[]
  env?: (dir: string) => Record<string, string>
  setup?: (dir: string) => Promise<void>
  /** Run as nobody (for a file root could read anyway), from a copy of the CLI nobody can reach. */
  asNobody?: boolean
  /** The case's bound. @default 30_000 */
  timeoutMs?: number
  raw?: boolean
  /** A pattern the one line must match. */
  says?: RegExp
  /** A file that must be byte-identical afterwards. */
  unchanged?: string
}

/** Loopback flags without the data dir: every case adds its own. */
function base(dir: string): string[] {
  return [
    '--data-dir',
    join(dir, 'data'),
    '--listen',
    '/ip4/127.0.0.1/tcp/0',
    '--diagnostics-addr',
    '127.0.0.1:0',
    '--no-mdns',
  ]
}

function config(dir: string): string {
  return join(dir, 'config.json')
}

function withConfig(text: string): Pick<CliCase, 'setup' | 'args'> {
  return {
    setup: (dir) => writeFile(config(dir), text),
    args: (dir) => [...base(dir), '--config', config(dir)],
  }
}

const CASES: CliCase[] = [
  // flags
  { name: 'unknown flag', args: (d) => [...base(d), '--bogus'], says: /unknown option/ },
  {
    name: 'misspelt flag (commander suggests)',
    args: (d) => [...base(d), '--listn', '/ip4/127.0.0.1/tcp/0'],
    says: /unknown option/,
  },
  { name: 'unknown command', raw: true, args: () => ['frobnicate'], says: /unknown command/ },
  {
    name: 'flag without its value',
    args: (d) => [...base(d), '--dht-mode'],
    says: /argument missing|missing/,
  },
  {
    name: 'diagnostics port 99999',
    args: (d) => [...base(d), '--diagnostics-addr', '127.0.0.1:99999'],
    says: /diagnosticsAddr/,
  },
  {
    name: 'diagnostics port -1',
    args: (d) => [...base(d), '--diagnostics-addr', '127.0.0.1:-1'],
    says: /diagnosticsAddr/,
  },
  {
    name: 'diagnostics addr without port',
    args: (d) => [...base(d), '--diagnostics-addr', 'localhost'],
    says: /diagnosticsAddr/,
  },
  {
    name: 'diagnostics addr junk',
    args: (d) => [...base(d), '--diagnostics-addr', 'a b:c'],
    says: /diagnosticsAddr/,
  },
  {
    name: 'listen tcp port 70000',
    args: (d) => [...base(d), '--listen', '/ip4/127.0.0.1/tcp/70000'],
    says: /listen/,
  },
  {
    name: 'listen not a multiaddr',
    args: (d) => [...base(d), '--listen', 'not-a-multiaddr'],
    says: /listen/,
  },
  {
    name: 'bootstrap without /p2p',
    args: (d) => [...base(d), '--bootstrap', '/ip4/127.0.0.1/tcp/1'],
    says: /bootstrap/,
  },
  {
    name: 'bootstrap bad peer id',
    args: (d) => [...base(d), '--bootstrap', '/ip4/127.0.0.1/tcp/1/p2p/notapeerid'],
    says: /bootstrap/,
  },
  {
    name: 'dht mode fast (flag)',
    args: (d) => [...base(d), '--dht-mode', 'fast'],
    says: /auto, client, server/,
  },
  {
    name: 'dht mode fast (env)',
    args: base,
    env: () => ({ WES_DHT_MODE: 'fast' }),
    says: /dht\.mode/,
  },
  {
    name: 'log level loud',
    args: (d) => [...base(d), '--log-level', 'loud'],
    says: /log-level|logLevel/,
  },
  {
    name: 'max connections -1',
    args: (d) => [...base(d), '--max-connections', '-1'],
    says: /max-connections/,
  },
  {
    name: 'max connections 10^9',
    args: (d) => [...base(d), '--max-connections', '1000000000'],
    says: /maxConnections/,
  },
  {
    name: 'max connections abc (env)',
    args: base,
    env: () => ({ WES_MAX_CONNECTIONS: 'abc' }),
    says: /WES_MAX_CONNECTIONS/,
  },
  { name: 'min peers 1e6', args: (d) => [...base(d), '--min-peers', '1000000'], says: /minPeers/ },
  { name: 'mdns env maybe', args: base, env: () => ({ WES_MDNS: 'maybe' }), says: /WES_MDNS/ },
  // config values
  {
    name: 'negative bootstrap interval',
    ...withConfig('{"discovery":{"bootstrapIntervalMs":-5}}'),
    says: /bootstrapIntervalMs/,
  },
  {
    name: 'absurd bootstrap interval',
    ...withConfig('{"discovery":{"bootstrapIntervalMs":1e12}}'),
    says: /bootstrapIntervalMs/,
  },
  {
    name: 'fractional interval',
    ...withConfig('{"discovery":{"bootstrapIntervalMs":150.5}}'),
    says: /bootstrapIntervalMs/,
  },
  {
    name: 'max interval below interval',
    ...withConfig('{"discovery":{"bootstrapIntervalMs":5000,"bootstrapMaxIntervalMs":1000}}'),
    says: /bootstrapMaxIntervalMs/,
  },
  {
    name: 'dial timeout 0',
    ...withConfig('{"discovery":{"dialTimeoutMs":0}}'),
    says: /dialTimeoutMs/,
  },
  {
    name: 'interval as a string',
    ...withConfig('{"discovery":{"bootstrapIntervalMs":"1000"}}'),
    says: /bootstrapIntervalMs/,
  },
  { name: 'dht mode in config', ...withConfig('{"dht":{"mode":"fast"}}'), says: /dht\.mode/ },
  // config file
  {
    name: 'config file missing',
    args: (d) => [...base(d), '--config', join(d, 'nope.json')],
    says: /no such file/,
  },
  {
    name: 'config path is a directory',
    args: (d) => [...base(d), '--config', d],
    says: /directory/,
  },
  {
    name: 'config file unreadable (mode 000, run as nobody)',
    asNobody: true,
    // staging the copy of the CLI takes seconds more, many more on a busy machine
    timeoutMs: 90_000,
    setup: async (d) => {
      await writeFile(config(d), '{}')
      await chmod(config(d), 0o000)
      await chmod(d, 0o755)
    },
    args: (d) => [
      '--listen',
      '/ip4/127.0.0.1/tcp/0',
      '--diagnostics-addr',
      '127.0.0.1:0',
      '--no-mdns',
      '--config',
      config(d),
      '--data-dir',
      '/proc/wes-nope/data',
    ],
    says: /permission denied/,
  },
  {
    name: 'config file malformed JSON',
    ...withConfig('{"listen": ["/ip4/127.0.0.1/tcp/0",]'),
    says: /not valid JSON/,
  },
  { name: 'config file empty', ...withConfig(''), says: /not valid JSON/ },
  { name: 'config file is an array', ...withConfig('[1,2]'), says: /JSON object/ },
  { name: 'config file is null', ...withConfig('null'), says: /JSON object/ },
  { name: 'wrong type: mdns "yes"', ...withConfig('{"mdns":"yes"}'), says: /mdns/ },
  {
    name: 'wrong type: listen a string',
    ...withConfig('{"listen":"/ip4/127.0.0.1/tcp/0"}'),
    says: /listen/,
  },
  { name: 'wrong type: dht an array', ...withConfig('{"dht":[]}'), says: /dht/ },
  {
    name: 'wrong type: maxConnections "30"',
    ...withConfig('{"maxConnections":"30"}'),
    says: /maxConnections/,
  },
  { name: 'unknown key', ...withConfig('{"foo":1}'), says: /unknown option "foo"/ },
  { name: 'unknown nested key', ...withConfig('{"dht":{"bogus":1}}'), says: /dht\.bogus/ },
  {
    name: 'key "__proto__"',
    ...withConfig('{"__proto__":{"mdns":false}}'),
    says: /unknown option "__proto__"/,
  },
  {
    name: 'key "constructor"',
    ...withConfig('{"constructor":1}'),
    says: /unknown option "constructor"/,
  },
  {
    name: 'nested key "toString"',
    ...withConfig('{"discovery":{"toString":1}}'),
    says: /discovery\.toString/,
  },
  // data directory and identity
  {
    name: 'unwritable data dir (/proc)',
    args: (d) => [...base(d).slice(2), '--data-dir', '/proc/wes-nope/data'],
    says: /data directory/,
  },
  {
    name: 'data dir is a file',
    setup: (d) => writeFile(join(d, 'data'), 'not a dir'),
    args: base,
    says: /data directory|identity/,
  },
  {
    name: 'corrupt identity key (never replaced)',
    setup: async (d) => {
      await mkdir(join(d, 'data'), { mode: 0o700 })
      await writeFile(
        join(d, 'data', 'identity.key'),
        Buffer.from('this is not a libp2p key, not at all'),
        { mode: 0o600 },
      )
    },
    args: base,
    says: /corrupt/,
    unchanged: 'data/identity.key',
  },
  {
    name: 'empty identity key (never replaced)',
    setup: async (d) => {
      await mkdir(join(d, 'data'), { mode: 0o700 })
      await writeFile(join(d, 'data', 'identity.key'), '', { mode: 0o600 })
    },
    args: base,
    says: /corrupt/,
    unchanged: 'data/identity.key',
  },
  {
    name: 'token file missing',
    args: (d) => [...base(d), '--diagnostics-token-file', join(d, 'no-token')],
    says: /token file/,
  },
  {
    name: 'token too short (env)',
    args: base,
    env: () => ({ WES_DIAGNOSTICS_TOKEN: 'short' }),
    says: /16 to 4096/,
  },
  { name: 'diag unknown view', raw: true, args: () => ['diag', 'bogus'], says: /bogus/ },
  {
    name: 'diag bad addr',
    raw: true,
    args: () => ['diag', 'health', '--addr', 'nope'],
    says: /addr/,
  },
]

async function hash(path: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(path))
    .digest('hex')
}

/** Whether every folder from `/` down to `path` lets others (nobody) through. */
async function othersCanTraverse(path: string): Promise<boolean> {
  for (let dir = path; ; dir = dirname(dir)) {
    if (((await stat(dir)).mode & 0o001) === 0) return false
    if (dirname(dir) === dir) return true
  }
}

/**
 * How to run a case as nobody: the workspace's checkout may sit in a folder nobody cannot
 * enter, so it runs a copy of the CLI staged under the temporary folder (see `stageCli`).
 */
async function nobodyOptions(ctx: CaseContext): Promise<SpawnOptions> {
  if (process.getuid?.() !== 0) ctx.skip('needs root to run the CLI as nobody (uid 65534)')
  if (!(await othersCanTraverse(tmpdir())))
    ctx.skip(`nobody cannot enter the temporary folder ${tmpdir()} (set TMPDIR to one it can)`)
  return { uid: 65534, gid: 65534, cwd: '/', cli: await stageCli(ctx) }
}

async function runCase(c: CliCase, ctx: CaseContext): Promise<string[]> {
  const as = c.asNobody === true ? await nobodyOptions(ctx) : {}
  const dir = await tempDir(ctx, 'wes-rel-cli-')
  await c.setup?.(dir)
  const before = c.unchanged !== undefined ? await hash(join(dir, c.unchanged)) : undefined
  const args = c.raw === true ? c.args(dir) : ['start', ...c.args(dir)]
  const result = await runCli(
    args,
    ctx,
    { env: { WES_LOG_LEVEL: 'warn', ...(c.env?.(dir) ?? {}) }, ...as },
    20_000,
  )
  const problems: string[] = []
  const lines = result.stderr.split('\n').filter((l) => l !== '')
  if (result.code !== 2) problems.push(`exit ${result.code}, expected 2`)
  if (lines.length !== 1)
    problems.push(`${lines.length} lines on stderr: ${JSON.stringify(result.stderr.slice(0, 200))}`)
  const line = lines[0] ?? ''
  if (!line.startsWith('wes-node: '))
    problems.push(`line does not start with "wes-node: ": ${JSON.stringify(line.slice(0, 120))}`)
  if (/\n\s+at |node:internal|\.js:\d+/.test(result.stderr)) problems.push('stack trace on stderr')
  if (c.says !== undefined && !c.says.test(line))
    problems.push(`line does not match ${c.says}: ${JSON.stringify(line.slice(0, 160))}`)
  if (/peer id:/.test(result.stdout)) problems.push('a node started')
  if (c.unchanged !== undefined && (await hash(join(dir, c.unchanged))) !== before)
    problems.push(`${c.unchanged} was changed`)
  ctx.log(`${c.name}: exit ${result.code} in ${Math.round(result.ms)} ms: ${line}`)
  return problems
}

export async function cliHostile(suite: Suite, _scope: CaseContext): Promise<void> {
  let slowest = 0
  // two at a time: each run loads libp2p (about 0.5 s of CPU) on 2 shared cores
  const queue = [...CASES]
  const results: Array<Promise<unknown>> = []
  const worker = async (): Promise<void> => {
    for (let c = queue.shift(); c !== undefined; c = queue.shift()) {
      const item = c
      const startedAt = performance.now()
      await suite.case(`${item.name}: exit 2, one line`, item.timeoutMs ?? 30_000, async (ctx) => {
        const problems = await runCase(item, ctx)
        check(problems.length === 0, problems.join('; '))
      })
      slowest = Math.max(slowest, performance.now() - startedAt)
    }
  }
  results.push(worker(), worker())
  await Promise.all(results)
  suite.figure(`${CASES.length} hostile invocations, slowest ${(slowest / 1000).toFixed(1)} s`)
}
