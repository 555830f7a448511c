/**
 * `wes-node start` with --log-format and --log-level, in-process: a real node on loopback
 * (no mDNS), stopped as soon as it has announced itself.
 */

import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from '@jest/globals'
import { runCli } from '../../src/cli.js'

async function startAndStop(flags: string[]): Promise<string[]> {
  const dataDir = await mkdtemp(join(tmpdir(), 'wes-log-'))
  const controller = new AbortController()
  let stdout = ''
  let stderr = ''
  const code = await runCli(
    [
      'start',
      '--listen',
      '/ip4/127.0.0.1/tcp/0',
      '--diagnostics-addr',
      '127.0.0.1:0',
      '--no-mdns',
      '--data-dir',
      dataDir,
      ...flags,
    ],
    {
      stdout: {
        write: (chunk: string) => {
          stdout += chunk
          if (/^diagnostics: /m.test(stdout)) controller.abort()
        },
      },
      stderr: { write: (chunk: string) => (stderr += chunk) },
      env: {},
      signal: controller.signal,
    },
  )
  expect({ code, stderr }).toEqual({ code: 0, stderr: expect.any(String) })
  expect(stdout).toMatch(/^peer id: 12D3KooW/m)
  return stderr.split('\n').filter((line) => line !== '')
}

const isLibp2p = (component: unknown): boolean =>
  typeof component === 'string' && component.startsWith('libp2p')

describe('wes-node start logging', () => {
  it('--log-format json writes one JSON object a line on stderr, with components', async () => {
    const lines = (await startAndStop(['--log-format', 'json'])).map(
      (line) => JSON.parse(line) as Record<string, unknown>,
    )
    for (const line of lines) {
      expect(line).toEqual(
        expect.objectContaining({
          level: expect.any(String),
          time: expect.any(String),
          msg: expect.any(String),
        }),
      )
    }
    expect(lines).toContainEqual(expect.objectContaining({ level: 'info', msg: 'node stopped' }))
    expect(lines.some((line) => line.component === 'node')).toBe(true)
    expect(lines.some((line) => isLibp2p(line.component))).toBe(false)
  })

  it("--log-level trace adds libp2p's own lines, each with its component", async () => {
    const lines = await startAndStop(['--log-level', 'trace'])
    const libp2p = lines.filter((line) => / TRACE \[libp2p[^\]]*\] /.test(line))
    expect(libp2p.length).toBeGreaterThan(0)
    expect(lines).toContainEqual(expect.stringMatching(/^\S+Z INFO {2}node stopped$/))
  })

  it("--log-level debug leaves libp2p's lines out", async () => {
    const lines = await startAndStop(['--log-level', 'debug', '--log-format', 'json'])
    const components = lines.map((line) => (JSON.parse(line) as { component?: unknown }).component)
    expect(components.some(isLibp2p)).toBe(false)
    expect(lines.length).toBeGreaterThan(0)
  })
})
