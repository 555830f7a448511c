import { mkdir, mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from '@jest/globals'
import { version as libp2pOwnVersion } from 'libp2p/version'
import { libp2pVersion } from '../../src/index.js'
import { packageVersionOf } from '../../src/libp2p-version.js'

describe('libp2pVersion', () => {
  it('is the version of the libp2p that is installed', () => {
    // libp2p writes its package.json version into its build; the two must agree
    expect(libp2pVersion()).toBe(libp2pOwnVersion)
    expect(libp2pVersion()).toMatch(/^\d+\.\d+\.\d+/)
  })

  it('finds the nearest package.json of that name above the entry point', async () => {
    const root = await mkdtemp(join(tmpdir(), 'wes-pkg-'))
    await writeFile(join(root, 'package.json'), JSON.stringify({ name: 'lib', version: '1.2.3' }))
    // a nested package.json of another name (as dist/package.json {"type":"module"}) is skipped
    await mkdir(join(root, 'dist', 'src'), { recursive: true })
    await writeFile(join(root, 'dist', 'package.json'), JSON.stringify({ type: 'module' }))
    expect(packageVersionOf('lib', join(root, 'dist', 'src', 'index.js'))).toBe('1.2.3')
    expect(() => packageVersionOf('other', join(root, 'dist', 'src', 'index.js'))).toThrow(
      /no package\.json of other/,
    )
  })
})
