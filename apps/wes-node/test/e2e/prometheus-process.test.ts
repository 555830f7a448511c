/**
 * The Prometheus a devnet starts (`--prometheus`) is only taken as started when it answers ready
 * on the devnet's own configuration: another Prometheus that took the port first (two devnets,
 * or a test run beside another) makes ours fail to bind, and that is an error, not a devnet
 * silently watched by a stranger. Real Prometheus (Debian's, which .ci/run installs).
 */
import { rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import { findOnPath, startPrometheus } from '../../src/cmds/devnet/prometheus-process.js'
import type { PrometheusProcess } from '../../src/cmds/devnet/prometheus-process.js'
import { tempDir } from '../fixtures/cli.js'
import { requireBinaries, startPrometheus as startOther } from '../fixtures/monitoring.js'
import type { QueryServer } from '../fixtures/monitoring.js'

const CONFIG = 'global:\n  scrape_interval: 15s\nscrape_configs: []\n'

const started: Array<PrometheusProcess | QueryServer> = []
const dirs: string[] = []

beforeAll(async () => {
  await requireBinaries(['prometheus'])
})

afterEach(async () => {
  await Promise.all(started.splice(0).map(async (p) => p.stop()))
  await Promise.all(dirs.splice(0).map(async (d) => rm(d, { recursive: true, force: true })))
})

async function devnetDir(): Promise<string> {
  const dir = await tempDir('wes-devnet-prom-')
  dirs.push(dir)
  await writeFile(join(dir, 'prometheus.yml'), CONFIG)
  return dir
}

describe("the devnet's Prometheus", () => {
  it('is ready on its own configuration; a Prometheus already on the port is an error, not ours', async () => {
    const binary = (await findOnPath('prometheus')) as string
    // another Prometheus holds a port
    const other = await startOther({ config: CONFIG })
    started.push(other)
    const port = Number(other.addr.split(':')[1])

    const dir = await devnetDir()
    const err = await startPrometheus(binary, dir, port).then(
      (p) => {
        started.push(p)
        return undefined
      },
      (e: unknown) => e as { message: string; code?: string },
    )
    expect(err?.code).toBe('ERR_PROMETHEUS_START')
    expect(err?.message).toMatch(/^prometheus exited; .*prometheus\.log: /)
    expect(err?.message).toMatch(/address already in use/)

    // on a port of its own it starts, and answers on its own configuration
    await other.stop()
    const ours = await startPrometheus(binary, dir, port)
    started.push(ours)
    const flags = (await (await fetch(`${ours.url}/api/v1/status/flags`)).json()) as {
      data: Record<string, string>
    }
    expect(flags.data['config.file']).toBe(join(dir, 'prometheus.yml'))
  }, 120_000)
})
