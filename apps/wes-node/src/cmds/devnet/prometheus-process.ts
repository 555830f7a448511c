import { spawn } from 'node:child_process'
import { access, constants, mkdir, open, readFile } from 'node:fs/promises'
import { delimiter, join } from 'node:path'
import { CliError, EXIT_FAILURE, UsageError } from '../../errors.js'
import { devnetPath } from './files.js'

/** The Prometheus binary's name (Debian's package `prometheus` installs it on PATH). */
export const PROMETHEUS_BINARY = 'prometheus'

/** Bound on Prometheus's start (until it answers ready, on its own configuration) and its stop. */
export const PROMETHEUS_TIMEOUTS = { readyMs: 90_000, stopGraceMs: 10_000 } as const

/** The path of `name` on PATH, or undefined. */
export async function findOnPath(
  name: string,
  path: string = process.env.PATH ?? '',
): Promise<string | undefined> {
  for (const dir of path.split(delimiter)) {
    if (dir === '') continue
    const candidate = join(dir, name)
    try {
      await access(candidate, constants.X_OK)
      return candidate
    } catch {
      // not here
    }
  }
  return undefined
}

/** The Prometheus binary, or a `UsageError` (exit 2) saying how to install it. */
export async function requirePrometheus(): Promise<string> {
  const binary = await findOnPath(PROMETHEUS_BINARY)
  if (binary === undefined) {
    throw new UsageError(
      '--prometheus needs the prometheus binary on PATH: apt-get install prometheus (or run the devnet without --prometheus and point your own Prometheus at prometheus.yml)',
      'ERR_NO_PROMETHEUS',
    )
  }
  return binary
}

export interface PrometheusProcess {
  readonly url: string
  /** Pid of the shell that runs Prometheus and stops it when this process is gone. */
  readonly pid: number | null
  stop(): Promise<void>
}

/**
 * Whether the Prometheus on `url` is ready and is the one started on `configFile`: another
 * Prometheus that holds the port (ours then fails to bind and exits) must not pass for ours.
 */
async function ready(url: string, configFile: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(2_000) })
    await res.body?.cancel()
    if (res.status !== 200) return false
    const flags = await fetch(`${url}/api/v1/status/flags`, { signal: AbortSignal.timeout(2_000) })
    const body = (await flags.json()) as { data?: Record<string, unknown> }
    return body.data?.['config.file'] === configFile
  } catch {
    return false
  }
}

/**
 * Starts Prometheus on the devnet's `prometheus.yml`, storing under the devnet directory and
 * logging to `prometheus.log`, and resolves once it is ready on that configuration. Prometheus runs
 * under a small shell that stops it when its stdin (a pipe from this process) ends: whether this
 * process stops it or dies, Prometheus goes too; and the shell ends when Prometheus does.
 *
 * @throws {CliError} when Prometheus exits or is not ready within the bound
 */
export async function startPrometheus(
  binary: string,
  dir: string,
  port: number,
): Promise<PrometheusProcess> {
  const storage = devnetPath(dir, 'prometheusData')
  const logFile = devnetPath(dir, 'prometheusLog')
  await mkdir(storage, { recursive: true })
  const url = `http://127.0.0.1:${port}`
  const configFile = devnetPath(dir, 'prometheusConfig')
  const log = await open(logFile, 'a')
  const script = [
    // Ctrl-C or a hang-up reaches the whole process group: this shell must outlive them to stop
    // Prometheus (a non-interactive shell dies of both, leaving Prometheus behind)
    "trap '' INT HUP",
    'exec 3<&0',
    '"$0" "$@" </dev/null 3<&- &',
    'p=$!',
    // a watcher reads stdin, which ends when the devnet closes it or is gone, and then stops
    // Prometheus (a builtin loop: no process of its own to leave behind)
    '{ while read -r _; do :; done; kill -TERM "$p" 2>/dev/null; } <&3 &',
    'w=$!',
    'exec 3<&-',
    // and when Prometheus ends first (it could not bind its port), so does this shell
    'wait "$p"',
    's=$?',
    'kill -TERM "$w" 2>/dev/null',
    'exit "$s"',
  ].join('\n')
  const child = spawn(
    'sh',
    [
      '-c',
      script,
      binary,
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${storage}/`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: ['pipe', log.fd, log.fd] },
  )
  await log.close()
  const { stdin } = child
  if (stdin === null) throw new Error('spawn without a stdin pipe')
  stdin.on('error', () => undefined)
  let gone = false
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      gone = true
      resolve()
    }),
  )
  const stop = async (): Promise<void> => {
    if (gone) return
    stdin.end()
    let timer: NodeJS.Timeout | undefined
    await Promise.race([
      exited,
      new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          child.kill('SIGKILL')
          resolve()
        }, PROMETHEUS_TIMEOUTS.stopGraceMs)
      }),
    ])
    clearTimeout(timer)
  }

  const deadline = Date.now() + PROMETHEUS_TIMEOUTS.readyMs
  while (gone || !(await ready(url, configFile))) {
    if (gone || Date.now() > deadline) {
      await stop()
      const tail = (await readFile(logFile, 'utf8').catch(() => ''))
        .trim()
        .split('\n')
        .slice(-2)
        .join(' | ')
      throw new CliError(
        `prometheus ${gone ? 'exited' : 'was not ready in time'}; ${logFile}: ${tail}`,
        EXIT_FAILURE,
        'ERR_PROMETHEUS_START',
      )
    }
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
  return { url, pid: child.pid ?? null, stop }
}
