import { randomBytes } from 'node:crypto'
import { readFile, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

/** The files of a devnet directory (docs/fleet.md lists them). */
export const DEVNET_FILES = {
  /** Nodes, ports, pids and the control process: {@link DevnetState}. */
  state: 'devnet.json',
  /** Prometheus `file_sd` targets, one group per node. */
  targets: 'targets.json',
  /** A Prometheus configuration that scrapes the targets with the shipped rules. */
  prometheusConfig: 'prometheus.yml',
  /** A copy of `@wes/diagnostics`'s `monitoring/alerts.yml`, which the config loads. */
  alerts: 'alerts.yml',
  /** Unix socket of the running devnet: `devnet add`, `remove` and `stop` talk to it. */
  controlSocket: 'control.sock',
  /** Prometheus's storage, when the devnet started it. */
  prometheusData: 'prometheus-data',
  /** Prometheus's log, when the devnet started it. */
  prometheusLog: 'prometheus.log',
} as const

/** The path of one of the {@link DEVNET_FILES} in `dir`. */
export function devnetPath(dir: string, file: keyof typeof DEVNET_FILES): string {
  return join(dir, DEVNET_FILES[file])
}

/** Node `index`'s name, data directory and log file. */
export function nodeName(index: number): string {
  return `node-${index}`
}

export function nodeDataDir(dir: string, index: number): string {
  return join(dir, nodeName(index))
}

export function nodeLogFile(dir: string, index: number): string {
  return join(nodeDataDir(dir, index), 'node.log')
}

/**
 * Writes `text` to `path` as one step for readers: a temporary file beside it, then a rename, so
 * Prometheus (or a script) never reads half a file.
 */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  const temp = `${path}.${randomBytes(4).toString('hex')}.tmp`
  try {
    await writeFile(temp, text, { mode: 0o644 })
    await rename(temp, path)
  } catch (err) {
    await rm(temp, { force: true })
    throw err
  }
}

/** The file's text, or undefined when it does not exist. */
export async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
}
