/**
 * A prom-client registry written as `/metrics` text: the Prometheus text format 0.0.4 or
 * OpenMetrics 1.0.0 (without exemplars), leaving the registry as it is.
 *
 * prom-client's own `registry.metrics()` builds an object per sample (a histogram series is 15 of
 * them, each with its own labels object), formats every label pair of every line anew and joins
 * arrays of lines: about 0.8 MB allocated per scrape of a node, which is what made some renders
 * pay for a young-generation GC (B8 in docs/benchmarks.md). This writer reads the values where
 * prom-client keeps them (a counter's or gauge's `hashMap` of `{ value, labels }`, a histogram's
 * `hashMap` of bucket counts and its `upperBounds`) and formats each label set once: a labels
 * object is never changed once prom-client holds it (prom-client's own shared-label cache relies on
 * it too), so its text is kept beside it in a `WeakMap`. Anything else (summaries, metric types it
 * does not know, a registry with default labels) is read through the metric's public `get()`.
 *
 * The text format is prom-client's byte for byte, but for `NaN`, which prom-client writes `Nan`
 * (Prometheus parses both); a test renders the node's registry both ways and compares, so a
 * prom-client that keeps its values elsewhere fails a test, not a scrape.
 *
 * Every metric's `collect()` runs in one synchronous pass before anything is written, as in
 * `registry.metrics()`, so a value a collect caches until the next microtask is shared by the
 * whole scrape. A collect that throws or rejects fails the render.
 *
 * OpenMetrics: Prometheus must store the same series in both formats, so
 * - a counter named `x_total` is the family `x` with the sample `x_total`, as the spec wants;
 * - a counter whose name lacks `_total` (none today) is written as `unknown`: as a counter its
 *   sample would have to be `x_total`, a series the text format never had;
 * - a gauge named `x_total` (the spec's `p2p_connections_total`, libp2p's `*_total` gauges) stays
 *   the gauge `x_total` with the sample `x_total`.
 */

import type { Registry } from 'prom-client'
import type { ExpositionFormat } from './exposition-format.js'

type LabelValue = string | number | undefined
type Labels = Readonly<Record<string, LabelValue>>

/** A counter's or gauge's series, as prom-client keeps it. */
interface ValueSeries {
  value: number
  labels: Labels
}

/** A histogram's series, as prom-client keeps it. */
interface BucketSeries {
  labels: Labels
  bucketValues: Readonly<Record<string, number>>
  sum: number
  count: number
}

/** The fields every prom-client metric has. */
interface MetricBase {
  name: string
  help: string
  type: string
  collect?: () => unknown
}

interface ScalarMetric extends MetricBase {
  type: 'counter' | 'gauge'
  hashMap: Readonly<Record<string, ValueSeries>>
}

interface HistogramMetric extends MetricBase {
  type: 'histogram'
  hashMap: Readonly<Record<string, BucketSeries>>
  upperBounds: readonly number[]
}

/** One sample of prom-client's public `get()` (or `getForPromString()`). */
interface PublicSample {
  value: number
  labels?: Labels
  /** Set for the series of histograms and summaries (`x_bucket`, `x_sum`, `x_count`). */
  metricName?: string
  /** A histogram's own labels on each bucket, beside `le`. */
  sharedLabels?: Labels
}

interface PublicMetric extends MetricBase {
  get(): Promise<{ values?: readonly PublicSample[] }> | { values?: readonly PublicSample[] }
  getForPromString?: () => Promise<{ values?: readonly PublicSample[] }>
}

/** How one metric of a render is read: its series where prom-client keeps them, or `get()`. */
type Read =
  | { kind: 'scalar'; metric: ScalarMetric }
  | { kind: 'histogram'; metric: HistogramMetric }
  | { kind: 'public'; metric: PublicMetric; samples: readonly PublicSample[] }

/**
 * The registry in the Prometheus text format 0.0.4 or in OpenMetrics (see the file comment).
 *
 * @example
 * ```ts
 * ctx.body = await renderExposition(registry, negotiateExpositionFormat(accept).syntax)
 * ```
 */
