/**
 * Running as a service: the standalone deployment (`pnpm deploy:node <dir>`), started the way a
 * service manager starts it (no shell, a session of its own), stops on SIGTERM with exit 0 and
 * leaves no process and no port behind; the systemd unit passes `systemd-analyze verify`; and
 * `pnpm wes-node start` passes SIGTERM on to the node instead of orphaning it.
 */
import { execFile, spawn } from 'node:child_process'
import type { ChildProcessByStdio } from 'node:child_process'
import { readFile, readdir, readlink, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { tempDir } from '../fixtures/cli.js'

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url))
const UNIT = join(ROOT, 'deploy', 'systemd', 'wes-node.service')

function run(
  command: string,
  args: string[],
  options: { cwd?: string; timeoutMs?: number } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { cwd: options.cwd ?? ROOT, timeout: options.timeoutMs ?? 240_000, maxBuffer: 16 << 20 },
      (err, stdout, stderr) => {
        if (err !== null && typeof err.code !== 'number') reject(err)
        else resolve({ code: typeof err?.code === 'number' ? err.code : 0, stdout, stderr })
      },
    )
  })
}

/** The processes whose session or process group is `id`: what a service manager would clean up. */
async function sessionMembers(id: number): Promise<number[]> {
  const members: number[] = []
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue
    let stat: string
    try {
      stat = await readFile(`/proc/${name}/stat`, 'utf8')
    } catch {
      continue // gone meanwhile
    }
    // "pid (comm) state ppid pgrp session ...": comm may hold spaces and parentheses
    const [, , pgrp, session] = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    if (Number(pgrp) === id || Number(session) === id) members.push(Number(name))
  }
  return members
}

async function portFree(port: number): Promise<boolean> {
  const server = createServer()
  return new Promise((resolve) => {
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })
}

interface ServiceProcess {
  child: ChildProcessByStdio<null, Readable, Readable>
  pid: number
  stdout: () => string
  stderr: () => string
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpExecArray>
  /** Resolves with the exit code and signal, or rejects after `timeoutMs`. */
  exited(timeoutMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

/** Starts `command` as a service manager does: directly, no shell, in a session of its own. */
function startService(command: string, args: string[], cwd = ROOT): ServiceProcess {
  const child = spawn(command, args, {
    cwd,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp' },
  })
  let out = ''
  let err = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk))
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk))
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  )
  const bounded = <T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(new Error(`${what} not within ${timeoutMs} ms; stdout: ${out}; stderr: ${err}`)),
        timeoutMs,
      )
      void promise.then((value) => {
        clearTimeout(timer)
        resolve(value)
      })
    })
  return {
    child,
    pid: child.pid as number,
    stdout: () => out,
    stderr: () => err,
    waitFor(pattern, timeoutMs = 60_000) {
      return bounded(
        new Promise<RegExpExecArray>((resolve) => {
          const check = (): void => {
            const match = pattern.exec(out)
            if (match === null) return
            child.stdout.off('data', check)
            resolve(match)
          }
          child.stdout.on('data', check)
          check()
        }),
        timeoutMs,
        String(pattern),
      )
    },
    exited: (timeoutMs) => bounded(exit, timeoutMs, 'exit'),
  }
}

/** Kills whatever is left of a service's session (the test failed half-way). */
function killSession(service: ServiceProcess | undefined): void {
  if (service === undefined) return
  try {
    process.kill(-service.pid, 'SIGKILL')
  } catch {
    // nothing left
  }
}

const NODE_FLAGS = (dataDir: string): string[] => [
  'start',
  '--data-dir',
  dataDir,
  '--listen',
  '/ip4/127.0.0.1/tcp/0',
  '--diagnostics-addr',
  '127.0.0.1:0',
  '--no-mdns',
]

/**
 * Waits for the announcements, sends SIGTERM to the process the "service manager" started and
 * checks what a service manager relies on: exit 0, no process left in its session, ports free.
 */
