/** scripts/verify_p2p_monitoring.sh: the spec's five steps, PASS/FAIL per step, nothing left running. */
import { execFile } from 'node:child_process'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from '@jest/globals'

const SCRIPT = fileURLToPath(
  new URL('../../../../scripts/verify_p2p_monitoring.sh', import.meta.url),
)

function runScript(args: string[]): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    execFile('bash', [SCRIPT, ...args], { timeout: 240_000, env: process.env }, (err, stdout) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1
      resolve({ code, stdout })
    })
  })
}

function stepLines(stdout: string): string[] {
  return stdout.split('\n').filter((line) => /^(PASS|FAIL) \[\d\/5\]/.test(line))
}

function wesNodeProcesses(): Promise<string> {
  return new Promise((resolve) =>
    execFile('pgrep', ['-af', 'wes-node.js start --data-dir /tmp/tmp'], (_err, stdout) =>
      resolve(stdout.trim()),
    ),
  )
}

describe('scripts/verify_p2p_monitoring.sh', () => {
  it('starts its own node, passes all five steps and leaves nothing running', async () => {
    const { code, stdout } = await runScript([])
    expect(stepLines(stdout).map((line) => line.slice(0, 10))).toEqual([
      'PASS [1/5]',
      'PASS [2/5]',
      'PASS [3/5]',
      'PASS [4/5]',
      'PASS [5/5]',
    ])
    expect(code).toBe(0)
    expect(await wesNodeProcesses()).toBe('')
  }, 240_000)

  it('fails the node steps against something that is not a wes-node, exit non-zero', async () => {
    const server = createServer((_req, res) => res.writeHead(404).end('nope'))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as AddressInfo
    try {
      const { code, stdout } = await runScript(['--addr', `127.0.0.1:${port}`])
      const lines = stepLines(stdout)
      expect(lines.map((line) => line.slice(0, 10))).toEqual([
        'PASS [1/5]',
        'PASS [2/5]',
        'FAIL [3/5]',
        'FAIL [4/5]',
        'FAIL [5/5]',
      ])
      expect(code).not.toBe(0)
    } finally {
      server.close()
    }
  }, 240_000)

  it('refuses an unknown argument with exit 2', async () => {
    const { code } = await runScript(['--bogus'])
    expect(code).toBe(2)
  })
})
