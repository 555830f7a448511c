/**
 * The status page's routes (`/debug/p2p/ui`, its `page.js` and `page.css`), on the app as it is
 * built and served: the security headers, revalidation, `HEAD`, 404 for what is not the page, and
 * the token's bypass for exactly the page's shell and assets. Reads the built page in `dist/ui/`
 * (the package's build writes it; turbo builds before testing).
 */
import { existsSync } from 'node:fs'
import { copyFile, mkdtemp, rm } from 'node:fs/promises'
import { request } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import Router from '@koa/router'
import Koa from 'koa'
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import { Registry } from 'prom-client'
import { VIEWS, createDiagnosticsApp } from '../../src/index.js'
import { errorHandler } from '../../src/middleware/error-handler.js'
import { routerStatusToErrors } from '../../src/middleware/router-status.js'
import {
  UI_CONTENT_SECURITY_POLICY,
  isUiAssetRequest,
  registerUiRoutes,
} from '../../src/routes/ui.js'
import { rawRequest } from './http-client.js'
import { createLoopbackServers } from './loopback-servers.js'
import { createStubSource } from './stub-source.js'

const TOKEN = 'wes-ui-test-token-0123456789'
const AUTH = { authorization: `Bearer ${TOKEN}` }
const PAGE_PATHS = [
  '/debug/p2p/ui',
  '/debug/p2p/ui/',
  '/debug/p2p/ui/page.js',
  '/debug/p2p/ui/page.css',
]
const TYPES: Record<string, string> = {
  '/debug/p2p/ui': 'text/html; charset=utf-8',
  '/debug/p2p/ui/': 'text/html; charset=utf-8',
  '/debug/p2p/ui/page.js': 'text/javascript; charset=utf-8',
  '/debug/p2p/ui/page.css': 'text/css; charset=utf-8',
}
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; " +
  "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

const servers = createLoopbackServers()
afterEach(() => servers.closeAll())

beforeAll(() => {
  const built = new URL('../../dist/ui/page.js', import.meta.url)
  if (!existsSync(built)) {
    throw new Error(
      'dist/ui/ is missing: build the package first (pnpm --filter @wes/diagnostics build)',
    )
  }
})

/** The app on loopback, with `token` required when given. */
async function serve(token?: string): Promise<string> {
  const app = createDiagnosticsApp({
    source: createStubSource(),
    registry: new Registry(),
    ...(token !== undefined ? { token } : {}),
  })
  return `http://${await servers.listen(app.callback())}`
}

