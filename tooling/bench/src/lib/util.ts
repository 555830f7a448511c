/** Small bounded helpers every benchmark uses: waits, temporary directories, ports, HTTP. */

import { mkdtemp, rm } from 'node:fs/promises'
import { Agent, request } from 'node:http'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The repository root (this file is `tooling/bench/{src,dist}/lib/util.{ts,js}`). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..')

/** The built `wes-node` bin. */
export const WES_NODE_BIN = join(REPO_ROOT, 'apps', 'wes-node', 'bin', 'wes-node.js')

/** A file of this package's build output, e.g. `workers/peers.js` (from `src/` too, for tests). */
export function distFile(relative: string): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'dist', relative)
}

export const sleep = async (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

/** Polls `condition` every `intervalMs` until it holds; throws after `timeoutMs`. */
export async function waitFor(
  condition: () => boolean | Promise<boolean>,
  description: string,
  { timeoutMs = 30_000, intervalMs = 20 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${description}`)
    await sleep(intervalMs)
  }
}

/** Rejects after `ms` with a message naming `what`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms)
      }),
    ])
  } finally {
    clearTimeout(timer)
  }
}

/** Temporary directories, removed together by `removeAll()`. */
export class TempDirs {
  private readonly dirs: string[] = []

  /** @param base - where the directories are made. @default the system's temporary directory */
  constructor(private readonly base = tmpdir()) {}

  async make(prefix = 'wes-bench-'): Promise<string> {
    const dir = await mkdtemp(join(this.base, prefix))
    this.dirs.push(dir)
    return dir
  }

  async removeAll(): Promise<void> {
    await Promise.all(
      this.dirs.splice(0).map(async (dir) => rm(dir, { recursive: true, force: true })),
    )
  }
}

/** A TCP port free on 127.0.0.1 right now (another process could still take it). */
export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      server.close(() => resolvePort(port))
    })
  })
}

export interface HttpResult {
  status: number
  body: string
}

/** One GET over `agent` (keep-alive), body read whole; rejects on network errors or after `timeoutMs`. */
export async function httpGet(url: string, agent?: Agent, timeoutMs = 5_000): Promise<HttpResult> {
  return new Promise((resolveResult, reject) => {
    const req = request(url, { agent, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () =>
        resolveResult({
          status: res.statusCode ?? 0,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      )
      res.on('error', reject)
    })
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)))
    req.on('error', reject)
    req.end()
  })
}

/** A keep-alive agent with one socket, like a scraper. */
export function keepAliveAgent(): Agent {
  return new Agent({ keepAlive: true, maxSockets: 1 })
}

/** Milliseconds since `start` (a `performance.now()` value). */
export function since(start: number): number {
  return performance.now() - start
}

/** Runs the garbage collector when the process has `--expose-gc`, so rounds start alike. */
export function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc
  gc?.()
}

/** Rounds to `digits` decimals (for figures people read). */
export function round(value: number, digits = 2): number {
  const f = 10 ** digits
  return Math.round(value * f) / f
}
