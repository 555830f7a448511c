/**
 * The node's persisted identity: an Ed25519 private key in `<dataDir>/identity.key`
 * (libp2p protobuf encoding), so the peer ID survives restarts.
 */

import { randomBytes } from 'node:crypto'
import { chmod, mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import { IdentityError } from './errors.js'
import type { PrivateKey } from '@libp2p/interface'
import { errorCode } from './error-code.js'

/** The key file's name inside the data directory. */
export const IDENTITY_FILE_NAME = 'identity.key'

/**
 * Loads the identity key from `<dataDir>/identity.key`, creating the directory (mode 0700)
 * and a new Ed25519 key (mode 0600, written to a temporary file then renamed) when there is
 * none. An existing file is never replaced.
 *
 * @throws {IdentityError} `ERR_IDENTITY_CORRUPT` when the file is not a key,
 *   `ERR_IDENTITY_PERMISSIONS` when group or others may read it,
 *   `ERR_DATA_DIR` when the directory or file cannot be created or read
 */
export async function loadOrCreateIdentity(dataDir: string): Promise<PrivateKey> {
  const path = join(dataDir, IDENTITY_FILE_NAME)

  try {
    await makeDirectory(dataDir)
  } catch (err) {
    throw new IdentityError(
      `cannot create data directory ${dataDir}: ${reason(err)}`,
      'ERR_DATA_DIR',
      dataDir,
    )
  }

  const existing = await readKeyFile(path)
  if (existing != null) {
    return existing
  }

  const key = await generateKeyPair('Ed25519')
  await writeKeyFile(dataDir, path, privateKeyToProtobuf(key))
  return key
}

async function readKeyFile(path: string): Promise<PrivateKey | undefined> {
  let mode: number
  try {
    mode = (await stat(path)).mode
  } catch (err) {
    if (errorCode(err) === 'ENOENT') {
      return undefined
    }
    throw new IdentityError(
      `cannot read identity file ${path}: ${reason(err)}`,
      'ERR_DATA_DIR',
      path,
    )
  }

  if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
    throw new IdentityError(
      `identity file ${path} is readable by group or others (mode ${(mode & 0o777).toString(8)}); ` +
        `run: chmod 600 ${path}`,
      'ERR_IDENTITY_PERMISSIONS',
      path,
    )
  }

  let bytes: Uint8Array
  try {
    bytes = await readFile(path)
  } catch (err) {
    throw new IdentityError(
      `cannot read identity file ${path}: ${reason(err)}`,
      'ERR_DATA_DIR',
      path,
    )
  }

  try {
    return privateKeyFromProtobuf(bytes)
  } catch {
    // the decoder's message may quote the bytes it choked on: never echo key material
    throw new IdentityError(
      `identity file ${path} is corrupt (not a libp2p private key); move it away to create a new identity`,
      'ERR_IDENTITY_CORRUPT',
      path,
    )
  }
}

async function writeKeyFile(dataDir: string, path: string, bytes: Uint8Array): Promise<void> {
  const temp = join(
    dataDir,
    `.${IDENTITY_FILE_NAME}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`,
  )
  try {
    const file = await open(temp, 'wx', 0o600)
    try {
      await file.writeFile(bytes)
      await file.sync()
    } finally {
      await file.close()
    }
    // the umask cannot widen 0600, but an inherited ACL or odd filesystem might
    await chmod(temp, 0o600)
    await rename(temp, path)
  } catch (err) {
    await unlink(temp).catch(() => undefined)
    throw new IdentityError(
      `cannot write identity file in ${dataDir}: ${reason(err)}`,
      'ERR_DATA_DIR',
      dataDir,
    )
  }
}

/**
 * `mkdir -p` with mode 0700, one level at a time. Node's `mkdir(path, { recursive: true })`
 * spins forever (100 % CPU, never settling) where the kernel answers ENOENT for a parent that
 * cannot be created, as under `/proc`; this walks up at most once per path component.
 */
async function makeDirectory(dir: string): Promise<void> {
  try {
    await mkdir(dir, { mode: 0o700 })
    return
  } catch (err) {
    const code = errorCode(err)
    if (code === 'EEXIST') {
      if (!(await stat(dir)).isDirectory()) throw err
      return
    }
    const parent = dirname(dir)
    if (code !== 'ENOENT' || parent === dir) throw err
  }
  await makeDirectory(dirname(dir))
  try {
    await mkdir(dir, { mode: 0o700 })
  } catch (err) {
    // created meanwhile by someone else: fine if it is a directory
    if (errorCode(err) !== 'EEXIST' || !(await stat(dir)).isDirectory()) throw err
  }
}

function reason(err: unknown): string {
  return errorCode(err) ?? (err instanceof Error ? err.message : String(err))
}
