/**
 * Signals to `wes-node start`. SIGHUP reloads a running node's configuration, as Prometheus does:
 * the config file and the token file are read again, the log level, the diagnostics token and the
 * bootstrap peers change without a restart, one line says what changed, and a configuration that
 * does not load changes nothing; the node never exits on it. A signal that comes while modules
 * still load is not lost.
 */
import { chmod, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from '@jest/globals'
import { spawnCli, tempDir } from '../fixtures/cli.js'
import type { CliProcess } from '../fixtures/cli.js'

const OLD_TOKEN = 'wes-reload-old-token-0123456789'
const NEW_TOKEN = 'wes-reload-new-token-9876543210'
// a peer nobody runs, on a port nothing listens on: dialling it fails at once
const BOOTSTRAP = '/ip4/127.0.0.1/tcp/9/p2p/12D3KooWMtubWgDPwyZSDhAdrUWWbbCB2AByXLkU8ZdbQRpMqCvp'

const running: CliProcess[] = []
const dirs: string[] = []
afterEach(async () => {
  await Promise.all(running.splice(0).map((cli) => cli.stop('SIGKILL').catch(() => undefined)))
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })))
})

async function workDir(prefix: string): Promise<string> {
  const dir = await tempDir(prefix)
  dirs.push(dir)
  return dir
}

/** Resolves once `pattern` is in stderr after `from` characters, bounded. */
async function logged(cli: CliProcess, pattern: RegExp, from: number, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const match = pattern.exec(cli.stderr().slice(from))
    if (match !== null) return match
    if (Date.now() > deadline) {
      throw new Error(`${pattern} not logged within ${timeoutMs} ms; stderr: ${cli.stderr()}`)
    }
    if (cli.child.exitCode !== null) throw new Error(`node exited; stderr: ${cli.stderr()}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

/** Whether the process has a handler for SIGHUP (signal 1: bit 0 of SigCgt in /proc). */
async function catchesHangup(pid: number): Promise<boolean> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8')
  const caught = /^SigCgt:\s*([0-9a-f]+)$/m.exec(status)?.[1] ?? '0'
  return (BigInt(`0x${caught}`) & 1n) === 1n
}

/** Waits until the bin listens for signals (its first lines), long before libp2p has loaded. */
async function binListening(cli: CliProcess): Promise<void> {
  const pid = cli.child.pid as number
  const deadline = Date.now() + 10_000
  // Node catches SIGINT and SIGTERM itself from the start (to restore the terminal); SIGHUP only
  // once the bin listens for it, next to the other two.
  while (!(await catchesHangup(pid))) {
    if (Date.now() > deadline) throw new Error('the bin never caught SIGHUP')
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
  expect(cli.stdout()).toBe('')
}

async function routing(base: string, token: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${base}/debug/p2p/routing`, {
    headers: { authorization: `Bearer ${token}` },
  })
  return { status: res.status, body: await res.json() }
}

const loopback = (dir: string): string[] => [
  'start',
  '--data-dir',
  join(dir, 'data'),
  '--listen',
  '/ip4/127.0.0.1/tcp/0',
  '--diagnostics-addr',
  '127.0.0.1:0',
  '--no-mdns',
]

