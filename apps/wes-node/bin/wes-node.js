#!/usr/bin/env node
// libp2p 3 needs Node >= 22 (Promise.withResolvers); say so plainly instead of crashing.
const [major, minor] = process.versions.node.split('.').map(Number)
if (major < 22 || (major === 22 && minor < 12)) {
  process.stderr.write(
    `wes-node: Node.js >= 22.12 is required, this is ${process.version}; run it through pnpm (pnpm wes-node ...), which uses the workspace's Node 24\n`,
  )
  process.exit(2)
}
// A SIGTERM while modules load must still end in a clean exit 0, not death by signal, and a
// SIGHUP (reload) must not kill a node that is starting.
let earlySignal
let earlyHangup = false
const onEarlySignal = (signal) => {
  earlySignal ??= signal
}
const onEarlyHangup = () => {
  earlyHangup = true
}
process.on('SIGINT', onEarlySignal)
process.on('SIGTERM', onEarlySignal)
process.on('SIGHUP', onEarlyHangup)
// Reuse V8's compiled code across runs (Node >= 22.1): start-up is mostly module loading.
const { enableCompileCache } = await import('node:module')
enableCompileCache?.()
const { main } = await import('../dist/main.js')
// A signal is delivered to its listeners in the event loop's poll phase, and loading modules may
// never reach one: let a poll phase pass, or a signal that came meanwhile is lost with the
// listeners removed below.
await new Promise((resolve) => setImmediate(resolve))
process.off('SIGINT', onEarlySignal)
process.off('SIGTERM', onEarlySignal)
process.off('SIGHUP', onEarlyHangup)
await main(process.argv.slice(2), {
  ...(earlySignal === undefined ? {} : { earlySignal }),
  ...(earlyHangup ? { earlyHangup } : {}),
})
