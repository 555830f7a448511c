import { createConnection, createServer } from 'node:net'
import type { Server } from 'node:net'
import { rm } from 'node:fs/promises'
import { CliError, EXIT_FAILURE, UsageError } from '../../errors.js'
import type { DevnetNode } from './state.js'

/**
 * What another shell asks of the running devnet, one JSON line per connection. (A stop is a
 * SIGTERM to the devnet's pid: it works while the devnet still starts, before this socket.)
 */
export type ControlRequest = { op: 'add'; count: number } | { op: 'remove'; node: string }

/** The answer, one JSON line: the nodes added or removed, or why not. */
export type ControlResponse =
  { ok: true; nodes: DevnetNode[] } | { ok: false; error: string; exit_code: number }

/** Unix socket paths longer than this do not fit in `sockaddr_un` on Linux. */
export const MAX_SOCKET_PATH = 107

/** Largest request line accepted. */
const MAX_REQUEST_BYTES = 4_096

/** Bound on one request: adding nodes waits for each to start. */
export const CONTROL_TIMEOUT_MS = 300_000

/** A request line, checked. */
export function parseControlRequest(line: string): ControlRequest | string {
  let value: unknown
  try {
    value = JSON.parse(line)
  } catch {
    return 'the request is not JSON'
  }
  const request = value as Partial<Record<'op' | 'count' | 'node', unknown>> | null
  if (request?.op === 'add' && Number.isSafeInteger(request.count)) {
    return { op: 'add', count: request.count as number }
  }
  if (request?.op === 'remove' && typeof request.node === 'string') {
    return { op: 'remove', node: request.node }
  }
  return 'expected {"op":"add","count":n}, {"op":"remove","node":"<index or peer id>"}'
}

export interface ControlServer {
  close(): Promise<void>
}

/**
 * Listens on the devnet's unix socket and answers each request with `handle`, one at a time (an
 * add and a remove never interleave). Errors with an `exitCode` (a `CliError`) keep it.
 */
export async function listenControl(
  path: string,
  handle: (request: ControlRequest) => Promise<DevnetNode[]>,
): Promise<ControlServer> {
  if (Buffer.byteLength(path) > MAX_SOCKET_PATH) {
    throw new UsageError(
      `the devnet directory's path is too long for its control socket (${path}: over ${MAX_SOCKET_PATH} bytes); use a shorter --dir`,
    )
  }
  let queue = Promise.resolve()
  const answer = async (line: string): Promise<ControlResponse> => {
    const request = parseControlRequest(line)
    if (typeof request === 'string') return { ok: false, error: request, exit_code: 2 }
    const result = queue.then(() => handle(request))
    queue = result.then(
      () => undefined,
      () => undefined,
    )
    try {
      return { ok: true, nodes: await result }
    } catch (err) {
      const code = (err as { exitCode?: unknown }).exitCode
      return {
        ok: false,
        error: err instanceof Error ? err.message : String(err),
        exit_code: typeof code === 'number' ? code : EXIT_FAILURE,
      }
    }
  }
  const server: Server = createServer((socket) => {
    let buffer = ''
    socket.setEncoding('utf8')
    socket.on('error', () => undefined)
    socket.on('data', (chunk: string) => {
      buffer += chunk
      const end = buffer.indexOf('\n')
      if (end === -1 && buffer.length <= MAX_REQUEST_BYTES) return
      socket.removeAllListeners('data')
      const line = end === -1 ? '' : buffer.slice(0, end)
      void answer(line).then((response) => socket.end(`${JSON.stringify(response)}\n`))
    })
  })
  // a socket left by a devnet that was killed: nobody listens on it (checked by the caller)
  await rm(path, { force: true })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(path, () => {
      server.off('error', reject)
      resolve()
    })
  })
  return {
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        // the listening socket's file goes with the server
      }),
  }
}

/**
 * Sends `request` to the devnet listening on `path` and resolves with its nodes.
 *
 * @throws {CliError} exit 1 when no devnet answers there, or the devnet's own error and exit code
 */
export function sendControl(
  path: string,
  request: ControlRequest,
  timeoutMs: number = CONTROL_TIMEOUT_MS,
): Promise<DevnetNode[]> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(path)
    let buffer = ''
    const timer = setTimeout(() => {
      socket.destroy()
      reject(new CliError(`the devnet did not answer within ${timeoutMs} ms`, EXIT_FAILURE))
    }, timeoutMs)
    socket.setEncoding('utf8')
    socket.on('connect', () => socket.write(`${JSON.stringify(request)}\n`))
    socket.on('data', (chunk: string) => (buffer += chunk))
    socket.on('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer)
      reject(
        new CliError(
          `no running devnet answers on ${path} (${err.code ?? err.message})`,
          EXIT_FAILURE,
          'ERR_NO_DEVNET',
        ),
      )
    })
    socket.on('end', () => {
      clearTimeout(timer)
      let response: ControlResponse
      try {
        response = JSON.parse(buffer) as ControlResponse
      } catch {
        reject(new CliError(`the devnet's answer is not JSON: ${buffer.slice(0, 200)}`))
        return
      }
      if (response.ok) resolve(response.nodes)
      else reject(new CliError(response.error, response.exit_code, 'ERR_DEVNET_CONTROL'))
    })
  })
}