async function expectCleanStop(service: ServiceProcess): Promise<number> {
  const [, diagPort] = await service.waitFor(/^diagnostics: http:\/\/127\.0\.0\.1:(\d+)$/m)
  const [, p2pPort] = await service.waitFor(/^listening on: \/ip4\/127\.0\.0\.1\/tcp\/(\d+)\//m)
  const sent = performance.now()
  process.kill(service.pid, 'SIGTERM')
  const exit = await service.exited(15_000)
  const stopMs = performance.now() - sent
  expect(exit).toEqual({ code: 0, signal: null })
  expect(service.stderr()).toMatch(/node stopped/)
  expect(await sessionMembers(service.pid)).toEqual([])
  expect(await portFree(Number(diagPort))).toBe(true)
  expect(await portFree(Number(p2pPort))).toBe(true)
  return stopMs
}

describe('running as a service', () => {
  let deployDir: string
  let work: string

  beforeAll(async () => {
    work = await tempDir('wes-service-')
    deployDir = join(work, 'wes-node')
    // The script the root `pnpm deploy:node` runs after building (the tests run after a build).
    const deployed = await run(process.execPath, [
      join(ROOT, 'tooling', 'scripts', 'deploy-node.mjs'),
      deployDir,
    ])
    if (deployed.code !== 0) {
      throw new Error(`deploy failed (${deployed.code}): ${deployed.stdout}\n${deployed.stderr}`)
    }
  }, 300_000)

  afterAll(async () => {
    await rm(work, { recursive: true, force: true })
  })

  it('deploys a folder that runs without the workspace: bin/wes-node, its Node and modules', async () => {
    const { code, stdout } = await run(join(deployDir, 'bin', 'wes-node'), ['--version'], {
      cwd: work,
    })
    expect(code).toBe(0)
    expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/)
    // production files only
    const entries = await readdir(deployDir)
    expect(entries).toEqual(expect.arrayContaining(['bin', 'dist', 'node', 'node_modules']))
    expect(entries).not.toContain('src')
    expect(entries).not.toContain('test')
  })

  it('bin/wes-node started as a service manager does: SIGTERM gives exit 0, nothing left, ports free', async () => {
    let service: ServiceProcess | undefined
    try {
      service = startService(
        join(deployDir, 'bin', 'wes-node'),
        NODE_FLAGS(join(work, 'data-a')),
        work,
      )
      await service.waitFor(/^diagnostics: /m)
      // the shim exec'd Node: the process the manager signals is the node, alone in its session
      expect(await sessionMembers(service.pid)).toEqual([service.pid])
      expect(await readlink(`/proc/${service.pid}/exe`)).toMatch(/\/node$/)
      const argv = (await readFile(`/proc/${service.pid}/cmdline`, 'utf8')).split('\0')
      expect(argv[1]).toBe(join(deployDir, 'bin', 'wes-node.js'))
      const stopMs = await expectCleanStop(service)
      process.stdout.write(`bin/wes-node: SIGTERM to exit 0 in ${stopMs.toFixed(0)} ms\n`)
    } finally {
      killSession(service)
    }
  }, 90_000)

  it('pnpm wes-node start passes SIGTERM on: exit 0, no orphan, ports free', async () => {
    let service: ServiceProcess | undefined
    try {
      service = startService('pnpm', ['wes-node', ...NODE_FLAGS(join(work, 'data-b'))])
      const stopMs = await expectCleanStop(service)
      process.stdout.write(`pnpm wes-node start: SIGTERM to exit 0 in ${stopMs.toFixed(0)} ms\n`)
    } finally {
      killSession(service)
    }
  }, 90_000)

  it('the systemd unit passes systemd-analyze verify, with ExecStart on the deployed bin', async () => {
    const unit = await readFile(UNIT, 'utf8')
    expect(unit).toMatch(/^ExecStart=\/opt\/wes-node\/bin\/wes-node start /m)
    expect(unit).toMatch(/^KillSignal=SIGTERM$/m)
    expect(unit).toMatch(/^ExecReload=\/bin\/kill -HUP \$MAINPID$/m)
    expect(unit).toMatch(/^RestartPreventExitStatus=2$/m)

    // verify checks that ExecStart's binary exists: point it at this deployment
    const copy = join(work, 'wes-node.service')
    await writeFile(copy, unit.replaceAll('/opt/wes-node/', `${deployDir}/`))
    let verified: { code: number; stdout: string; stderr: string }
    try {
      verified = await run('systemd-analyze', ['verify', copy], { cwd: work, timeoutMs: 60_000 })
    } catch (err) {
      throw new Error(
        `systemd-analyze cannot run (${String(err)}): install Debian's systemd (apt-get install -y systemd)`,
        { cause: err },
      )
    }
    // verify exits 0 on unknown keys and bad values too, and only warns: any output is a finding
    expect(verified).toEqual({ code: 0, stdout: '', stderr: '' })
  }, 90_000)
})
