import { readFile, readdir } from 'node:fs/promises'

/** The command line of process `pid` (arguments joined by spaces), or undefined if it is gone. */
export async function commandLine(pid: number): Promise<string | undefined> {
  try {
    const raw = await readFile(`/proc/${pid}/cmdline`, 'utf8')
    // a zombie has an empty command line: it is gone for our purposes
    return raw === '' ? undefined : raw.split('\0').join(' ').trim()
  } catch {
    return undefined
  }
}

/** Whether `pid` runs and its command line contains `marker` (so a reused pid is not taken for it). */
export async function runsWith(pid: number | null, marker: string): Promise<boolean> {
  if (pid === null || !Number.isSafeInteger(pid) || pid <= 0) return false
  return (await commandLine(pid))?.includes(marker) === true
}

/**
 * Processes of a devnet left behind (its owner was killed with SIGKILL before it could stop them):
 * `wes-node start` with a data directory under `dir`, and a Prometheus storing under `dir`.
 */
export async function leftoverProcesses(dir: string): Promise<number[]> {
  const found: number[] = []
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    const pid = Number(entry)
    if (pid === process.pid) continue
    const line = await commandLine(pid)
    if (line === undefined) continue
    const node = line.includes(' start ') && line.includes(`--data-dir ${dir}/node-`)
    const prometheus = line.includes(`--storage.tsdb.path=${dir}/`)
    if (node || prometheus) found.push(pid)
  }
  return found
}

/** Resolves once `pid` is gone (true) or after `timeoutMs` (false). */
export async function waitGone(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while ((await commandLine(pid)) !== undefined) {
    if (Date.now() > deadline) return false
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return true
}

/** SIGTERM to each pid, then SIGKILL to those still there after `graceMs`; returns the count. */
export async function terminate(pids: number[], graceMs: number): Promise<number> {
  const signal = (pid: number, name: NodeJS.Signals): void => {
    try {
      process.kill(pid, name)
    } catch {
      // already gone
    }
  }
  for (const pid of pids) signal(pid, 'SIGTERM')
  await Promise.all(
    pids.map(async (pid) => {
      if (!(await waitGone(pid, graceMs))) {
        signal(pid, 'SIGKILL')
        await waitGone(pid, 5_000)
      }
    }),
  )
  return pids.length
}
