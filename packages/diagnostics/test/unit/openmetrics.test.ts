import diagnosticsChannel from 'node:diagnostics_channel'
import { afterEach, describe, expect, it } from '@jest/globals'
import { Counter, Gauge, Histogram, Registry, Summary } from 'prom-client'
import {
  createDiagnosticsApp,
  createHealthMetrics,
  createP2PMetrics,
  ADDED_METRICS,
  HEALTH_METRICS,
  METRICS_RENDER_CHANNEL,
  OPENMETRICS_CONTENT_TYPE,
  PROMETHEUS_CONTENT_TYPE,
  renderOpenMetrics,
  SPEC_METRICS,
} from '../../src/index.js'
import { createLoopbackServers } from './loopback-servers.js'
import { createStubSource } from './stub-source.js'

const OM_ACCEPT = 'application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5'

/** The sample names of an exposition, in either format. */
function sampleNames(text: string): Set<string> {
  const names = text
    .split('\n')
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)?.[0] ?? line)
  return new Set(names)
}

function familyTypes(text: string): Map<string, string> {
  return new Map(
    [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => [m[1] as string, m[2] as string]),
  )
}

describe('renderOpenMetrics', () => {
  it('writes counters as families without _total, samples with it; gauges as they are', async () => {
    const registry = new Registry()
    new Counter({ name: 'a_total', help: 'A counter.', registers: [registry] }).inc(3)
    new Gauge({ name: 'b_total', help: 'A gauge named _total.', registers: [registry] }).set(2)
    new Gauge({ name: 'c_info', help: 'Build.', labelNames: ['v'], registers: [registry] }).set(
      { v: '1.0' },
      1,
    )
    expect(await renderOpenMetrics(registry)).toBe(
      [
        '# HELP a A counter.',
        '# TYPE a counter',
        'a_total 3',
        '# HELP b_total A gauge named _total.',
        '# TYPE b_total gauge',
        'b_total 2',
        '# HELP c_info Build.',
        '# TYPE c_info gauge',
        'c_info{v="1.0"} 1',
        '# EOF',
        '',
      ].join('\n'),
    )
  })

  it('keeps the series of a counter without _total, or whose base name is taken, as unknown', async () => {
    const registry = new Registry()
    new Counter({ name: 'plain', help: 'No suffix.', registers: [registry] }).inc()
    new Counter({ name: 'taken_total', help: 'Base taken.', registers: [registry] }).inc()
    new Gauge({ name: 'taken', help: 'The base.', registers: [registry] }).set(1)
    const om = await renderOpenMetrics(registry)
    expect(familyTypes(om)).toEqual(
      new Map([
        ['plain', 'unknown'],
        ['taken_total', 'unknown'],
        ['taken', 'gauge'],
      ]),
    )
    expect(sampleNames(om)).toEqual(sampleNames(await registry.metrics()))
  })

  it('writes histograms and summaries with the same series as the text format', async () => {
    const registry = new Registry()
    const histogram = new Histogram({
      name: 'h_seconds',
      help: 'H.',
      labelNames: ['op'],
      buckets: [0.1, 1],
      registers: [registry],
    })
    histogram.observe({ op: 'x' }, 0.5)
    new Summary({ name: 's_bytes', help: 'S.', percentiles: [0.5], registers: [registry] }).observe(
      7,
    )
    const om = await renderOpenMetrics(registry)
    expect(om).toContain('h_seconds_bucket{le="0.1",op="x"} 0\n')
    expect(om).toContain('h_seconds_bucket{le="+Inf",op="x"} 1\n')
    expect(om).toContain('h_seconds_sum{op="x"} 0.5\nh_seconds_count{op="x"} 1\n')
    expect(om).toContain('s_bytes{quantile="0.5"} 7\n')
    expect(sampleNames(om)).toEqual(sampleNames(await registry.metrics()))
  })

  it('escapes help and label values as OpenMetrics wants, writes NaN and infinities', async () => {
    const registry = new Registry()
    const gauge = new Gauge({
      name: 'g',
      help: 'Say "hi"\\n\nnext',
      labelNames: ['l'],
      registers: [registry],
    })
    gauge.set({ l: 'a"b\\c\nd' }, Number.NaN)
    gauge.set({ l: 'up' }, Infinity)
    gauge.set({ l: 'down' }, -Infinity)
    const om = await renderOpenMetrics(registry)
    expect(om).toContain('# HELP g Say \\"hi\\"\\\\n\\nnext\n')
    expect(om).toContain('g{l="a\\"b\\\\c\\nd"} NaN\n')
    expect(om).toContain('g{l="up"} +Inf\ng{l="down"} -Inf\n')
  })

  it('applies the default labels of the registry', async () => {
    const registry = new Registry()
    registry.setDefaultLabels({ node: 'n1' })
    new Gauge({ name: 'g', help: 'G.', registers: [registry] }).set(1)
    expect(await renderOpenMetrics(registry)).toContain('\ng{node="n1"} 1\n')
  })

  it('writes no exemplars', async () => {
    // prom-client keeps exemplars only for metrics of a registry made for OpenMetrics
    const registry = new Registry(Registry.OPENMETRICS_CONTENT_TYPE)
    const counter = new Counter({
      name: 'e_total',
      help: 'E.',
      enableExemplars: true,
      registers: [registry],
    })
    counter.inc({ value: 1, exemplarLabels: { trace_id: 'abc' } })
    const om = await renderOpenMetrics(registry)
    expect(om).toContain('\ne_total 1\n')
    expect(om).not.toContain('trace_id')
  })

  it('leaves the registry as it was: the text format afterwards is unchanged', async () => {
    const registry = new Registry()
    createP2PMetrics(registry, { source: createStubSource() })
    const before = await registry.metrics()
    await renderOpenMetrics(registry)
    expect(registry.contentType).toBe(PROMETHEUS_CONTENT_TYPE)
    expect(await registry.metrics()).toBe(before)
  })

  it("exposes the same series names as the text format for the node's metrics", async () => {
    const registry = new Registry()
    const source = createStubSource()
    createP2PMetrics(registry, { source })
    createHealthMetrics(registry, { source })
    const om = await renderOpenMetrics(registry)
    const text = await registry.metrics()
    expect(sampleNames(om)).toEqual(sampleNames(text))
    const registered = { ...SPEC_METRICS, ...ADDED_METRICS, ...HEALTH_METRICS }
    for (const [name, type] of Object.entries(registered)) {
      expect({
        name,
        type: familyTypes(om).get(type === 'counter' ? name.slice(0, -6) : name),
      }).toEqual({ name, type })
    }
    // the spec's gauges named _total stay gauges of that name
    expect(om).toContain('# TYPE p2p_connections_total gauge\np2p_connections_total 5\n')
    expect(om).toContain(
      '# TYPE p2p_discovery_bootstrap_attempt counter\np2p_discovery_bootstrap_attempt_total 0\n',
    )
  })

  it('reads the source as often per scrape as the text format does', async () => {
    const registry = new Registry()
    const source = createStubSource()
    createP2PMetrics(registry, { source })
    createHealthMetrics(registry, { source })
    await registry.metrics()
    const textReads = source.reads
    await renderOpenMetrics(registry)
    expect(source.reads - textReads).toBe(textReads)
  })
})

