/**
 * Bundles the status page (`src/ui/page.ts`, its CSS and uPlot's) into `dist/ui/` with esbuild:
 * `page.js`, `page.css` and `index.html`, the files `GET /debug/p2p/ui` serves. Everything the page
 * needs is in those three files, so it works on a host with no network beyond the node.
 *
 * @example
 * node scripts/build-ui.mjs   # from packages/diagnostics, after tsc
 */
import { copyFile, mkdir, stat } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const root = fileURLToPath(new URL('..', import.meta.url))
const outdir = `${root}/dist/ui`

await mkdir(outdir, { recursive: true })
await build({
  absWorkingDir: root,
  entryPoints: { page: 'src/ui/page.ts' },
  outdir,
  bundle: true,
  minify: true,
  format: 'iife',
  target: ['es2022'],
  platform: 'browser',
  // uPlot's own header is a plain comment, which minifying drops: its notice is kept here
  banner: {
    js: '/*! uPlot (https://github.com/leeoniya/uPlot), Copyright (c) 2025 Leon Sorokin, MIT License */',
  },
  legalComments: 'eof',
  logLevel: 'warning',
})
await copyFile(`${root}/src/ui/index.html`, `${outdir}/index.html`)

for (const name of ['index.html', 'page.js', 'page.css']) {
  const { size } = await stat(`${outdir}/${name}`)
  console.log(`dist/ui/${name} ${size} bytes`)
}
