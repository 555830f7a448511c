/** The subject of the in-process benchmarks: the wes-node runtime. */

import { resolveOptions } from '@wes/p2p-core'
import { createLogger, createRuntime } from 'wes-node'
import { LOOPBACK_LISTEN } from './nodes.js'
import type { P2POptionsInit } from '@wes/p2p-core'
import type { Runtime } from 'wes-node'

/**
 * The subject: the runtime `wes-node start` runs (node, one registry with the p2p metrics, the
 * diagnostics server), on loopback with free ports, mDNS off (it would find other nodes on this
 * machine) and the CLI's defaults otherwise (kad-dht auto, AutoNAT, circuit relay client).
 */
export async function createSubjectRuntime(
  dataDir: string,
  init: P2POptionsInit = {},
): Promise<Runtime> {
  const options = resolveOptions({
    listen: [LOOPBACK_LISTEN],
    mdns: false,
    diagnosticsAddr: '127.0.0.1:0',
    dataDir,
    logLevel: 'silent',
    ...init,
  })
  return createRuntime(options, { logger: createLogger({ level: 'silent' }) })
}
