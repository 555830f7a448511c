/**
 * Network namespaces for cases that need a network the host does not have (no multicast, a
 * non-loopback address). Each is deleted when its case ends, and on exit of the runner.
 */

import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import type { CaseContext } from './runner.js'

const created = new Set<string>()

function ip(args: string[]): string {
  return execFileSync('ip', args, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 10_000,
  })
}

export interface NetnsInit {
  /** Clear the MULTICAST flag of `lo` (no multicast at all in the namespace). */
  multicast?: boolean
  /**
   * Remove 127.0.0.1/8 from `lo`: no IPv4 interface at all, so no IPv4 multicast (mDNS is
   * IPv4 here). Clearing `lo`'s MULTICAST flag is not enough on Linux: a socket that names
   * 127.0.0.1 as its multicast interface still hears its own group traffic.
   */
  noIpv4?: boolean
  /**
   * A non-loopback address (CIDR), e.g. `10.231.0.1/32`, added to `lo` (no dummy or veth
   * module is needed): to the node it is an address beyond loopback like a LAN one.
   */
  extraAddress?: string
}

/** Creates a namespace with `lo` up; deleted when the case ends. */
export function createNetns(ctx: CaseContext, init: NetnsInit = {}): string {
  const name = `wes-rel-${process.pid}-${randomBytes(3).toString('hex')}`
  ip(['netns', 'add', name])
  created.add(name)
  ctx.defer(() => deleteNetns(name))
  ip(['-n', name, 'link', 'set', 'lo', 'up'])
  if (init.multicast === false) ip(['-n', name, 'link', 'set', 'lo', 'multicast', 'off'])
  if (init.noIpv4 === true) ip(['-n', name, 'addr', 'del', '127.0.0.1/8', 'dev', 'lo'])
  if (init.extraAddress !== undefined)
    ip(['-n', name, 'addr', 'add', init.extraAddress, 'dev', 'lo'])
  return name
}

export function deleteNetns(name: string): void {
  if (!created.has(name)) return
  try {
    ip(['netns', 'del', name])
  } catch {
    // already gone
  }
  created.delete(name)
}

/** Deletes every namespace this process created (on exit, whatever happened). */
export function cleanupNetns(): void {
  for (const name of [...created]) deleteNetns(name)
}

/** Whether `ip netns` works here (root and iproute2). */
export function netnsAvailable(): boolean {
  try {
    ip(['netns', 'list'])
    return true
  } catch {
    return false
  }
}