const servers = createLoopbackServers()
afterEach(() => servers.closeAll())

async function serve(token?: string): Promise<string> {
  const registry = new Registry()
  createP2PMetrics(registry, { source: createStubSource() })
  const app = createDiagnosticsApp({
    source: createStubSource(),
    registry,
    ...(token !== undefined ? { token } : {}),
  })
  return `http://${await servers.listen(app.callback())}`
}

describe('GET /metrics', () => {
  it('answers OpenMetrics to a scraper that asks for it, with Vary: Accept', async () => {
    const baseUrl = await serve()
    const res = await fetch(`${baseUrl}/metrics`, { headers: { accept: OM_ACCEPT } })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe(OPENMETRICS_CONTENT_TYPE)
    expect(res.headers.get('vary')).toBe('Accept')
    expect(res.headers.get('cache-control')).toBe('no-store')
    const body = await res.text()
    expect(body.endsWith('\n# EOF\n')).toBe(true)
    expect(body).toContain('p2p_discovery_mdns_peer_found_total 0\n')
  })

  it('answers the text format otherwise, unchanged', async () => {
    const baseUrl = await serve()
    for (const accept of [undefined, '*/*', 'text/plain']) {
      const res = await fetch(`${baseUrl}/metrics`, {
        headers: accept === undefined ? {} : { accept },
      })
      expect({ accept, type: res.headers.get('content-type') }).toEqual({
        accept,
        type: PROMETHEUS_CONTENT_TYPE,
      })
      expect(res.headers.get('vary')).toBe('Accept')
      const body = await res.text()
      expect(body).not.toContain('# EOF')
      expect(body).toContain('# TYPE p2p_discovery_bootstrap_attempt_total counter\n')
    }
  })

  it('keeps the text format intact under concurrent scrapes in both formats', async () => {
    const baseUrl = await serve()
    const scrape = (accept: string): Promise<string> =>
      fetch(`${baseUrl}/metrics`, { headers: { accept } }).then((res) => res.text())
    const bodies = await Promise.all(
      Array.from({ length: 20 }, (_, i) => scrape(i % 2 === 0 ? OM_ACCEPT : 'text/plain')),
    )
    for (const [i, body] of bodies.entries()) {
      const om = i % 2 === 0
      expect({ i, eof: body.endsWith('# EOF\n') }).toEqual({ i, eof: om })
      expect(body).toContain(
        om
          ? '# TYPE p2p_discovery_bootstrap_attempt counter\n'
          : '# TYPE p2p_discovery_bootstrap_attempt_total counter\n',
      )
    }
  })

  it('publishes each render on its tracing channel, with the format, and nothing else', async () => {
    const baseUrl = await serve()
    const seen: string[] = []
    const handlers = {
      start: (ctx: { syntax?: string }) => seen.push(`start ${ctx.syntax}`),
      asyncEnd: (ctx: { syntax?: string }) => seen.push(`end ${ctx.syntax}`),
    }
    const channel = diagnosticsChannel.tracingChannel(METRICS_RENDER_CHANNEL)
    channel.subscribe(handlers as never)
    try {
      await (await fetch(`${baseUrl}/metrics`, { headers: { accept: OM_ACCEPT } })).text()
      await (await fetch(`${baseUrl}/metrics`)).text()
      await (await fetch(`${baseUrl}/debug/p2p/stats`)).text()
    } finally {
      channel.unsubscribe(handlers as never)
    }
    expect(seen).toEqual([
      'start openmetrics',
      'end openmetrics',
      'start prometheus',
      'end prometheus',
    ])
  })

  it('HEAD answers the negotiated Content-Type without a body', async () => {
    const baseUrl = await serve()
    const res = await fetch(`${baseUrl}/metrics`, {
      method: 'HEAD',
      headers: { accept: OM_ACCEPT },
    })
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe(OPENMETRICS_CONTENT_TYPE)
    expect(await res.text()).toBe('')
  })

  it('still requires the token, whatever the format asked for', async () => {
    const baseUrl = await serve('s3cret-token-0123456789abcdef')
    const denied = await fetch(`${baseUrl}/metrics`, { headers: { accept: OM_ACCEPT } })
    expect(denied.status).toBe(401)
    expect(denied.headers.get('content-type')).toBe('application/json; charset=utf-8')
    const allowed = await fetch(`${baseUrl}/metrics`, {
      headers: { accept: OM_ACCEPT, authorization: 'Bearer s3cret-token-0123456789abcdef' },
    })
    expect(allowed.headers.get('content-type')).toBe(OPENMETRICS_CONTENT_TYPE)
  })

  it('answers 500 JSON in either format when a collect fails', async () => {
    const registry = new Registry()
    new Gauge({
      name: 'bad',
      help: 'B.',
      registers: [registry],
      collect() {
        throw new Error('collector exploded')
      },
    })
    const app = createDiagnosticsApp({ source: createStubSource(), registry })
    app.on('error', () => undefined)
    const baseUrl = `http://${await servers.listen(app.callback())}`
    for (const accept of [OM_ACCEPT, 'text/plain']) {
      const res = await fetch(`${baseUrl}/metrics`, { headers: { accept } })
      expect({ accept, status: res.status }).toEqual({ accept, status: 500 })
      expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8')
      expect(await res.json()).toEqual({ error: 'internal_error', message: expect.any(String) })
    }
  })
})
