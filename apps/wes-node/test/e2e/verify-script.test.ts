/**
 * scripts/verify_p2p_monitoring.sh: the spec's five steps and the health verdict, one line per
 * step, nothing left running. With --addr it runs from a copy of the script alone, on a PATH
 * without node, pnpm or jq: a bare checkout with curl.
 */
import { execFile } from 'node:child_process'
import { copyFile, mkdir, rm, symlink, writeFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { freePort, loopbackFlags, runCliProcess, spawnCli, tempDir } from '../fixtures/cli.js'
import type { CliProcess } from '../fixtures/cli.js'

const SCRIPT = fileURLToPath(
  new URL('../../../../scripts/verify_p2p_monitoring.sh', import.meta.url),
)

/** What a bare checkout has: bash, curl and the base tools; no node, pnpm or jq. */
const BARE_TOOLS = [
  'bash',
  'curl',
  'mktemp',
  'rm',
  'sed',
  'awk',
  'head',
  'tail',
  'cat',
  'cut',
  'tr',
]

interface Run {
  code: number
  stdout: string
  stderr: string
}

function run(
  script: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
  timeoutMs = 240_000,
): Promise<Run> {
  return new Promise((resolve) => {
    execFile('bash', [script, ...args], { timeout: timeoutMs, env }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1
      resolve({ code, stdout, stderr })
    })
  })
}

/** `PASS [3/6]` and the like, in order. */
function steps(stdout: string): string[] {
  return stdout
    .split('\n')
    .filter((line) => /^(PASS|FAIL|WARN|SKIP) \[\d\/6\]/.test(line))
    .map((line) => line.slice(0, 10))
}

function wesNodeProcesses(): Promise<string> {
  return new Promise((resolve) =>
    execFile('pgrep', ['-af', 'wes-node.js start --data-dir /tmp/tmp'], (_err, stdout) =>
      resolve(stdout.trim()),
    ),
  )
}

function which(tool: string): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile('bash', ['-c', `command -v ${tool}`], (err, stdout) =>
      err === null ? resolve(stdout.trim()) : reject(new Error(`${tool} is not installed`)),
    ),
  )
}

