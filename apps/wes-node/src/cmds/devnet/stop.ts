import { CliError, EXIT_FAILURE } from '../../errors.js'
import { leftoverProcesses, runsWith, terminate, waitGone } from './processes.js'
import { requireState } from './state.js'

/** Bound on the devnet's own stop (each node has 10 s, Prometheus too, all at once). */
export const DEVNET_STOP_TIMEOUT_MS = 60_000

/**
 * `devnet stop`: SIGTERM to the devnet process of `dir` (it stops its nodes and Prometheus and
 * exits), waiting for it; then any process a killed devnet left there is stopped too. A devnet
 * that is not running is no error.
 */
export async function stopHandler(
  dir: string,
  io: { stdout: { write(chunk: string): unknown } },
): Promise<void> {
  const state = await requireState(dir)
  const pid = state.control_pid
  if (pid !== null && (await runsWith(pid, ' devnet'))) {
    process.kill(pid, 'SIGTERM')
    if (!(await waitGone(pid, DEVNET_STOP_TIMEOUT_MS))) {
      throw new CliError(
        `the devnet (pid ${pid}) did not stop within ${DEVNET_STOP_TIMEOUT_MS} ms`,
        EXIT_FAILURE,
      )
    }
    io.stdout.write(`devnet in ${dir} stopped (pid ${pid})\n`)
  } else {
    io.stdout.write(`no devnet was running in ${dir}\n`)
  }
  const leftovers = await leftoverProcesses(dir)
  if (leftovers.length > 0) {
    await terminate(leftovers, 10_000)
    io.stdout.write(`stopped ${leftovers.length} process(es) left running in ${dir}\n`)
  }
}
