import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import type Router from '@koa/router'
import { HttpError } from '../errors.js'
import type { TokenSource } from '../middleware/bearer-auth.js'

/** The status page's path; its script and stylesheet are beside it (`/debug/p2p/ui/page.js`). */
export const UI_PATH = '/debug/p2p/ui'

/**
 * The page's Content-Security-Policy: scripts, styles and requests from the node only, no inline
 * script or style attribute, no frames, forms or base URL. uPlot styles its elements through the
 * CSSOM, which `style-src 'self'` does not restrict.
 */
export const UI_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ')

interface UiAsset {
  /** The file in `dist/ui/`, written by `scripts/build-ui.mjs`. */
  file: string
  type: string
}

/** Every path the page is served at: these, and only these, are served without the token. */
const UI_ASSETS: Readonly<Record<string, UiAsset>> = {
  [UI_PATH]: { file: 'index.html', type: 'text/html; charset=utf-8' },
  [`${UI_PATH}/`]: { file: 'index.html', type: 'text/html; charset=utf-8' },
  [`${UI_PATH}/page.js`]: { file: 'page.js', type: 'text/javascript; charset=utf-8' },
  [`${UI_PATH}/page.css`]: { file: 'page.css', type: 'text/css; charset=utf-8' },
}

/**
 * Whether a request is for the status page's shell or assets, which hold no data and so need no
 * token: `GET` or `HEAD` on exactly the page's paths. The page's data comes from the views, which
 * stay protected.
 */
export function isUiAssetRequest(method: string, path: string): boolean {
  return (method === 'GET' || method === 'HEAD') && Object.hasOwn(UI_ASSETS, path)
}

/** The page is not in `dist/ui/`: the package was built without `scripts/build-ui.mjs`. */
export class UiNotBuiltError extends HttpError {
  override readonly name = 'UiNotBuiltError'
  constructor() {
    super(
      404,
      'not_found',
      'the status page is not built into this package (build it: pnpm --filter @wes/diagnostics build)',
    )
  }
}

export interface UiRoutesComponents {
  /** The token the views require, asked on each page load: the page then asks for it first. */
  token?: TokenSource
  /**
   * The directory of the built page.
   *
   * @default the package's `dist/ui/`
   */
  uiDir?: URL
}

// both src/routes/ and dist/routes/ are two levels below the package, so tests of the sources
// serve the built page too
const DEFAULT_UI_DIR = new URL('../../dist/ui/', import.meta.url)

interface LoadedAsset {
  body: Buffer
  etag: string
}

/**
 * `GET /debug/p2p/ui` (also with a trailing slash), `/debug/p2p/ui/page.js` and
 * `/debug/p2p/ui/page.css`: the status page, read once from `dist/ui/` and kept in memory. The
 * names are not hashed, so they are revalidated (`no-cache` and an `ETag`) rather than cached
 * immutable. The page carries the CSP, `nosniff` and `no-referrer`; its HTML says whether the
 * views want a token (`<meta name="wes-token" content="required">`), so the page asks for it
 * before any request is refused.
 */
export function registerUiRoutes(router: Router, components: UiRoutesComponents = {}): void {
  const uiDir = components.uiDir ?? DEFAULT_UI_DIR
  const { token } = components
  const loaded = new Map<string, Promise<LoadedAsset>>()

  const load = (file: string): Promise<LoadedAsset> => {
    let asset = loaded.get(file)
    if (asset === undefined) {
      asset = readFile(new URL(file, uiDir)).then((body) => ({
        body,
        etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
      }))
      // a missing file is asked for again next time (the package may be built meanwhile)
      asset.catch(() => loaded.delete(file))
      loaded.set(file, asset)
    }
    return asset
  }

  for (const [path, { file, type }] of Object.entries(UI_ASSETS)) {
    router.get(path, async (ctx) => {
      let asset: LoadedAsset
      try {
        asset = await load(file)
      } catch {
        throw new UiNotBuiltError()
      }
      let { body, etag } = asset
      if (file === 'index.html') {
        const wanted = typeof token === 'function' ? token() : token
        const state = wanted === undefined ? 'none' : 'required'
        body = Buffer.from(body.toString('utf8').replace('%TOKEN%', state))
        etag = `${etag.slice(0, -1)}-${state}"`
      }
      ctx.set('Content-Security-Policy', UI_CONTENT_SECURITY_POLICY)
      ctx.set('X-Content-Type-Options', 'nosniff')
      ctx.set('Referrer-Policy', 'no-referrer')
      ctx.set('X-Frame-Options', 'DENY')
      ctx.set('Cache-Control', 'no-cache')
      ctx.set('ETag', etag)
      ctx.type = type
      // Koa tells freshness of a 2xx only
      ctx.status = 200
      if (ctx.fresh) {
        ctx.status = 304
        return
      }
      ctx.body = body
    })
  }
}
