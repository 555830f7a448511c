import { mkdtemp, rm } from 'node:fs/promises'
import { createConnection } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from '@jest/globals'
import { listenControl, sendControl } from '../../src/cmds/devnet/control.js'
import type { ControlRequest, ControlServer } from '../../src/cmds/devnet/control.js'
import type { DevnetNode } from '../../src/cmds/devnet/state.js'
import { UsageError } from '../../src/errors.js'

const PEER = '12D3KooWRJ8fb3Hb17bQ9bDQjiThVB7ebGeHCTcRtgyZp4dWWW6Z'

function node(index: number): DevnetNode {
  return {
    index,
    name: `node-${index}`,
    peer_id: PEER,
    pid: 100 + index,
    listen_port: 29000 + index - 1,
    diagnostics_port: 29100 + index - 1,
    multiaddr: `/ip4/127.0.0.1/tcp/${29000 + index - 1}/p2p/${PEER}`,
    diagnostics_url: `http://127.0.0.1:${29100 + index - 1}`,
    data_dir: `/d/node-${index}`,
    log_file: `/d/node-${index}/node.log`,
  }
}

const servers: ControlServer[] = []
const dirs: string[] = []
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()))
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })))
})

async function socketPath(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'wes-ctl-'))
  dirs.push(dir)
  return join(dir, 'control.sock')
}

/** Sends one raw line and resolves with the raw answer. */
function raw(path: string, line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(path)
    let answer = ''
    socket.setEncoding('utf8')
    socket.on('connect', () => socket.write(line))
    socket.on('data', (chunk: string) => (answer += chunk))
    socket.on('end', () => resolve(answer))
    socket.on('error', reject)
  })
}

describe('the devnet control socket', () => {
  it('answers add and remove with the nodes, one request at a time', async () => {
    const path = await socketPath()
    const seen: string[] = []
    let next = 4
    servers.push(
      await listenControl(path, async (request: ControlRequest) => {
        seen.push(`start ${request.op}`)
        // each request takes a while: were they not one at a time, they would interleave
        await new Promise((resolve) => setTimeout(resolve, 200))
        seen.push(`end ${request.op}`)
        if (request.op === 'add') return Array.from({ length: request.count }, () => node(next++))
        return [node(Number(request.node))]
      }),
    )
    const [added, removed] = await Promise.all([
      sendControl(path, { op: 'add', count: 2 }),
      sendControl(path, { op: 'remove', node: '2' }),
    ])
    expect(added.map((entry) => entry.name)).toEqual(['node-4', 'node-5'])
    expect(removed.map((entry) => entry.name)).toEqual(['node-2'])
    // whichever came first ended before the other started
    const [first, second] = [seen[0]?.split(' ')[1], seen[2]?.split(' ')[1]]
    expect(new Set([first, second])).toEqual(new Set(['add', 'remove']))
    expect(seen).toEqual([`start ${first}`, `end ${first}`, `start ${second}`, `end ${second}`])
  })

  it("passes the devnet's error and exit code on, and refuses a bad request with exit 2", async () => {
    const path = await socketPath()
    servers.push(
      await listenControl(path, async (request) => {
        if (request.op === 'remove') throw new UsageError(`no node "${request.node}"`)
        throw new Error('disk full')
      }),
    )
    await expect(sendControl(path, { op: 'remove', node: '9' })).rejects.toMatchObject({
      message: 'no node "9"',
      exitCode: 2,
    })
    await expect(sendControl(path, { op: 'add', count: 1 })).rejects.toMatchObject({
      message: 'disk full',
      exitCode: 1,
    })
    expect(JSON.parse(await raw(path, 'hello\n'))).toEqual({
      ok: false,
      error: 'the request is not JSON',
      exit_code: 2,
    })
    // a line that never ends is cut off, not buffered without bound
    expect(JSON.parse(await raw(path, 'x'.repeat(10_000)))).toMatchObject({
      ok: false,
      exit_code: 2,
    })
  })

  it('says plainly when no devnet listens', async () => {
    const path = await socketPath()
    await expect(sendControl(path, { op: 'add', count: 1 })).rejects.toMatchObject({
      exitCode: 1,
      code: 'ERR_NO_DEVNET',
      message: `no running devnet answers on ${path} (ENOENT)`,
    })
  })

  it('refuses a socket path longer than a unix socket takes', async () => {
    await expect(
      listenControl(`/tmp/${'d'.repeat(120)}/control.sock`, async () => []),
    ).rejects.toMatchObject({
      name: 'UsageError',
      exitCode: 2,
    })
  })
})
