import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import { describe, expect, it } from '@jest/globals'
import { runCliCaptured } from '../fixtures/cli.js'

interface Run {
  code: number
  stdout: string
  stderr: string
}

async function run(argv: string[], env: Record<string, string> = {}): Promise<Run> {
  return runCliCaptured(argv, env)
}

/** A port nothing listens on: bind one, note it, close it. */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

function expectOneLine(text: string): void {
  expect(text.trim()).not.toBe('')
  expect(text.trim().split('\n')).toHaveLength(1)
  expect(text).not.toMatch(/\n\s+at /)
}

describe('wes-node CLI parsing', () => {
  it.each([
    [['start', '--bogus']],
    // commander adds "(Did you mean --listen?)" on a second line: it must join the first
    [['start', '--listn', '/ip4/127.0.0.1/tcp/0']],
    [['strat']],
    [['start', '--dht-mode', 'fast']],
    [['start', '--log-level', 'loud']],
    [['start', '--max-connections', '-1']],
    [['start', '--max-connections', 'many']],
    [['frobnicate']],
    [['diag']],
    [['diag', 'everything']],
    [['diag', 'stats', '--timeout', '0']],
    [['diag', 'stats', '--addr']],
  ])('%p is a usage error: exit 2, one line', async (argv) => {
    const { code, stderr } = await run(argv)
    expect(code).toBe(2)
    expectOneLine(stderr)
    expect(stderr.startsWith('wes-node: ')).toBe(true)
  })

  it('a misspelt flag keeps the suggestion on the one line', async () => {
    const { code, stderr } = await run(['start', '--listn', '/ip4/127.0.0.1/tcp/0'])
    expect(code).toBe(2)
    expect(stderr).toBe("wes-node: unknown option '--listn' (Did you mean --listen?)\n")
  })

  it('a bad --addr is a usage error', async () => {
    const { code, stderr } = await run(['diag', 'stats', '--addr', 'nowhere'])
    expect(code).toBe(2)
    expectOneLine(stderr)
    expect(stderr).toContain('invalid --addr "nowhere"')
  })

  it('a bad multiaddr flag is a usage error naming it', async () => {
    const { code, stderr } = await run([
      'start',
      '--listen',
      '/ip4/300.1.1.1/tcp/1',
      '--data-dir',
      '/tmp/x',
    ])
    expect(code).toBe(2)
    expectOneLine(stderr)
    expect(stderr).toMatch(/listen/)
  })

  it('a malformed config file is a usage error', async () => {
    const { code, stderr } = await run(['start', '--config', '/nonexistent/wes.json'])
    expect(code).toBe(2)
    expect(stderr).toBe('wes-node: cannot read config file /nonexistent/wes.json: no such file\n')
  })

  it('--help and --version exit 0 on stdout', async () => {
    const help = await run(['--help'])
    expect(help.code).toBe(0)
    expect(help.stdout).toContain('start')
    expect(help.stdout).toContain('diag')
    const startHelp = await run(['start', '--help'])
    expect(startHelp.code).toBe(0)
    expect(startHelp.stdout).toContain('--dht-mode')
    const version = await run(['--version'])
    expect(version.code).toBe(0)
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/)
  })

  it('diag against a closed port: exit 1 and one line that says why', async () => {
    const port = await closedPort()
    const { code, stderr, stdout } = await run(['diag', 'stats', '--addr', `127.0.0.1:${port}`])
    expect(code).toBe(1)
    expect(stdout).toBe('')
    expectOneLine(stderr)
    expect(stderr).toContain(
      `cannot reach wes-node diagnostics at 127.0.0.1:${port}: connection refused`,
    )
  })

  it('diag works on ports that fetch refuses (the Fetch standard\'s "bad ports")', async () => {
    const body = JSON.stringify({ peers: 1, peer_ids: ['12D3KooWPeer'] })
    const server = createServer((socket) =>
      socket.end(
        `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body}`,
      ),
    )
    let port: number | undefined
    for (const candidate of [6000, 6665, 6666, 6667, 6668, 6669, 10080]) {
      const bound = await new Promise<boolean>((resolve) => {
        server.once('error', () => resolve(false))
        server.listen(candidate, '127.0.0.1', () => resolve(true))
      })
      if (bound) {
        port = candidate
        break
      }
    }
    expect(port).toBeDefined()
    try {
      const { code, stdout } = await run(['diag', 'peers', '--json', '--addr', `127.0.0.1:${port}`])
      expect(code).toBe(0)
      expect(JSON.parse(stdout)).toEqual({ peers: 1, peer_ids: ['12D3KooWPeer'] })
    } finally {
      server.close()
    }
  })

  it('diag against something that is not a wes-node: exit 1, one line', async () => {
    const server = createServer((socket) =>
      socket.end('HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello'),
    )
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const { port } = server.address() as AddressInfo
    try {
      const { code, stderr } = await run(['diag', 'peers', '--addr', `127.0.0.1:${port}`])
      expect(code).toBe(1)
      expectOneLine(stderr)
      expect(stderr).toContain('without JSON')
    } finally {
      server.close()
    }
  })
})
