/**
 * What the docs name is there. Every repository path that a README, a guide under docs/ or the
 * alert rules cite exists in this checkout, and every metric name they cite is served by live
 * nodes started with the defaults on loopback: a relay server, and a node that has it as its
 * peer. The few exceptions are listed below, each with its reason.
 */
import { existsSync } from 'node:fs'
import { readFile, readdir } from 'node:fs/promises'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { loopbackFlags, spawnCli, tempDir } from '../fixtures/cli.js'
import type { CliProcess } from '../fixtures/cli.js'

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url))

/** Paths the docs cite that are not this repository's, on purpose. */
const FOREIGN_PATHS = new Map([
  [
    'packages/autonat/src/autonat.ts',
    "js-libp2p's repository, where docs/upstream.md reports a defect",
  ],
])

/**
 * Metric names the docs cite that the nodes of this test do not serve, with the reason. Keep it
 * short: a name here is one the docs promise under conditions this test does not create.
 */
const NOT_SERVED = new Map<string, string>([])

/** Not files of the repository, though a doc may name them. */
const NOT_IN_REPO = new Set(['node_modules', '.git', '.turbo', 'dist', 'coverage'])

/** README.md, docs/*.md, the READMEs of packages, apps and tooling, the monitoring files. */
async function docFiles(): Promise<string[]> {
  const files = ['README.md']
  for (const name of await readdir(join(ROOT, 'docs'))) {
    if (name.endsWith('.md')) files.push(`docs/${name}`)
  }
  for (const group of ['packages', 'apps', 'tooling']) {
    for (const name of await readdir(join(ROOT, group))) {
      if (existsSync(join(ROOT, group, name, 'README.md'))) files.push(`${group}/${name}/README.md`)
    }
  }
  files.push(
    'packages/diagnostics/monitoring/README.md',
    'packages/diagnostics/monitoring/alerts.yml',
  )
  return files
}

/** Every file name of the checkout (for a bare `name.md` in a doc). */
async function fileNames(dir = ROOT, names = new Set<string>()): Promise<Set<string>> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (NOT_IN_REPO.has(entry.name)) continue
    if (entry.isDirectory()) await fileNames(join(dir, entry.name), names)
    else names.add(entry.name)
  }
  return names
}

/** The package (or app, or tool) a doc belongs to: the nearest folder with a package.json. */
function packageRoot(doc: string): string | undefined {
  for (let dir = dirname(join(ROOT, doc)); dir.length > ROOT.length; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir
  }
  return undefined
}

interface Citation {
  /** `docs/monitoring.md:42` */
  where: string
  name: string
}

function lineOf(text: string, index: number): number {
  return text.slice(0, index).split('\n').length
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

/**
 * The paths a doc cites, each with the places it may be: a relative link from the doc's folder;
 * a path that starts at a top-level entry of the repository (`docs/...`, `scripts/...`), from
 * the root; `src/`, `test/`, `bin/` or `monitoring/` in a package's doc, from the package; a bare
 * `name.md`, anywhere in the checkout.
 */
function citedPaths(
  doc: string,
  text: string,
  top: string[],
  names: Set<string>,
): Array<Citation & { found: boolean }> {
  const cited: Array<Citation & { found: boolean }> = []
  const cite = (index: number, name: string, found: boolean): void => {
    cited.push({ where: `${doc}:${lineOf(text, index)}`, name, found })
  }
  for (const match of text.matchAll(/\]\(([^)\s#]+)(?:#[^)]*)?\)/g)) {
    const target = match[1] as string
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue
    cite(match.index, target, existsSync(join(ROOT, dirname(doc), target)))
  }
  const fromRoot = new RegExp(
    `(?<![\\w./@-])(?:${top.map(escape).join('|')})(?:/[\\w.@-]*\\w)*(?![\\w/-])`,
    'g',
  )
  for (const match of text.matchAll(fromRoot)) {
    if (!match[0].includes('/') && !match[0].includes('.')) continue
    cite(match.index, match[0], existsSync(join(ROOT, match[0])))
  }
  const pkg = packageRoot(doc)
  if (pkg !== undefined) {
    for (const match of text.matchAll(/`((?:src|test|bin|monitoring)\/[\w.@/-]*\w)`/g)) {
      const path = match[1] as string
      cite(match.index, `${relative(ROOT, pkg)}/${path}`, existsSync(join(pkg, path)))
    }
  }
  for (const match of text.matchAll(/(?<![\w./@-])([\w-]+(?:\.[\w-]+)*\.md)(?![\w/-])/g)) {
    cite(match.index, match[1] as string, names.has(match[1] as string))
  }
  return cited
}

/** Metric names a doc cites; `prefix` for `p2p_bandwidth_*` and `grep '^p2p_discovery_bootstrap'`. */
function citedMetrics(doc: string, text: string): Array<Citation & { prefix: boolean }> {
  const cited: Array<Citation & { prefix: boolean }> = []
  const pattern = /(?<![\w./-])(\^?)((?:p2p|wes_node|libp2p|process|nodejs)_[a-z0-9_]*)(\*?)/g
  for (const match of text.matchAll(pattern)) {
    const [, anchor, name, star] = match as unknown as [string, string, string, string]
    cited.push({
      where: `${doc}:${lineOf(text, match.index)}`,
      name,
      prefix: anchor === '^' || star === '*' || name.endsWith('_'),
    })
  }
  return cited
}

/** What a node serves: family names with their types, and every sample name. */
interface Served {
  families: Map<string, string>
  samples: Set<string>
}

function readExposition(text: string, served: Served): void {
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line)
    if (type !== null) served.families.set(type[1] as string, type[2] as string)
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]/.exec(line)
    if (sample !== null) served.samples.add(sample[1] as string)
  }
}

