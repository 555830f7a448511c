import { afterEach, describe, expect, it } from '@jest/globals'
import { Registry } from 'prom-client'
import { createDiagnosticsApp, createDiagnosticsClient } from '../../src/index.js'
import { createLoopbackServers } from './loopback-servers.js'
import { PEER_A, createStubControl } from './stub-control.js'
import { createStubSource } from './stub-source.js'

const TOKEN = 'wes-test-token-0123456789abcdef'
const servers = createLoopbackServers()
afterEach(() => servers.closeAll())

async function node(token?: string): Promise<string> {
  const app = createDiagnosticsApp({
    source: createStubSource(),
    registry: new Registry(),
    control: createStubControl(),
    ...(token !== undefined ? { token } : {}),
  })
  return servers.listen(app.callback())
}

describe('client.control', () => {
  it('posts the request with the token and returns the checked answer', async () => {
    const client = createDiagnosticsClient({ addr: await node(TOKEN), token: TOKEN })
    const ping = await client.control('ping', { peer_id: PEER_A, count: 2 })
    expect(ping).toMatchObject({ peer_id: PEER_A, sent: 2, received: 2, rtts_ms: [3, 3] })
    const found = await client.control('findpeer', { peer_id: PEER_A })
    expect(found.multiaddrs).toEqual(['/ip4/127.0.0.1/tcp/4002'])
  })

  it('refuses a bad request before sending anything', async () => {
    // nothing listens on port 9: a request would fail as unreachable
    const client = createDiagnosticsClient({ addr: '127.0.0.1:9' })
    await expect(client.control('ping', { peer_id: 'nope' })).rejects.toMatchObject({
      code: 'ERR_REQUEST_INVALID',
      message: expect.stringContaining('peer_id must be a peer ID'),
    })
    await expect(client.control('ping', { peer_id: PEER_A, count: 1000 })).rejects.toMatchObject({
      code: 'ERR_REQUEST_INVALID',
    })
    await expect(client.control('nope' as 'ping', { peer_id: PEER_A })).rejects.toMatchObject({
      code: 'ERR_REQUEST_INVALID',
      message: 'no control "nope"',
    })
  })

  it('a node without a token has no controls: 404 not_found', async () => {
    const client = createDiagnosticsClient({ addr: await node() })
    await expect(client.control('disconnect', { peer_id: PEER_A })).rejects.toMatchObject({
      name: 'DiagnosticsHttpError',
      status: 404,
      serverCode: 'not_found',
    })
  })

  it('waits no longer than an explicit timeoutMs', async () => {
    const addr = await servers.listen(() => {
      // never answers
    })
    const client = createDiagnosticsClient({ addr, timeoutMs: 200 })
    await expect(client.control('findpeer', { peer_id: PEER_A })).rejects.toMatchObject({
      code: 'ERR_TIMEOUT',
      timeoutMs: 200,
    })
  })
})