describe('scripts/verify_p2p_monitoring.sh', () => {
  it('builds, tests, starts its own node, passes all five steps and leaves nothing running', async () => {
    const { code, stdout } = await run(SCRIPT, [])
    expect(steps(stdout).slice(0, 5)).toEqual([
      'PASS [1/6]',
      'PASS [2/6]',
      'PASS [3/6]',
      'PASS [4/6]',
      'PASS [5/6]',
    ])
    // a node alone has no peers: its own verdict is down, which warns and does not fail the run
    expect(stdout).toMatch(/^WARN \[6\/6\] node health \(127\.0\.0\.1:\d+\): down /m)
    expect(stdout).toMatch(/^ {4}no_peers \(down\): /m)
    expect(code).toBe(0)
    expect(await wesNodeProcesses()).toBe('')
  }, 240_000)

  describe('--addr, from a bare checkout', () => {
    const running: CliProcess[] = []
    let dir = ''
    let bare = ''
    let bareEnv: NodeJS.ProcessEnv = {}
    const token = 'verify-script-token-0123456789'
    let tokenFile = ''
    /** A serves B its only peer and wants a token; B is content with one peer. */
    let a = ''
    let b = ''

    beforeAll(async () => {
      dir = await tempDir('wes-verify-')
      bare = join(dir, 'checkout', 'scripts', 'verify_p2p_monitoring.sh')
      await mkdir(join(dir, 'checkout', 'scripts'), { recursive: true })
      await copyFile(SCRIPT, bare)
      await mkdir(join(dir, 'bin'))
      for (const tool of BARE_TOOLS) await symlink(await which(tool), join(dir, 'bin', tool))
      bareEnv = { PATH: join(dir, 'bin'), HOME: dir }
      tokenFile = join(dir, 'token')
      await writeFile(tokenFile, `${token}\n`, { mode: 0o600 })

      const nodeA = spawnCli([
        'start',
        ...loopbackFlags(await tempDir()),
        '--dht-mode',
        'server',
        '--diagnostics-token-file',
        tokenFile,
      ])
      running.push(nodeA)
      a = (await nodeA.waitFor(/^diagnostics: http:\/\/(\S+)$/m))[1] as string
      const [, listenA] = await nodeA.waitFor(/^listening on: (\S+)$/m)
      const nodeB = spawnCli([
        'start',
        ...loopbackFlags(await tempDir()),
        '--dht-mode',
        'server',
        '--min-peers',
        '1',
        '--bootstrap',
        listenA as string,
      ])
      running.push(nodeB)
      b = (await nodeB.waitFor(/^diagnostics: http:\/\/(\S+)$/m))[1] as string
      const healthy = await runCliProcess(
        ['diag', 'health', '--addr', b, '--wait', '30'],
        {},
        40_000,
      )
      expect(healthy.code).toBe(0)
    }, 60_000)

    afterAll(async () => {
      await Promise.all(running.map((cli) => cli.stop()))
      await rm(dir, { recursive: true, force: true })
      expect(await wesNodeProcesses()).toBe('')
    })

    it('runs where the PATH has neither node nor pnpm nor jq', async () => {
      const found = await new Promise<string>((resolve) =>
        execFile('bash', ['-c', 'command -v node pnpm jq'], { env: bareEnv }, (_err, stdout) =>
          resolve(stdout.trim()),
        ),
      )
      expect(found).toBe('')
      const { code, stdout } = await run(bare, ['--help'], bareEnv)
      expect(stdout).toContain('--addr host:port')
      expect(code).toBe(0)
    })

    it('skips build and tests, passes steps 3 to 5 and the health of a healthy node', async () => {
      const { code, stdout } = await run(bare, ['--addr', b], bareEnv)
      expect(steps(stdout)).toEqual([
        'SKIP [1/6]',
        'SKIP [2/6]',
        'PASS [3/6]',
        'PASS [4/6]',
        'PASS [5/6]',
        'PASS [6/6]',
      ])
      expect(stdout).toContain(`PASS [6/6] node health (${b}): ok`)
      expect(code).toBe(0)
    }, 60_000)

    it('takes http://host:port/ as well', async () => {
      const { code, stdout } = await run(bare, ['--addr', `http://${b}/`], bareEnv)
      expect(steps(stdout).slice(2, 5)).toEqual(['PASS [3/6]', 'PASS [4/6]', 'PASS [5/6]'])
      expect(code).toBe(0)
    }, 60_000)

    it('sends the token from WES_DIAGNOSTICS_TOKEN_FILE, --token-file or WES_DIAGNOSTICS_TOKEN', async () => {
      for (const [args, env] of [
        [['--addr', a], { WES_DIAGNOSTICS_TOKEN_FILE: tokenFile }],
        [['--addr', a, '--token-file', tokenFile], {}],
        [['--addr', a], { WES_DIAGNOSTICS_TOKEN: token }],
      ] as const) {
        const { code, stdout } = await run(bare, [...args], { ...bareEnv, ...env })
        expect(steps(stdout).slice(2)).toEqual([
          'PASS [3/6]',
          'PASS [4/6]',
          'PASS [5/6]',
          'WARN [6/6]',
        ])
        // one peer where the default minimum is 3: the node warns, the monitoring passes
        expect(stdout).toMatch(/^WARN \[6\/6\] node health \(.*\): degraded /m)
        expect(stdout).toMatch(/^ {4}below_min_peers \(degraded\): 1 peer connected/m)
        expect(stdout).toMatch(/^ {6}hint: /m)
        expect(stdout).not.toContain(token)
        expect(code).toBe(0)
      }
    }, 120_000)

    it('fails every node step without the token, naming the 401', async () => {
      const { code, stdout } = await run(bare, ['--addr', a], bareEnv)
      expect(steps(stdout)).toEqual([
        'SKIP [1/6]',
        'SKIP [2/6]',
        'FAIL [3/6]',
        'FAIL [4/6]',
        'FAIL [5/6]',
        'FAIL [6/6]',
      ])
      expect(stdout).toContain('/metrics answered 401: the node needs a valid token')
      expect(code).toBe(1)
    }, 60_000)

    it('says it cannot reach a port nobody listens on, exit 1, before any step', async () => {
      const addr = `127.0.0.1:${await freePort()}`
      const { code, stdout, stderr } = await run(bare, ['--addr', addr], bareEnv)
      expect(stderr.trim()).toBe(
        `verify: cannot reach ${addr}: connection refused (is the node running, with diagnostics enabled?)`,
      )
      expect(steps(stdout)).toEqual([])
      expect(code).toBe(1)
    })

    it('fails the node steps against something that is not a wes-node', async () => {
      const server = createServer((_req, res) => res.writeHead(404).end('nope'))
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
      const { port } = server.address() as AddressInfo
      try {
        const { code, stdout } = await run(bare, ['--addr', `127.0.0.1:${port}`], bareEnv)
        expect(steps(stdout)).toEqual([
          'SKIP [1/6]',
          'SKIP [2/6]',
          'FAIL [3/6]',
          'FAIL [4/6]',
          'FAIL [5/6]',
          'FAIL [6/6]',
        ])
        expect(stdout).toContain('/metrics answered 404: nope')
        expect(code).toBe(1)
      } finally {
        server.close()
      }
    }, 60_000)

    it.each([
      [['--addr', 'localhost'], 'invalid --addr "localhost": the port is missing'],
      [['--addr', '127.0.0.1:0'], 'port 0 is out of range 1-65535'],
      [['--addr', 'https://127.0.0.1:28686'], 'write it as host:port or http://host:port'],
      [['--addr'], '--addr needs a value'],
      [['--bogus'], 'unknown argument --bogus'],
      [['--addr', '127.0.0.1:28686', '--token-file', '/nonexistent/token'], 'cannot read token'],
    ])('refuses %j with exit 2 and a usage line', async (args, message) => {
      const { code, stdout, stderr } = await run(bare, args, bareEnv)
      expect(stderr).toContain(message)
      expect(stderr).toMatch(/^usage: .*verify_p2p_monitoring\.sh \[--addr host:port\]/m)
      expect(stdout).toBe('')
      expect(code).toBe(2)
    })
  })
})
