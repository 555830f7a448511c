import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { loadOrCreateIdentity } from '../../src/identity.js'
import { cleanup, tempDir } from '../fixtures/nodes.js'
import type { IdentityError } from '../../src/errors.js'

afterEach(cleanup)

async function rejection(dataDir: string): Promise<IdentityError> {
  try {
    await loadOrCreateIdentity(dataDir)
  } catch (err) {
    return err as IdentityError
  }
  throw new Error('expected loadOrCreateIdentity to fail')
}

describe('loadOrCreateIdentity', () => {
  test('creates an Ed25519 key file with mode 0600 in a 0700 directory', async () => {
    const dataDir = join(await tempDir(), 'nested', 'data')
    const key = await loadOrCreateIdentity(dataDir)
    expect(key.type).toBe('Ed25519')
    expect((await stat(join(dataDir, 'identity.key'))).mode & 0o777).toBe(0o600)
    expect((await stat(dataDir)).mode & 0o777).toBe(0o700)
  })

  test('reloading gives the same peer ID and leaves the file alone', async () => {
    const dataDir = await tempDir()
    const first = peerIdFromPrivateKey(await loadOrCreateIdentity(dataDir)).toString()
    const bytes = await readFile(join(dataDir, 'identity.key'))
    const second = peerIdFromPrivateKey(await loadOrCreateIdentity(dataDir)).toString()
    expect(second).toBe(first)
    expect(await readFile(join(dataDir, 'identity.key'))).toEqual(bytes)
  })

  test('a corrupt key file is an error and is not replaced', async () => {
    const dataDir = await tempDir()
    const path = join(dataDir, 'identity.key')
    const garbage = Buffer.from('0a0b0c0d0e0f1011deadbeef', 'hex')
    await writeFile(path, garbage, { mode: 0o600 })
    const err = await rejection(dataDir)
    expect(err.name).toBe('IdentityError')
    expect(err.code).toBe('ERR_IDENTITY_CORRUPT')
    expect(err.message).toContain(path)
    expect(err.message).not.toContain('deadbeef')
    expect(await readFile(path)).toEqual(garbage)
  })

  test('a key file readable by others is refused with a chmod hint, without key bytes', async () => {
    const dataDir = await tempDir()
    await loadOrCreateIdentity(dataDir)
    const path = join(dataDir, 'identity.key')
    const bytes = await readFile(path)
    await chmod(path, 0o644)
    const err = await rejection(dataDir)
    expect(err.name).toBe('IdentityError')
    expect(err.code).toBe('ERR_IDENTITY_PERMISSIONS')
    expect(err.message).toContain(`chmod 600 ${path}`)
    for (const text of [
      bytes.toString('hex'),
      bytes.toString('base64'),
      bytes.subarray(4, 36).toString('hex'),
    ]) {
      expect(err.message).not.toContain(text)
      expect(JSON.stringify(err)).not.toContain(text)
    }
    await chmod(path, 0o600)
    await expect(loadOrCreateIdentity(dataDir)).resolves.toBeDefined()
  })

  test('an unwritable data directory gives ERR_DATA_DIR with the path', async () => {
    if (process.getuid?.() === 0) {
      console.warn(
        'running as root: directory permissions are not enforced, skipping the read-only case',
      )
    } else {
      const parent = await tempDir()
      const dataDir = join(parent, 'ro')
      await mkdir(dataDir, { mode: 0o500 })
      const err = await rejection(dataDir)
      expect(err.code).toBe('ERR_DATA_DIR')
      expect(err.message).toContain(dataDir)
      await chmod(dataDir, 0o700)
    }
    // a data directory whose path runs through a regular file fails for everyone
    const file = join(await tempDir(), 'file')
    await writeFile(file, 'x')
    const err = await rejection(join(file, 'data'))
    expect(err.name).toBe('IdentityError')
    expect(err.code).toBe('ERR_DATA_DIR')
    expect(err.message).toContain(join(file, 'data'))
  })

  test('a data directory whose parent the kernel cannot create fails promptly (no mkdir spin)', async () => {
    if (process.platform !== 'linux') return
    // mkdir(recursive) loops forever on ENOENT from /proc; the identity must fail within bounds
    const started = performance.now()
    const err = await rejection('/proc/wes-nope/data')
    expect(err.name).toBe('IdentityError')
    expect(err.code).toBe('ERR_DATA_DIR')
    expect(err.message).toContain('/proc/wes-nope/data')
    expect(performance.now() - started).toBeLessThan(5_000)
  }, 10_000)

  test('creates several missing levels with mode 0700 and accepts an existing directory', async () => {
    const root = await tempDir()
    const dataDir = join(root, 'a', 'b', 'c')
    await loadOrCreateIdentity(dataDir)
    for (const dir of [join(root, 'a'), join(root, 'a', 'b'), dataDir]) {
      expect((await stat(dir)).mode & 0o777).toBe(0o700)
    }
    await expect(loadOrCreateIdentity(dataDir)).resolves.toBeDefined()
  })
})
