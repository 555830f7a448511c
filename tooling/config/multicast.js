/**
 * Whether mDNS may run here, for tests and benchmarks: only in a network namespace of its own
 * (nothing but loopback, as `unshare -n` or the lab's isolated host gives), where multicast
 * cannot leave the machine, and only when multicast on loopback delivers there.
 *
 * @example
 * import { mdnsIsolation } from '@wes/config/multicast'
 * const { ok, reason } = await mdnsIsolation()
 * if (!ok) console.warn(`mDNS tests SKIPPED: ${reason}`)
 */
import { createSocket } from 'node:dgram'
import { networkInterfaces } from 'node:os'

/** True when every interface this process sees is loopback. */
export function loopbackOnly() {
  return Object.values(networkInterfaces()).every((addresses) =>
    (addresses ?? []).every((address) => address.internal),
  )
}

/** One socket sends to 224.0.0.251 with loopback on; another joined to the group must hear it. */
export async function multicastWorks(timeoutMs = 1_500) {
  const group = '224.0.0.251'
  const port = 40_000 + Math.floor(Math.random() * 20_000)
  const receiver = createSocket({ type: 'udp4', reuseAddr: true })
  const sender = createSocket({ type: 'udp4', reuseAddr: true })
  try {
    return await new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs)
      const finish = (result) => {
        clearTimeout(timer)
        resolve(result)
      }
      receiver.on('error', () => finish(false))
      sender.on('error', () => finish(false))
      receiver.on('message', () => finish(true))
      receiver.bind(port, () => {
        try {
          receiver.addMembership(group)
          sender.bind(() => {
            sender.setMulticastLoopback(true)
            sender.send('wes-multicast-probe', port, group, (err) => {
              if (err != null) finish(false)
            })
          })
        } catch {
          finish(false)
        }
      })
    })
  } finally {
    receiver.close()
    sender.close()
  }
}

/** Whether mDNS may and can run here, and if not, why (one line). */
export async function mdnsIsolation() {
  if (!loopbackOnly()) {
    return {
      ok: false,
      reason:
        'this process reaches interfaces beyond loopback, where multicast would leave the machine; the lab runs these tests on a host of their own (tooling/netlab/test/e2e/isolated-mdns.test.ts)',
    }
  }
  if (!(await multicastWorks())) {
    return {
      ok: false,
      reason:
        'multicast on loopback does not deliver here (lo needs MULTICAST and a 224.0.0.0/4 route)',
    }
  }
  return { ok: true, reason: '' }
}
