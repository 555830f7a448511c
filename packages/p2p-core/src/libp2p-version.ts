/**
 * The version of the libp2p package a node runs, from that package's own package.json as Node
 * resolves it at run time: what is installed, not what a manifest or a constant says.
 */

import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * The `version` of the package.json of the `libp2p` this package imports. libp2p's `exports`
 * do not list its package.json, so the file is found from its entry point, upwards.
 *
 * @example
 * ```ts
 * libp2pVersion() // '3.3.11'
 * ```
 */
export function libp2pVersion(): string {
  return packageVersionOf('libp2p', fileURLToPath(import.meta.resolve('libp2p')))
}

/** The version in the nearest package.json named `name` above `entry`. */
export function packageVersionOf(name: string, entry: string): string {
  let dir = dirname(entry)
  for (;;) {
    const manifest = readManifest(join(dir, 'package.json'))
    if (manifest?.name === name && typeof manifest.version === 'string') return manifest.version
    const parent = dirname(dir)
    if (parent === dir) throw new Error(`no package.json of ${name} above ${entry}`)
    dir = parent
  }
}

function readManifest(path: string): { name?: unknown; version?: unknown } | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as { name?: unknown; version?: unknown }
  } catch {
    return undefined
  }
}
