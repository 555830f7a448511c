/**
 * Every view the diagnostics serve is one entry of the view table (@wes/diagnostics); this test
 * fails when a served view is missing from the CLI, from its help or from the docs.
 */
import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { VIEWS, VIEW_NAMES, createDiagnosticsApp } from '@wes/diagnostics'
import type { DiagnosticsSnapshot, View } from '@wes/diagnostics'
import { Registry } from 'prom-client'
import { BIN, runCliCaptured } from '../fixtures/cli.js'

const ROOT = new URL('../../../../', import.meta.url)

const SNAPSHOT: DiagnosticsSnapshot = {
  hostId: '12D3KooWHost',
  peerIds: ['12D3KooWPeerA', '12D3KooWPeerB'],
  connections: 3,
  listenAddrs: ['/ip4/127.0.0.1/tcp/28680'],
  bandwidth: {
    inTotalBytes: 2_099_386,
    outTotalBytes: 1_048_576,
    inRateBytesPerSecond: 1_200,
    outRateBytesPerSecond: 640,
  },
  health: {
    reachability: 'private',
    autoNATStatus: 'unknown',
    relay: { enabled: true, server: false, reservations: 0 },
    mdns: { enabled: true, available: true },
  },
  routing: { routingTableSize: 12, mode: 'auto', currentMode: 'client', bootstrapPeers: 2 },
}

const views = VIEW_NAMES.map((name): [string, View] => [name, VIEWS[name]])

async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return runCliCaptured(argv)
}

/** The text of a README from its `## <heading>` to the next `## `. */
async function section(path: string, heading: string): Promise<string> {
  const text = await readFile(new URL(path, ROOT), 'utf8')
  const start = text.indexOf(`\n## ${heading}\n`)
  expect(start).toBeGreaterThan(-1)
  const end = text.indexOf('\n## ', start + 1)
  return text.slice(start, end === -1 ? undefined : end)
}

let server: Server
let addr: string

beforeAll(async () => {
  const app = createDiagnosticsApp({
    source: { snapshot: () => SNAPSHOT },
    registry: new Registry(),
  })
  server = createServer(app.callback())
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  addr = `127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  await new Promise<void>((resolve) => {
    server.close(() => resolve())
    server.closeAllConnections()
  })
})

describe('every view of the table', () => {
  it.each(views)(
    '%s is listed by wes-node diag --help, with its description',
    async (name, view) => {
      const { code, stdout } = await run(['diag', '--help'])
      expect(code).toBe(0)
      expect(stdout).toContain(`"${name}"`)
      expect(stdout).toMatch(new RegExp(`^ +${name} +${escape(view.description)}$`, 'm'))
    },
  )

  it.each(views)(
    '%s is in the README endpoints and the diagnostics README',
    async (_name, view) => {
      expect(await section('README.md', 'Endpoints')).toContain(`| \`${view.path}\``)
      expect(await section('packages/diagnostics/README.md', 'Endpoints')).toContain(
        `\`${view.path}\``,
      )
    },
  )

  it.each(views)('%s is rendered by wes-node diag, as a table and as JSON', async (name, view) => {
    const body = view.fromSnapshot(SNAPSHOT)
    // DESIGN.md: a view that finds the node unhealthy (health unless `ok`) exits 1, and says why
    const unhealthy = view.unhealthy?.(body)
    const code = unhealthy === undefined ? 0 : 1
    const table = await run(['diag', name, '--addr', addr])
    expect(table).toEqual({
      code,
      stdout: `${view.render(body)}\n`,
      stderr:
        unhealthy === undefined ? '' : `wes-node: node at ${addr} is unhealthy: ${unhealthy}\n`,
    })
    expect(table.stdout.trim()).not.toBe('')
    const json = await run(['diag', name, '--json', '--addr', addr])
    expect(json.code).toBe(code)
    expect(JSON.parse(json.stdout)).toEqual(body)
  })
})

describe('wes-node diag', () => {
  // Recorded by a module resolve hook in the CLI's own process.
  const HOOK = `data:text/javascript,${encodeURIComponent(`
    import { registerHooks } from 'node:module'
    const seen = []
    registerHooks({ resolve(specifier, context, next) { const r = next(specifier, context); seen.push(r.url); return r } })
    process.on('exit', () => process.stderr.write('MODULES ' + JSON.stringify(seen) + '\\n'))
  `)}`

  it.each([[['diag', '--help']], [['diag', 'peers', '--addr', '127.0.0.1:1']]])(
    '%p loads neither Koa, prom-client nor libp2p',
    async (args) => {
      const stderr = await new Promise<string>((resolve) =>
        execFile(process.execPath, ['--import', HOOK, BIN, ...args], (_err, _stdout, err) =>
          resolve(err),
        ),
      )
      const line = /^MODULES (.*)$/m.exec(stderr)?.[1]
      expect(line).toBeDefined()
      const modules = JSON.parse(line as string) as string[]
      expect(modules.some((url) => url.includes('diagnostics/dist/client.js'))).toBe(true)
      expect(modules.filter((url) => /koa|prom-client|libp2p|p2p-core/.test(url))).toEqual([])
    },
  )
})

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