export async function renderExposition(
  registry: Registry,
  syntax: ExpositionFormat['syntax'],
): Promise<string> {
  const defaults = defaultLabelsOf(registry)
  const reads: Read[] = []
  const pending: Promise<unknown>[] = []
  // every collect first, in one synchronous pass (the file comment)
  for (const metric of registry.getMetricsAsArray() as unknown as PublicMetric[]) {
    const read = defaults === undefined ? directRead(metric) : undefined
    if (read !== undefined) {
      const collected = metric.collect?.()
      if (collected instanceof Promise) pending.push(collected)
      reads.push(read)
      continue
    }
    const publicRead: Read = { kind: 'public', metric, samples: [] }
    reads.push(publicRead)
    const got = metric.getForPromString?.() ?? metric.get()
    pending.push(
      Promise.resolve(got).then((data) => {
        publicRead.samples = data.values ?? []
      }),
    )
  }
  if (pending.length > 0) await Promise.all(pending)

  const openMetrics = syntax === 'openmetrics'
  const names = openMetrics ? new Set(reads.map((read) => read.metric.name)) : undefined
  let out = ''
  for (const read of reads) {
    if (!openMetrics && out !== '') out += '\n'
    out += headerOf(read.metric, names)
    if (read.kind === 'scalar') out += scalarLines(read.metric)
    else if (read.kind === 'histogram') out += histogramLines(read.metric)
    else out += publicLines(read.metric.name, read.samples, defaults)
  }
  if (openMetrics) return `${out}# EOF\n`
  // prom-client ends even an empty registry's text with a line feed
  return out === '' ? '\n' : out
}

/** The registry in OpenMetrics text, ending in `# EOF`. */
export function renderOpenMetrics(registry: Registry): Promise<string> {
  return renderExposition(registry, 'openmetrics')
}

/** A metric whose series can be read where prom-client keeps them, or undefined. */
function directRead(metric: PublicMetric): Read | undefined {
  const { hashMap, upperBounds } = metric as Partial<HistogramMetric>
  if (typeof hashMap !== 'object' || hashMap === null) return undefined
  if (metric.type === 'counter' || metric.type === 'gauge') {
    return { kind: 'scalar', metric: metric as unknown as ScalarMetric }
  }
  if (metric.type === 'histogram' && Array.isArray(upperBounds)) {
    return { kind: 'histogram', metric: metric as unknown as HistogramMetric }
  }
  return undefined
}

/** prom-client's default labels of a registry (`setDefaultLabels()`), undefined for none. */
function defaultLabelsOf(registry: Registry): Labels | undefined {
  const defaults = (registry as unknown as { _defaultLabels?: Labels })._defaultLabels
  return defaults !== undefined && Object.keys(defaults).length > 0 ? defaults : undefined
}

interface Header {
  help: string
  type: string
  prometheus: string
  /** By whether the family's base name is taken by another metric (the file comment). */
  openMetrics: Partial<Record<'free' | 'taken', string>>
}

const headers = new WeakMap<object, Header>()

/** `# HELP` and `# TYPE` of a metric, in the text format when `names` is undefined. */
function headerOf(metric: MetricBase, names: ReadonlySet<string> | undefined): string {
  let header = headers.get(metric)
  if (header === undefined || header.help !== metric.help || header.type !== metric.type) {
    const help = metric.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')
    header = {
      help: metric.help,
      type: metric.type,
      prometheus: `# HELP ${metric.name} ${help}\n# TYPE ${metric.name} ${metric.type}\n`,
      openMetrics: {},
    }
    headers.set(metric, header)
  }
  if (names === undefined) return header.prometheus
  const base = metric.name.endsWith('_total') ? metric.name.slice(0, -'_total'.length) : undefined
  const key = base === undefined || names.has(base) ? 'taken' : 'free'
  let text = header.openMetrics[key]
  if (text === undefined) {
    let family = metric.name
    let type = metric.type
    if (type === 'counter') {
      // a base name another metric has would make two families of one name
      if (key === 'free') family = base as string
      else type = 'unknown'
    }
    text = `# HELP ${family} ${escapeValue(metric.help)}\n# TYPE ${family} ${type}\n`
    header.openMetrics[key] = text
  }
  return text
}

