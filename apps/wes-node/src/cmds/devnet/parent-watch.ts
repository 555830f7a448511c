/**
 * Loaded into each devnet node before the `wes-node` bin (`node --import`). The node's stdin is a
 * pipe from the devnet that started it; its end means "stop": the devnet closes it to stop the
 * node, and it ends by itself when the devnet is gone, killed even with SIGKILL. The node then
 * stops cleanly, as on SIGTERM. A node that already got SIGINT or SIGTERM (Ctrl-C in a terminal
 * reaches the whole process group) is stopping: a second signal would make it exit at once, so
 * none is sent.
 */
let signalled = false

/** Whether the bin listens for `signal` besides this file (it does once its first lines ran). */
const binListens = (signal: NodeJS.Signals): boolean => process.listenerCount(signal) > 1

const note = (signal: NodeJS.Signals): void => {
  signalled = true
  // before the bin listens, this listener alone would swallow the signal: nothing runs yet
  if (!binListens(signal)) process.exit(0)
}
process.on('SIGINT', note)
process.on('SIGTERM', note)

const stdin = process.stdin
/** A turn of the event loop and more: a signal already pending is handled by then. */
const PENDING_SIGNAL_MS = 100

const stop = (): void => {
  // Ctrl-C reaches this node and the devnet at once, and the devnet then closes the pipe: the
  // pipe's end and the signal can come in the same poll of the event loop, the end first. Acting
  // at once would send a SIGTERM after the SIGINT, which the bin takes as "again, exit now".
  setTimeout(() => {
    if (signalled) return
    if (binListens('SIGTERM')) process.kill(process.pid, 'SIGTERM')
    else process.exit(0)
  }, PENDING_SIGNAL_MS)
}
stdin.once('end', stop)
stdin.once('error', stop)
stdin.resume()
// the pipe alone does not keep the node running: its own work does
stdin.unref()