describe('the status page routes', () => {
  it('the page is the same one source of truth as the views: the shell loads page.js and page.css, and page.js reads each view it shows by its path in the table', async () => {
    const base = await serve()
    const html = await (await fetch(`${base}/debug/p2p/ui`)).text()
    expect(html).toContain('<script defer src="/debug/p2p/ui/page.js"></script>')
    expect(html).toContain('<link rel="stylesheet" href="/debug/p2p/ui/page.css" />')
    // nothing the CSP would have to allow: every script has a src, no inline style or handler
    expect(html.match(/<script\b[^>]*>/g)).toEqual(['<script defer src="/debug/p2p/ui/page.js">'])
    expect(html).not.toMatch(/\sstyle=|<style\b|\son[a-z]+=/i)
    // nothing fetched from anywhere but the node
    expect(html).not.toMatch(/(?:src|href)="(?:https?:)?\/\//)
    const script = await (await fetch(`${base}/debug/p2p/ui/page.js`)).text()
    for (const name of ['health', 'stats', 'peers', 'routing'] as const) {
      expect(script).toContain(VIEWS[name].path)
    }
    expect(script).toContain('uPlot')
    // the discovery funnel reads the stats view's `discovery`: the page never asks for /metrics
    expect(script).not.toMatch(/["'`]\/metrics/)
    const css = await (await fetch(`${base}/debug/p2p/ui/page.css`)).text()
    expect(css).toContain('.uplot')
    expect(css).toContain('.badge-degraded')
  })

  it.each(PAGE_PATHS)(
    'GET %s: 200 with its type, the CSP, nosniff, no-referrer and an ETag',
    async (path) => {
      const base = await serve()
      const res = await fetch(base + path)
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toBe(TYPES[path])
      expect(res.headers.get('content-security-policy')).toBe(CSP)
      expect(UI_CONTENT_SECURITY_POLICY).toBe(CSP)
      expect(res.headers.get('x-content-type-options')).toBe('nosniff')
      expect(res.headers.get('referrer-policy')).toBe('no-referrer')
      expect(res.headers.get('x-frame-options')).toBe('DENY')
      // the names are not hashed: revalidated, never cached immutable
      expect(res.headers.get('cache-control')).toBe('no-cache')
      expect(res.headers.get('etag')).toMatch(/^"[\w-]+"$/)
      expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(0)
    },
  )

  it('a request with the ETag it has answers 304 without a body', async () => {
    const base = await serve()
    const first = await fetch(`${base}/debug/p2p/ui/page.js`)
    const etag = first.headers.get('etag') as string
    await first.arrayBuffer()
    // node:http, not fetch: fetch adds `Cache-Control: no-cache` to a conditional request
    const { hostname, port } = new URL(base)
    const again = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        {
          host: hostname,
          port: Number(port),
          path: '/debug/p2p/ui/page.js',
          headers: { 'if-none-match': etag },
          agent: false,
        },
        (res) => {
          let body = ''
          res.setEncoding('utf8')
          res.on('data', (chunk: string) => (body += chunk))
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
        },
      )
      req.on('error', reject)
      req.end()
    })
    expect(again).toEqual({ status: 304, body: '' })
  })

  it.each(PAGE_PATHS)('HEAD %s: the headers of GET, no body', async (path) => {
    const base = await serve(TOKEN)
    const got = await rawRequest(base, 'GET', path)
    const head = await rawRequest(base, 'HEAD', path)
    expect(head.status).toBe(200)
    expect(head.body).toBe('')
    for (const name of ['content-type', 'content-length', 'content-security-policy', 'etag']) {
      expect([name, head.headers[name]]).toEqual([name, got.headers[name]])
    }
    expect(Number(head.headers['content-length'])).toBe(Buffer.byteLength(got.body))
  })

  it('the shell says whether the views want a token, asked on each load', async () => {
    const open = await serve()
    expect(await (await fetch(`${open}/debug/p2p/ui`)).text()).toContain(
      '<meta name="wes-token" content="none" />',
    )
    const guarded = await serve(TOKEN)
    expect(await (await fetch(`${guarded}/debug/p2p/ui`)).text()).toContain(
      '<meta name="wes-token" content="required" />',
    )

    // a token that changes while serving: the shell follows it, and so does its ETag
    const current: { token?: string } = {}
    const app = createDiagnosticsApp({
      source: createStubSource(),
      registry: new Registry(),
      token: () => current.token,
    })
    const base = `http://${await servers.listen(app.callback())}`
    const before = await fetch(`${base}/debug/p2p/ui`)
    expect(await before.text()).toContain('content="none"')
    current.token = TOKEN
    const after = await fetch(`${base}/debug/p2p/ui`)
    expect(await after.text()).toContain('content="required"')
    expect(after.headers.get('etag')).not.toBe(before.headers.get('etag'))
  })

  it('unknown paths under the page answer 404 JSON', async () => {
    const open = await serve()
    const guarded = await serve(TOKEN)
    for (const path of [
      '/debug/p2p/ui/other.js',
      '/debug/p2p/ui/page.js.map',
      '/debug/p2p/ui/index.html',
      '/debug/p2p/ui/../ui/x',
    ]) {
      for (const [base, headers] of [
        [open, {}],
        [guarded, AUTH],
      ] as const) {
        const res = await fetch(base + path, { headers })
        expect([path, res.status]).toEqual([path, 404])
        expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8')
        expect(((await res.json()) as { error: string }).error).toBe('not_found')
        expect(res.headers.get('content-security-policy')).toBeNull()
      }
    }
  })

  it('the token is waived for exactly the page: its views, /metrics, other methods and look-alike paths stay protected', async () => {
    const base = await serve(TOKEN)
    for (const path of PAGE_PATHS) {
      expect([path, (await fetch(base + path)).status]).toEqual([path, 200])
    }
    const protectedRequests: Array<[string, string]> = [
      ['GET', '/metrics'],
      ...Object.values(VIEWS).map((view): [string, string] => ['GET', view.path]),
      ['GET', '/debug/p2p/health?verbose=1'],
      ['GET', '/debug/p2p/ui/other.js'],
      ['GET', '/debug/p2p/uix'],
      ['GET', '/debug/p2p/ui/page.js/'],
      ['GET', '/DEBUG/P2P/UI'],
      ['GET', '/debug/p2p/%75i'],
      ['GET', '/debug/p2p/ui/%2E%2E/peers'],
      ['POST', '/debug/p2p/ui'],
      ['DELETE', '/debug/p2p/ui/page.js'],
      ['OPTIONS', '/debug/p2p/ui'],
    ]
    for (const [method, path] of protectedRequests) {
      const res = await rawRequest(base, method, path)
      expect([method, path, res.status]).toEqual([method, path, 401])
      expect(res.headers['www-authenticate']).toBe('Bearer realm="wes-node"')
    }
    // with the token, the page's other methods are 405 like any route's
    const post = await fetch(`${base}/debug/p2p/ui`, { method: 'POST', headers: AUTH })
    expect(post.status).toBe(405)
    expect(post.headers.get('allow')).toBe('GET, HEAD, OPTIONS')
  })

  it('isUiAssetRequest holds for GET and HEAD of the page paths only', () => {
    for (const path of PAGE_PATHS) {
      expect(isUiAssetRequest('GET', path)).toBe(true)
      expect(isUiAssetRequest('HEAD', path)).toBe(true)
      expect(isUiAssetRequest('POST', path)).toBe(false)
    }
    for (const path of ['/debug/p2p/ui/x', '/debug/p2p/peers', '/metrics', '/debug/p2p/ui//', '']) {
      expect(isUiAssetRequest('GET', path)).toBe(false)
    }
    expect(isUiAssetRequest('GET', 'constructor')).toBe(false)
  })
})

