import { describe, expect, it } from '@jest/globals'
import { Gauge, Registry } from 'prom-client'
import { collectInBackground } from '../../src/background-collect.js'
import type { CollectingMetric } from '../../src/background-collect.js'

/** A gauge whose collect waits for a read the test finishes by hand, as a statfs() would. */
function slowGauge(registry: Registry) {
  const reads: Array<(value: number | Error) => void> = []
  const gauge = new Gauge({
    name: 'slow_read_bytes',
    help: 'A value read from the disk.',
    // labelled, as libp2p's groups are: no sample until a read set one
    labelNames: ['filesystem'],
    registers: [registry],
    async collect() {
      const value = await new Promise<number | Error>((resolve) => reads.push(resolve))
      if (value instanceof Error) throw value
      this.set({ filesystem: 'used' }, value)
    },
  })
  return { gauge, reads }
}

const sample = (text: string): string | undefined =>
  text.split('\n').find((line) => line.startsWith('slow_read_bytes{'))

describe('collectInBackground', () => {
  it('renders at once with the values of the read before, and starts no second read while one runs', async () => {
    const registry = new Registry()
    const { gauge, reads } = slowGauge(registry)
    expect(collectInBackground(gauge as unknown as CollectingMetric)).toBe(true)
    await Promise.resolve()
    // the first read started when it was moved
    expect(reads).toHaveLength(1)
    // the render does not wait for it: the value is not there yet
    expect(sample(await registry.metrics())).toBeUndefined()
    expect(reads).toHaveLength(1)
    reads[0]?.(42)
    await new Promise((resolve) => setImmediate(resolve))
    // the next render starts the next read and serves the first one's value
    expect(sample(await registry.metrics())).toBe('slow_read_bytes{filesystem="used"} 42')
    await Promise.resolve()
    expect(reads).toHaveLength(2)
    // a failed read changes nothing; the one after it lands
    reads[1]?.(new Error('EIO'))
    await new Promise((resolve) => setImmediate(resolve))
    expect(sample(await registry.metrics())).toBe('slow_read_bytes{filesystem="used"} 42')
    await Promise.resolve()
    reads[2]?.(43)
    await new Promise((resolve) => setImmediate(resolve))
    expect(sample(await registry.metrics())).toBe('slow_read_bytes{filesystem="used"} 43')
  })

  it('leaves a metric without a collect, or none at all, as it is', () => {
    const registry = new Registry()
    const plain = new Gauge({ name: 'plain', help: 'No collect.', registers: [registry] })
    expect(collectInBackground(plain as unknown as CollectingMetric)).toBe(false)
    expect(collectInBackground(undefined)).toBe(false)
  })
})
