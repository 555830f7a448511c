import { describe, expect, it } from '@jest/globals'
import { Counter, Gauge, Histogram, Registry, Summary } from 'prom-client'
import {
  createHealthMetrics,
  createNatMetrics,
  createNetworkMetrics,
  createP2PMetrics,
  createProcessMetrics,
  renderExposition,
} from '../../src/index.js'
import { createStubSource, sampleSnapshot } from './stub-source.js'

/** prom-client's own text, with the one difference the writer means (`NaN`, see its comment). */
async function promClientText(registry: Registry): Promise<string> {
  return (await registry.metrics()).replace(/ Nan$/gm, ' NaN')
}

/** Every kind of metric and series prom-client has, with values that do not move. */
function everyKind(registry: Registry): void {
  new Counter({ name: 'c_total', help: 'Plain.', registers: [registry] }).inc(3)
  const labelled = new Counter({
    name: 'l_total',
    help: 'Labelled "quoted" \\ back\nslash.',
    labelNames: ['b', 'a'] as const,
    registers: [registry],
  })
  labelled.inc({ b: 'x"y', a: 'p\\q\nr' }, 2)
  labelled.inc({ a: 'second', b: 'order' })
  new Counter({ name: 'never_total', help: 'No series.', labelNames: ['x'], registers: [registry] })
  const gauge = new Gauge({ name: 'g', help: 'G.', labelNames: ['k'], registers: [registry] })
  gauge.set({ k: 'nan' }, Number.NaN)
  gauge.set({ k: 'inf' }, Infinity)
  gauge.set({ k: 'ninf' }, -Infinity)
  gauge.set({ k: 'frac' }, 0.1 + 0.2)
  gauge.set({ k: 'big' }, 1e21)
  gauge.inc({ k: 'inc' }, 5)
  gauge.set({ k: 'frac' }, 0.25) // set again: prom-client replaces the series' object
  new Gauge({
    name: 'collected',
    help: 'Set by collect.',
    registers: [registry],
    collect() {
      this.set(7)
    },
  })
  const histogram = new Histogram({
    name: 'h_seconds',
    help: 'H.',
    labelNames: ['op'],
    buckets: [0.005, 0.1, 1, 10],
    registers: [registry],
  })
  histogram.observe({ op: 'x' }, 0.05)
  histogram.observe({ op: 'x' }, 3)
  histogram.observe({ op: 'y' }, 100)
  new Histogram({ name: 'bare_seconds', help: 'B.', buckets: [1], registers: [registry] }).observe(
    0.5,
  )
  new Histogram({ name: 'empty_seconds', help: 'E.', labelNames: ['op'], registers: [registry] })
  new Summary({
    name: 's_bytes',
    help: 'S.',
    labelNames: ['dir'],
    percentiles: [0.5, 0.9],
    registers: [registry],
  }).observe({ dir: 'in' }, 7)
}

describe('renderExposition', () => {
  it("writes prom-client's text format byte for byte, for every kind of metric", async () => {
    const registry = new Registry()
    everyKind(registry)
    const text = await renderExposition(registry, 'prometheus')
    expect(text).toBe(await promClientText(registry))
    expect(text).toContain('l_total{b="x\\"y",a="p\\\\q\\nr"} 2\n')
    expect(text).toContain('h_seconds_bucket{le="1",op="x"} 1\n')
    expect(text).toContain('g{k="nan"} NaN\n')
  })

  it('writes it again the same after values change, series come and one is reset', async () => {
    const registry = new Registry()
    everyKind(registry)
    await renderExposition(registry, 'prometheus')
    const histogram = registry.getSingleMetric('h_seconds') as Histogram<'op'>
    histogram.observe({ op: 'x' }, 0.001)
    histogram.observe({ op: 'z' }, 0.5)
    ;(registry.getSingleMetric('l_total') as Counter<'a' | 'b'>).inc({ a: 'third', b: 'c' })
    ;(registry.getSingleMetric('c_total') as Counter).reset()
    histogram.zero({ op: 'y' })
    expect(await renderExposition(registry, 'prometheus')).toBe(await promClientText(registry))
  })

  it("writes the registry's default labels as prom-client does", async () => {
    const registry = new Registry()
    everyKind(registry)
    registry.setDefaultLabels({ node: 'n1', op: 'shadowed' })
    expect(await renderExposition(registry, 'prometheus')).toBe(await promClientText(registry))
  })

  it("writes the node's metrics as prom-client does, collecting each once per render", async () => {
    const registry = new Registry()
    const source = createStubSource(
      sampleSnapshot({
        protocols: {
          '/ipfs/id/1.0.0': { inTotalBytes: 10, outTotalBytes: 20 },
          '/ipfs/ping/1.0.0': { inTotalBytes: 64, outTotalBytes: 64 },
        },
      }),
    )
    createP2PMetrics(registry, { source })
    createHealthMetrics(registry, { source })
    createNetworkMetrics(registry, { source })
    createNatMetrics(registry, { source })
    const expected = await promClientText(registry)
    const reads = source.reads
    expect(await renderExposition(registry, 'prometheus')).toBe(expected)
    // one snapshot per family group, as with prom-client
    expect(source.reads - reads).toBe(reads)
  })

  it('writes the same series in both formats, with the runtime metrics too', async () => {
    const registry = new Registry()
    everyKind(registry)
    createProcessMetrics(registry)
    const series = (text: string): string[] =>
      text
        .split('\n')
        .filter((line) => line !== '' && !line.startsWith('#'))
        .map((line) => line.slice(0, line.lastIndexOf(' ')))
    const text = await renderExposition(registry, 'prometheus')
    const om = await renderExposition(registry, 'openmetrics')
    expect(series(om)).toEqual(series(text))
    expect(series(text)).toEqual(series(await registry.metrics()))
  })

  it('fails the render when a collect throws or rejects', async () => {
    for (const collect of [
      (): void => {
        throw new Error('collector exploded')
      },
      (): Promise<void> => Promise.reject(new Error('collector exploded')),
    ]) {
      const registry = new Registry()
      new Gauge({ name: 'bad', help: 'B.', registers: [registry], collect })
      await expect(renderExposition(registry, 'prometheus')).rejects.toThrow('collector exploded')
      await expect(renderExposition(registry, 'openmetrics')).rejects.toThrow('collector exploded')
    }
  })

  it('waits for an async collect before writing its value', async () => {
    const registry = new Registry()
    new Gauge({
      name: 'later',
      help: 'L.',
      registers: [registry],
      async collect() {
        await new Promise((resolve) => setTimeout(resolve, 5))
        this.set(42)
      },
    })
    expect(await renderExposition(registry, 'prometheus')).toContain('\nlater 42\n')
  })

  it('ends an empty registry as prom-client does', async () => {
    const registry = new Registry()
    expect(await renderExposition(registry, 'prometheus')).toBe(await registry.metrics())
    expect(await renderExposition(registry, 'openmetrics')).toBe('# EOF\n')
  })
})
