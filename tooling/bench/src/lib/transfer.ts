/** Moving bytes for B1: one libp2p stream, one raw TCP socket, one cipher. */

import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { createConnection, createServer } from 'node:net'
import { waitFor } from './util.js'
import type { Libp2p, Stream } from '@libp2p/interface'

export const BLOB_PROTOCOL = '/wes-bench/blob/1.0.0'
export const CHUNK_BYTES = 64 * 1024

/** Dials `b` from `a` and waits until identify has run both ways, so its bytes stay out of the timing. */
export async function connectIdentified(a: Libp2p, b: Libp2p): Promise<void> {
  await a.dial(b.getMultiaddrs()[0] ?? b.peerId, { signal: AbortSignal.timeout(10_000) })
  await waitFor(
    async () =>
      (await a.peerStore.get(b.peerId)).protocols.length > 0 &&
      (await b.peerStore.get(a.peerId)).protocols.length > 0,
    'identify',
    { timeoutMs: 10_000 },
  ).catch(() => undefined)
}

/** Makes `node` accept blob streams: it counts what arrives, then answers the count. */
export async function handleBlobs(node: Libp2p): Promise<void> {
  await node.handle(
    BLOB_PROTOCOL,
    async (stream: Stream) => {
      let received = 0
      for await (const buf of stream) {
        received += buf.byteLength
      }
      stream.send(new TextEncoder().encode(String(received)))
      await stream.close()
    },
    { force: true },
  )
}

/**
 * Sends `totalBytes` from `sender` to `receiver` on a new stream, in 64 KiB chunks with
 * back-pressure, and waits for the receiver's count. Returns milliseconds from opening the
 * stream to the count, which must equal `totalBytes`.
 */
export async function streamBlob(
  sender: Libp2p,
  receiver: Libp2p,
  totalBytes: number,
): Promise<number> {
  const chunk = new Uint8Array(CHUNK_BYTES).fill(0xab)
  const start = performance.now()
  const stream = await sender.dialProtocol(receiver.peerId, BLOB_PROTOCOL, {
    signal: AbortSignal.timeout(10_000),
  })
  for (let sent = 0; sent < totalBytes; sent += CHUNK_BYTES) {
    const piece = totalBytes - sent >= CHUNK_BYTES ? chunk : chunk.subarray(0, totalBytes - sent)
    if (!stream.send(piece)) {
      await stream.onDrain({ signal: AbortSignal.timeout(30_000) })
    }
  }
  await stream.close()
  let reply = ''
  for await (const buf of stream) {
    reply += new TextDecoder().decode(buf.subarray())
  }
  const elapsed = performance.now() - start
  if (Number(reply) !== totalBytes)
    throw new Error(`receiver counted ${reply} bytes, expected ${totalBytes}`)
  return elapsed
}

/**
 * The raw Node.js TCP ceiling: `totalBytes` over one loopback socket in 64 KiB writes with
 * back-pressure, both ends in this process. Returns milliseconds until the receiver's 1-byte ack.
 */
export async function tcpBlob(totalBytes: number): Promise<number> {
  let received = 0
  const server = createServer((socket) => {
    socket.on('data', (data: Buffer) => {
      received += data.byteLength
      if (received >= totalBytes) socket.end('k')
    })
    socket.on('error', () => {})
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  const chunk = Buffer.alloc(CHUNK_BYTES, 0xab)
  try {
    const start = performance.now()
    const socket = createConnection({ host: '127.0.0.1', port })
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve)
      socket.once('error', reject)
    })
    const acked = new Promise<void>((resolve, reject) => {
      socket.once('data', () => resolve())
      socket.once('error', reject)
    })
    for (let sent = 0; sent < totalBytes; sent += CHUNK_BYTES) {
      const piece = totalBytes - sent >= CHUNK_BYTES ? chunk : chunk.subarray(0, totalBytes - sent)
      if (!socket.write(piece)) await new Promise((resolve) => socket.once('drain', resolve))
    }
    await acked
    const elapsed = performance.now() - start
    socket.destroy()
    return elapsed
  } finally {
    await new Promise((resolve) => server.close(resolve))
  }
}

/**
 * Node's chacha20-poly1305 (node:crypto, as noise uses it) over `totalBytes` in 64 KiB chunks,
 * one cipher per chunk with its own nonce, like noise transport messages. Returns milliseconds to
 * seal every chunk, and to seal and open every chunk (both ends of a connection in one process).
 */
export function chachaBlob(totalBytes: number): { sealMs: number; sealOpenMs: number } {
  const key = randomBytes(32)
  const chunk = Buffer.alloc(CHUNK_BYTES, 0xab)
  const nonce = Buffer.alloc(12)
  const chunks = Math.ceil(totalBytes / CHUNK_BYTES)

  const seal = (n: number): { sealed: Buffer; tag: Buffer } => {
    nonce.writeUInt32LE(n, 4)
    const cipher = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 })
    const sealed = cipher.update(chunk)
    cipher.final()
    return { sealed, tag: cipher.getAuthTag() }
  }

  let start = performance.now()
  for (let n = 0; n < chunks; n++) seal(n)
  const sealMs = performance.now() - start

  start = performance.now()
  for (let n = 0; n < chunks; n++) {
    const { sealed, tag } = seal(n)
    const decipher = createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: 16 })
    decipher.setAuthTag(tag)
    decipher.update(sealed)
    decipher.final()
  }
  const sealOpenMs = performance.now() - start
  return { sealMs, sealOpenMs }
}

/** MiB per second of `bytes` moved in `ms`. */
export function mibPerSecond(bytes: number, ms: number): number {
  return bytes / 2 ** 20 / (ms / 1000)
}