function isServed(name: string, prefix: boolean, served: Served): boolean {
  const all = [...served.samples, ...served.families.keys()]
  if (prefix) return all.some((servedName) => servedName.startsWith(name))
  if (served.samples.has(name) || served.families.has(name)) return true
  // a histogram's (or summary's) series, named whether or not it has observations yet
  const series = /^(.+)_(bucket|sum|count)$/.exec(name)
  const kind = series === null ? undefined : served.families.get(series[1] as string)
  return kind === 'histogram' || kind === 'summary'
}

describe('the docs name what is there', () => {
  const running: CliProcess[] = []
  const served: Served = { families: new Map(), samples: new Set() }
  let docs: Array<{ doc: string; text: string }> = []

  beforeAll(async () => {
    docs = await Promise.all(
      (await docFiles()).map(async (doc) => ({
        doc,
        text: await readFile(join(ROOT, doc), 'utf8'),
      })),
    )

    const relay = spawnCli(['start', ...loopbackFlags(await tempDir()), '--relay-server'])
    running.push(relay)
    const [, relayDiag] = await relay.waitFor(/^diagnostics: http:\/\/(\S+)$/m)
    const [, relayListen] = await relay.waitFor(/^listening on: (\S+)$/m)
    const node = spawnCli([
      'start',
      ...loopbackFlags(await tempDir()),
      '--bootstrap',
      relayListen as string,
    ])
    running.push(node)
    const [, nodeDiag] = await node.waitFor(/^diagnostics: http:\/\/(\S+)$/m)
    // libp2p's families fill in once the two are connected
    const deadline = Date.now() + 20_000
    for (;;) {
      const body = (await (await fetch(`http://${nodeDiag}/debug/p2p/peers`)).json()) as {
        peers?: number
      }
      if ((body.peers ?? 0) >= 1) break
      if (Date.now() > deadline) throw new Error('the node did not connect to the relay in 20 s')
      await new Promise((resolve) => setTimeout(resolve, 200))
    }
    for (const addr of [relayDiag as string, nodeDiag]) {
      for (const accept of [
        'text/plain;version=0.0.4',
        'application/openmetrics-text;version=1.0.0',
      ]) {
        const response = await fetch(`http://${addr}/metrics`, { headers: { accept } })
        expect(response.status).toBe(200)
        readExposition(await response.text(), served)
      }
    }
  }, 60_000)

  afterAll(async () => {
    await Promise.all(running.map((cli) => cli.stop()))
  })

  it('cites only paths that exist', async () => {
    const top = (await readdir(ROOT)).filter((name) => !NOT_IN_REPO.has(name))
    const names = await fileNames()
    const missing = docs
      .flatMap(({ doc, text }) => citedPaths(doc, text, top, names))
      .filter(({ name, found }) => !found && !FOREIGN_PATHS.has(name))
      .map(({ where, name }) => `${where} ${name}`)
    expect(missing).toEqual([])
  })

  it('cites only metrics that a node with the defaults serves', () => {
    const missing = docs
      .flatMap(({ doc, text }) => citedMetrics(doc, text))
      .filter(({ name, prefix }) => !NOT_SERVED.has(name) && !isServed(name, prefix, served))
      .map(({ where, name, prefix }) => `${where} ${name}${prefix ? '*' : ''}`)
    expect(missing).toEqual([])
  })

  it('served what the metric check reads: the spec, libp2p, process and Node.js families', () => {
    for (const family of [
      'p2p_peers_total',
      'wes_node_build_info',
      'process_open_fds',
      'nodejs_heap_size_used_bytes',
    ]) {
      expect(served.families.has(family)).toBe(true)
    }
    expect([...served.families.keys()].some((name) => name.startsWith('libp2p_'))).toBe(true)
  })

  it('keeps its exceptions honest: each is still cited, and still absent', async () => {
    const top = (await readdir(ROOT)).filter((name) => !NOT_IN_REPO.has(name))
    const names = await fileNames()
    const paths = docs.flatMap(({ doc, text }) => citedPaths(doc, text, top, names))
    for (const path of FOREIGN_PATHS.keys()) {
      expect(paths.filter(({ name }) => name === path).map(({ found }) => found)).toContain(false)
    }
    const metrics = docs.flatMap(({ doc, text }) => citedMetrics(doc, text))
    for (const name of NOT_SERVED.keys()) {
      expect(metrics.map((cited) => cited.name)).toContain(name)
      expect(isServed(name, false, served)).toBe(false)
    }
  })
})
