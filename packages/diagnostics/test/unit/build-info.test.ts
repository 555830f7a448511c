import { describe, expect, it } from '@jest/globals'
import { Registry } from 'prom-client'
import { BUILD_INFO_METRICS, createBuildInfoMetric, renderOpenMetrics } from '../../src/index.js'

const INFO = { version: '0.1.0', libp2p: '3.3.11', node: 'v24.1.0' }

describe('createBuildInfoMetric', () => {
  it('registers wes_node_build_info, a gauge of one series at 1 labelled with the versions', async () => {
    const registry = new Registry()
    createBuildInfoMetric(registry, INFO)
    const metrics = await registry.getMetricsAsJSON()
    expect(Object.fromEntries(metrics.map((m) => [m.name, String(m.type)]))).toEqual(
      BUILD_INFO_METRICS,
    )
    expect(metrics[0]?.values).toEqual([{ value: 1, labels: INFO }])
    expect(metrics[0]?.help).toMatch(/wes-node.*libp2p.*Node\.js/)
  })

  it('reads the same in the text format and in OpenMetrics', async () => {
    const registry = new Registry()
    createBuildInfoMetric(registry, INFO)
    const series = 'wes_node_build_info{version="0.1.0",libp2p="3.3.11",node="v24.1.0"} 1\n'
    expect(await registry.metrics()).toContain(`# TYPE wes_node_build_info gauge\n${series}`)
    expect(await renderOpenMetrics(registry)).toContain(
      `# TYPE wes_node_build_info gauge\n${series}`,
    )
  })

  it('lives on the registry it is given only', async () => {
    const a = new Registry()
    const b = new Registry()
    createBuildInfoMetric(a, INFO)
    createBuildInfoMetric(b, { ...INFO, version: '0.2.0' })
    expect(await a.metrics()).toContain('version="0.1.0"')
    expect(await b.metrics()).toContain('version="0.2.0"')
    expect(await b.metrics()).not.toContain('version="0.1.0"')
  })
})
