/**
 * A registry rendered in OpenMetrics 1.0.0, without exemplars, leaving the registry as it is.
 *
 * prom-client renders OpenMetrics only through the registry's own content type, and its
 * `metrics()` then renames every counter in place (`x_total` becomes `x` for good, so the next
 * text scrape would lose the suffix): flipping the one registry of a node per request is unsafe
 * under concurrent scrapes. This reads the registry as `getMetricsAsJSON()` does (each metric's
 * `collect()` in one synchronous pass, as `metrics()` does) and writes the text itself.
 *
 * Prometheus must store the same series in both formats, so:
 * - a counter named `x_total` is the family `x` with the sample `x_total`, as the spec wants;
 * - a counter whose name lacks `_total` (none today) is written as `unknown`: as a counter its
 *   sample would have to be `x_total`, a series the text format never had;
 * - a gauge named `x_total` (the spec's `p2p_connections_total`, libp2p's `*_total` gauges) stays
 *   the gauge `x_total` with the sample `x_total`.
 */

import type { Registry } from 'prom-client'

/** One sample of a metric as prom-client's `get()` returns it. */
interface SampleData {
  value: number
  labels?: Record<string, string | number | undefined>
  /** Set for the series of histograms and summaries (`x_bucket`, `x_sum`, `x_count`). */
  metricName?: string
  /** A histogram's own labels on each bucket, beside `le`. */
  sharedLabels?: Record<string, string | number | undefined>
}

interface FamilyData {
  name: string
  help: string
  type: string
  values: SampleData[]
}

/** The registry in OpenMetrics text, ending in `# EOF`. */
export async function renderOpenMetrics(
  registry: Pick<Registry, 'getMetricsAsJSON'>,
): Promise<string> {
  const families = (await registry.getMetricsAsJSON()).map((metric): FamilyData => ({
    name: metric.name,
    help: metric.help,
    // prom-client's typings say an enum; at run time it is the type's name
    type: String(metric.type),
    values: metric.values as SampleData[],
  }))
  const names = new Set(families.map((family) => family.name))
  const lines: string[] = []
  for (const family of families) {
    const { name, type } = familyOf(family, names)
    lines.push(`# HELP ${name} ${escape(family.help)}`, `# TYPE ${name} ${type}`)
    for (const sample of family.values) {
      lines.push(`${sample.metricName ?? family.name}${labelsOf(sample)} ${valueOf(sample.value)}`)
    }
  }
  lines.push('# EOF', '')
  return lines.join('\n')
}

/** The OpenMetrics family name and type of a prom-client metric (see the file comment). */
function familyOf(family: FamilyData, names: ReadonlySet<string>): { name: string; type: string } {
  if (family.type !== 'counter') return { name: family.name, type: family.type }
  const base = family.name.endsWith('_total') ? family.name.slice(0, -'_total'.length) : undefined
  // a base name another metric already has would make two families of one name
  if (base === undefined || names.has(base)) return { name: family.name, type: 'unknown' }
  return { name: base, type: 'counter' }
}

function labelsOf(sample: SampleData): string {
  const shared = sample.sharedLabels ?? {}
  const pairs = [
    ...Object.entries(sample.labels ?? {}).filter(([name]) => !Object.hasOwn(shared, name)),
    ...Object.entries(shared),
  ]
    .filter((pair): pair is [string, string | number] => pair[1] !== undefined)
    .map(([name, value]) => `${name}="${escape(String(value))}"`)
  return pairs.length === 0 ? '' : `{${pairs.join(',')}}`
}

/** OpenMetrics escapes backslash, double quote and line feed, in help text and label values. */
function escape(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
}

function valueOf(value: number): string {
  if (Number.isNaN(value)) return 'NaN'
  if (value === Infinity) return '+Inf'
  if (value === -Infinity) return '-Inf'
  return String(value)
}
