/**
 * An outside project installs @wes/p2p-core and @wes/diagnostics from packed tarballs (as a
 * registry would serve them) and uses them through their public exports only.
 */
import { execFile } from 'node:child_process'
import { copyFile, readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from '@jest/globals'
import { tempDir } from '../fixtures/cli.js'

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url))
const CONSUMER = fileURLToPath(new URL('../fixtures/consumer/consumer.mjs', import.meta.url))

function run(command: string, args: string[], cwd: string, timeout = 240_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { cwd, timeout, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err !== null)
          reject(new Error(`${command} ${args.join(' ')} failed: ${err.message}\n${stderr}`))
        else resolve(stdout)
      },
    )
  })
}

describe('the packages from packed tarballs', () => {
  it('install into a fresh project and work through their public exports', async () => {
    const packs = await tempDir('wes-packs-')
    for (const pkg of ['packages/p2p-core', 'packages/diagnostics']) {
      await run('pnpm', ['pack', '--pack-destination', packs], join(ROOT, pkg))
    }
    const tarballs = (await readdir(packs)).filter((name) => name.endsWith('.tgz'))
    expect(tarballs).toHaveLength(2)

    const project = await tempDir('wes-consumer-')
    await writeFile(
      join(project, 'package.json'),
      JSON.stringify({
        name: 'consumer',
        private: true,
        type: 'module',
        dependencies: {
          '@wes/p2p-core': `file:${join(packs, tarballs.find((t) => t.includes('p2p-core')) as string)}`,
          '@wes/diagnostics': `file:${join(packs, tarballs.find((t) => t.includes('diagnostics')) as string)}`,
          'prom-client': '^15.1.3',
        },
      }),
    )
    await copyFile(CONSUMER, join(project, 'consumer.mjs'))
    await run(
      'npm',
      ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'],
      project,
    )

    const out = await run(process.execPath, ['consumer.mjs'], project, 60_000)
    const seen = JSON.parse(out.trim().split('\n').pop() as string) as {
      before: number
      health: Record<string, unknown>
      hasPeersGauge: boolean
      peerId: string
    }
    expect(seen.before).toBe(503)
    expect(seen.health).toMatchObject({
      host_id: seen.peerId,
      num_peers: 0,
      relay_stats: { enabled: true },
    })
    expect(seen.hasPeersGauge).toBe(true)
  }, 300_000)
})
