/**
 * The subject harness: runs `wes-node <argv>` in this process exactly as the bin does, and over
 * the IPC channel of `fork()` answers `{type: 'heap'}` (after a full GC; run with
 * `--expose-gc`) and reports every process warning (`MaxListenersExceededWarning`...). Warnings
 * also keep going to stderr as Node prints them.
 */

import { runCli } from 'wes-node'

interface Request {
  type: string
  id: string
}

const send = (message: Record<string, unknown>): void => {
  if (process.connected) process.send?.(message)
}

process.on('warning', (warning) => {
  send({ type: 'warning', name: warning.name, message: warning.message })
})

process.on('message', (raw) => {
  const request = raw as Request
  if (request.type === 'heap') {
    const gc = (globalThis as { gc?: () => void }).gc
    // two passes: the first may only queue finalizers
    gc?.()
    gc?.()
    const usage = process.memoryUsage()
    send({
      type: 'heap',
      id: request.id,
      heapUsed: usage.heapUsed,
      rss: usage.rss,
      gc: gc !== undefined,
    })
  }
})

const controller = new AbortController()
let signals = 0
const onSignal = (): void => {
  signals++
  if (signals === 1) controller.abort()
  else process.exit(1)
}
process.on('SIGINT', onSignal)
process.on('SIGTERM', onSignal)
// the IPC channel must not keep the process alive after the CLI returns
process.channel?.unref()

const code = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  signal: controller.signal,
})
process.exit(code)