describe('SIGHUP', () => {
  it('applies the new log level, token and bootstrap list; a bad config keeps the old ones', async () => {
    const dir = await workDir('wes-reload-')
    const config = join(dir, 'config.json')
    const tokenFile = join(dir, 'token')
    const writeConfig = (body: object | string): Promise<void> =>
      writeFile(config, typeof body === 'string' ? body : JSON.stringify(body))
    await writeFile(tokenFile, `${OLD_TOKEN}\n`)
    await chmod(tokenFile, 0o600)
    await writeConfig({ logLevel: 'info', diagnosticsTokenFile: 'token', bootstrap: [] })

    const cli = spawnCli([...loopback(dir), '--config', config])
    running.push(cli)
    const [, base] = await cli.waitFor(/^diagnostics: (http:\S+)$/m, 30_000)
    const url = base as string
    expect(await routing(url, OLD_TOKEN)).toMatchObject({
      status: 200,
      body: { num_bootstrap_peers: 0 },
    })

    // nothing changed: one line says so
    let from = cli.stderr().length
    cli.child.kill('SIGHUP')
    await logged(cli, /INFO {2}\[config\] configuration reloaded: nothing changed/, from)

    // a new level, token and bootstrap peer, and a setting that needs a restart
    await writeFile(tokenFile, `${NEW_TOKEN}\n`)
    await writeConfig({
      logLevel: 'debug',
      diagnosticsTokenFile: 'token',
      bootstrap: [BOOTSTRAP],
      dht: { mode: 'server' },
    })
    from = cli.stderr().length
    cli.child.kill('SIGHUP')
    const [line] = await logged(cli, /INFO {2}\[config\] configuration reloaded: .*/, from)
    expect(line).toContain('bootstrap 1 peer (was 0)')
    expect(line).toContain('diagnostics token replaced')
    expect(line).toContain('logLevel info -> debug')
    expect(line).not.toContain(NEW_TOKEN)
    await logged(cli, /WARN {2}\[config\] .*restart.* settings=\["dht"\]/, from)
    // the new level: the bootstrap peer's failed dial shows at debug
    await logged(cli, /DEBUG \[discovery\] discovery dial failed mechanism=bootstrap/, from)
    expect((await routing(url, OLD_TOKEN)).status).toBe(401)
    expect(await routing(url, NEW_TOKEN)).toMatchObject({
      status: 200,
      body: { num_bootstrap_peers: 1, mode: 'auto' },
    })

    // a config that does not load: an error naming the problem, the running settings stay
    for (const [bad, problem] of [
      ['{"logLevel": ', /is not valid JSON/],
      [{ logLevel: 'loud' }, /invalid option logLevel: \\"loud\\"/],
      [{ bootstrap: ['/ip4/127.0.0.1/tcp/9'] }, /bootstrap\[0\]/],
    ] as const) {
      await writeConfig(bad)
      from = cli.stderr().length
      cli.child.kill('SIGHUP')
      const [error] = await logged(cli, /ERROR \[config\] configuration reload failed.*/, from)
      expect(error).toMatch(problem)
      expect(await routing(url, NEW_TOKEN)).toMatchObject({
        status: 200,
        body: { num_bootstrap_peers: 1 },
      })
    }
    // still at debug: nothing of the bad configs was applied
    expect(cli.stderr().slice(from)).not.toMatch(/configuration reloaded/)

    // a token file that went missing is a failed reload too
    await writeConfig({ logLevel: 'warn', diagnosticsTokenFile: 'gone' })
    from = cli.stderr().length
    cli.child.kill('SIGHUP')
    await logged(cli, /ERROR \[config\] configuration reload failed.*cannot read .*gone/, from)
    expect((await routing(url, NEW_TOKEN)).status).toBe(200)

    expect(cli.child.exitCode).toBeNull()
    expect(await cli.stop('SIGTERM', 10_000)).toBe(0)
    expect(cli.stderr()).toMatch(/node stopped/)
  }, 90_000)

  it('while the node is still starting does not kill it: the reload runs once it is up', async () => {
    const dir = await workDir('wes-reload-')
    const cli = spawnCli(loopback(dir))
    running.push(cli)
    await binListening(cli)
    cli.child.kill('SIGHUP')
    await cli.waitFor(/^diagnostics: /m, 30_000)
    await logged(cli, /configuration reloaded: nothing changed/, 0)
    expect(await cli.stop('SIGTERM', 10_000)).toBe(0)
  }, 60_000)
})

describe('SIGTERM while modules load', () => {
  it('ends in a clean exit 0 before the node starts, not in a node left running', async () => {
    const dir = await workDir('wes-early-')
    const cli = spawnCli(loopback(dir))
    running.push(cli)
    await binListening(cli)
    cli.child.kill('SIGTERM')
    expect(await cli.exited(15_000)).toBe(0)
    expect(cli.stdout()).not.toMatch(/^diagnostics: /m)
  }, 30_000)
})