function scalarLines(metric: ScalarMetric): string {
  let out = ''
  const { name, hashMap } = metric
  for (const key in hashMap) {
    const series = hashMap[key] as ValueSeries
    // prom-client stores no labels object for a series set without labels
    const labels = series.labels === undefined ? '' : labelText(series.labels)
    out += `${name}${braced(labels)} ${valueText(series.value)}\n`
  }
  return out
}

/**
 * Each series' line starts, written once: `x_bucket{le="0.1",...} ` per bound, then the `+Inf`
 * bucket, `x_sum` and `x_count`. prom-client replaces a series' object when it is reset or zeroed.
 */
const bucketPrefixes = new WeakMap<object, readonly string[]>()

function histogramLines(metric: HistogramMetric): string {
  let out = ''
  const { name, hashMap, upperBounds } = metric
  const bounds = upperBounds.length
  for (const key in hashMap) {
    const series = hashMap[key] as BucketSeries
    const prefixes = prefixesOf(name, upperBounds, series)
    let cumulative = 0
    for (let i = 0; i < bounds; i++) {
      cumulative += series.bucketValues[upperBounds[i] as number] ?? 0
      out += `${prefixes[i]}${valueText(cumulative)}\n`
    }
    out += `${prefixes[bounds]}${valueText(series.count)}\n`
    out += `${prefixes[bounds + 1]}${valueText(series.sum)}\n`
    out += `${prefixes[bounds + 2]}${valueText(series.count)}\n`
  }
  return out
}

function prefixesOf(
  name: string,
  upperBounds: readonly number[],
  series: BucketSeries,
): readonly string[] {
  let prefixes = bucketPrefixes.get(series)
  if (prefixes === undefined || prefixes.length !== upperBounds.length + 3) {
    const labels = labelText(series.labels)
    const rest = labels === '' ? '' : `,${labels}`
    prefixes = [
      ...upperBounds.map((bound) => `${name}_bucket{le="${bound}"${rest}} `),
      `${name}_bucket{le="+Inf"${rest}} `,
      `${name}_sum${braced(labels)} `,
      `${name}_count${braced(labels)} `,
    ]
    bucketPrefixes.set(series, prefixes)
  }
  return prefixes
}

/** Samples from `get()`: own labels (and the registry's defaults), then the shared ones. */
function publicLines(
  name: string,
  samples: readonly PublicSample[],
  defaults: Labels | undefined,
): string {
  let out = ''
  for (const sample of samples) {
    const shared = sample.sharedLabels ?? {}
    let own: Labels = sample.labels ?? {}
    if (defaults !== undefined) own = { ...own, ...defaults, ...own }
    const text = [pairsOf(own, shared), labelText(shared)].filter((part) => part !== '').join(',')
    out += `${sample.metricName ?? name}${braced(text)} ${valueText(sample.value)}\n`
  }
  return out
}

const labelTexts = new WeakMap<object, string>()

/** `a="x",b="y"` of a labels object, in its own order; values undefined are left out. */
function labelText(labels: Labels): string {
  let text = labelTexts.get(labels)
  if (text === undefined) {
    text = pairsOf(labels, undefined)
    labelTexts.set(labels, text)
  }
  return text
}

function pairsOf(labels: Labels, except: Labels | undefined): string {
  let text = ''
  for (const name in labels) {
    const value = labels[name]
    if (value === undefined || (except !== undefined && Object.hasOwn(except, name))) continue
    text += `${text === '' ? '' : ','}${name}="${escapeValue(String(value))}"`
  }
  return text
}

function braced(labels: string): string {
  return labels === '' ? '' : `{${labels}}`
}

/**
 * Backslash, double quote and line feed escaped: label values in both formats, help text in
 * OpenMetrics (the text format's help leaves double quotes as they are).
 */
function escapeValue(text: string): string {
  return /[\\"\n]/.test(text)
    ? text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
    : text
}

function valueText(value: number): string {
  if (Number.isNaN(value)) return 'NaN'
  if (value === Infinity) return '+Inf'
  if (value === -Infinity) return '-Inf'
  return String(value)
}