describe('a package built without the page', () => {
  let empty: string
  beforeAll(async () => {
    empty = await mkdtemp(join(tmpdir(), 'wes-ui-empty-'))
  })
  afterAll(() => rm(empty, { recursive: true, force: true }))

  it('answers 404 JSON saying the page is not built, and serves it once it is', async () => {
    const app = new Koa()
    const router = new Router()
    registerUiRoutes(router, { uiDir: pathToFileURL(`${empty}/`) })
    app.use(errorHandler())
    app.use(routerStatusToErrors())
    app.use(router.routes())
    app.use(router.allowedMethods())
    const base = `http://${await servers.listen(app.callback())}`
    const res = await fetch(`${base}/debug/p2p/ui`)
    expect(res.status).toBe(404)
    expect(await res.json()).toEqual({
      error: 'not_found',
      message:
        'the status page is not built into this package (build it: pnpm --filter @wes/diagnostics build)',
    })
    expect(res.headers.get('content-security-policy')).toBeNull()

    for (const file of ['index.html', 'page.js', 'page.css']) {
      await copyFile(new URL(`../../dist/ui/${file}`, import.meta.url), join(empty, file))
    }
    const built = await fetch(`${base}/debug/p2p/ui`)
    expect(built.status).toBe(200)
    expect(await built.text()).toContain('<title>wes-node status</title>')
  })
})
