import { describe, expect, it } from '@jest/globals'
import { Registry } from 'prom-client'
import { open, readdir } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { createProcessMetrics, PROCESS_METRICS } from '../../src/index.js'
import { openFileDescriptors } from '../../src/process-metrics.js'

describe('createProcessMetrics', () => {
  it("adds the curated runtime metrics under prom-client's standard names, and nothing else", async () => {
    const registry = new Registry()
    const added = createProcessMetrics(registry)
    const served = (await registry.getMetricsAsJSON()).map((m) => [m.name, String(m.type)])
    // Linux has every one of them
    expect(added.sort()).toEqual(Object.keys(PROCESS_METRICS).sort())
    expect(Object.fromEntries(served)).toEqual(PROCESS_METRICS)
  })

  it('reads the process: CPU used, memory resident, file descriptors open, started before now', async () => {
    const registry = new Registry()
    createProcessMetrics(registry)
    const values = Object.fromEntries(
      (await registry.getMetricsAsJSON())
        .filter((m) => m.type !== 'histogram')
        .map((m) => [m.name, m.values[0]?.value ?? Number.NaN]),
    )
    expect(values.process_cpu_seconds_total).toBeGreaterThan(0)
    expect(values.process_resident_memory_bytes).toBeGreaterThan(10 * 1024 * 1024)
    expect(values.process_open_fds).toBeGreaterThan(0)
    expect(values.process_start_time_seconds).toBeLessThanOrEqual(Date.now() / 1000)
    expect(values.process_start_time_seconds).toBeGreaterThan(Date.now() / 1000 - 3600)
    expect(values.nodejs_heap_size_used_bytes).toBeGreaterThan(0)
    expect(values.nodejs_eventloop_lag_seconds).toBeGreaterThanOrEqual(0)
  })

  it('serves two registries side by side (one per node in a process)', async () => {
    const [a, b] = [new Registry(), new Registry()]
    createProcessMetrics(a)
    createProcessMetrics(b)
    expect(await a.metrics()).toContain('process_resident_memory_bytes')
    expect(await b.metrics()).toContain('process_resident_memory_bytes')
  })

  it("counts open file descriptors as prom-client's listing of /proc/self/fd does, one more per file opened", async () => {
    // prom-client's count: the entries, less the descriptor the listing itself opened
    expect(openFileDescriptors()).toBe((await readdir('/proc/self/fd')).length - 1)
    const before = openFileDescriptors()
    const files = await Promise.all([0, 1, 2].map(async () => open(fileURLToPath(import.meta.url))))
    try {
      expect(openFileDescriptors()).toBe(before + 3)
    } finally {
      await Promise.all(files.map(async (f) => f.close()))
    }
    expect(openFileDescriptors()).toBe(before)
  })
})
