/**
 * The formats `GET /metrics` answers in, and the choice between them from a request's `Accept`
 * header: OpenMetrics 1.0.0 (or its draft 0.0.1) when the scraper asks for it, the Prometheus text
 * format 0.0.4 otherwise (RFC 9110 content negotiation, q-values included).
 */

/** The Prometheus text exposition format, version 0.0.4. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'

/** OpenMetrics 1.0.0, the version Prometheus asks for first. */
export const OPENMETRICS_CONTENT_TYPE = 'application/openmetrics-text; version=1.0.0; charset=utf-8'

/** A format `/metrics` answers in: what its body is, and the `Content-Type` that says so. */
export interface ExpositionFormat {
  /** `prometheus`: text 0.0.4; `openmetrics`: OpenMetrics, ending in `# EOF`. */
  syntax: 'prometheus' | 'openmetrics'
  contentType: string
}

interface Candidate extends ExpositionFormat {
  type: string
  subtype: string
  version: string
}

/**
 * The formats on offer, in the order that breaks ties: a client that accepts several equally
 * (`*\/*`, curl's default) gets the text format, as before OpenMetrics was served.
 */
const CANDIDATES: readonly Candidate[] = [
  {
    syntax: 'prometheus',
    contentType: PROMETHEUS_CONTENT_TYPE,
    type: 'text',
    subtype: 'plain',
    version: '0.0.4',
  },
  {
    syntax: 'openmetrics',
    contentType: OPENMETRICS_CONTENT_TYPE,
    type: 'application',
    subtype: 'openmetrics-text',
    version: '1.0.0',
  },
  {
    // the draft version: Prometheus parses both alike, and so does what we write
    syntax: 'openmetrics',
    contentType: 'application/openmetrics-text; version=0.0.1; charset=utf-8',
    type: 'application',
    subtype: 'openmetrics-text',
    version: '0.0.1',
  },
]

const FALLBACK = CANDIDATES[0] as Candidate

/** One media range of an `Accept` header. */
interface MediaRange {
  type: string
  subtype: string
  params: Map<string, string>
  q: number
}

/**
 * Media-type parameters that do not change what we write. Prometheus 3 adds
 * `escaping=allow-utf-8` (or `underscores`) to its OpenMetrics range: every name we expose is a
 * legacy Prometheus name, the same under any escaping scheme.
 */
const IGNORED_PARAMS = new Set(['escaping'])

/**
 * The format to answer a request with `Accept: accept` in. Each format takes the q-value of the
 * most specific range that matches it (type and subtype, then `type/*`, then `*\/*`; a range's
 * `version` and `charset`, when given, must match); the highest q wins, then a format named
 * explicitly over one matched by a wildcard, then the text format. Without a header, when it
 * cannot be parsed, or when nothing on offer is acceptable, the text format 0.0.4.
 *
 * @example
 * ```ts
 * negotiateExpositionFormat('application/openmetrics-text').syntax // 'openmetrics'
 * negotiateExpositionFormat('*\/*').contentType // 'text/plain; version=0.0.4; charset=utf-8'
 * ```
 */
export function negotiateExpositionFormat(accept: string | undefined): ExpositionFormat {
  if (accept === undefined || accept.trim() === '') return formatOf(FALLBACK)
  const ranges = parseAccept(accept)
  let best: { candidate: Candidate; q: number; specificity: number } | undefined
  for (const candidate of CANDIDATES) {
    const match = bestRangeFor(candidate, ranges)
    if (match === undefined || match.q <= 0) continue
    // strictly better only, so that ties keep the earlier (preferred) candidate
    const better =
      best === undefined ||
      match.q > best.q ||
      (match.q === best.q && explicit(match.specificity) && !explicit(best.specificity))
    if (better) best = { candidate, ...match }
  }
  return formatOf(best?.candidate ?? FALLBACK)
}

function formatOf({ syntax, contentType }: Candidate): ExpositionFormat {
  return { syntax, contentType }
}

/** A range that names the type and subtype (as opposed to `type/*` or `*\/*`). */
function explicit(specificity: number): boolean {
  return specificity >= 2
}

/** The q-value and specificity of the most specific range that matches `candidate`. */
function bestRangeFor(
  candidate: Candidate,
  ranges: readonly MediaRange[],
): { q: number; specificity: number } | undefined {
  let best: { q: number; specificity: number } | undefined
  for (const range of ranges) {
    const specificity = matchSpecificity(candidate, range)
    if (specificity === undefined) continue
    if (best === undefined || specificity > best.specificity) best = { q: range.q, specificity }
  }
  return best
}

/**
 * How specifically `range` names `candidate`: 0 for `*\/*`, 1 for `type/*`, 2 for the type and
 * subtype, plus one for each parameter it pins; undefined when it does not match.
 */
function matchSpecificity(candidate: Candidate, range: MediaRange): number | undefined {
  let specificity: number
  if (range.type === '*' && range.subtype === '*') specificity = 0
  else if (range.type === candidate.type && range.subtype === '*') specificity = 1
  else if (range.type === candidate.type && range.subtype === candidate.subtype) specificity = 2
  else return undefined
  for (const [name, value] of range.params) {
    if (name === 'version' && value === candidate.version) specificity++
    else if (name === 'charset' && value.toLowerCase() === 'utf-8') specificity++
    else if (!IGNORED_PARAMS.has(name)) return undefined
  }
  return specificity
}

/** The ranges of an `Accept` header; malformed ones are left out. */
function parseAccept(accept: string): MediaRange[] {
  const ranges: MediaRange[] = []
  for (const part of splitOutsideQuotes(accept, ',')) {
    const [mediaType = '', ...rawParams] = splitOutsideQuotes(part, ';')
    const match = /^([!#$%&'*+.^_`|~0-9a-z-]+)\/([!#$%&'*+.^_`|~0-9a-z-]+)$/i.exec(mediaType.trim())
    if (match === null) continue
    const type = (match[1] as string).toLowerCase()
    const subtype = (match[2] as string).toLowerCase()
    if (type === '*' && subtype !== '*') continue
    const params = new Map<string, string>()
    let q = 1
    let valid = true
    for (const raw of rawParams) {
      const eq = raw.indexOf('=')
      if (eq < 0) {
        valid = false
        break
      }
      const name = raw.slice(0, eq).trim().toLowerCase()
      const value = unquote(raw.slice(eq + 1).trim())
      if (name === 'q') {
        // what follows q are accept-extensions, not parameters of the media type
        q = /^(0(\.\d{0,3})?|1(\.0{0,3})?)$/.test(value) ? Number(value) : Number.NaN
        break
      }
      params.set(name, value)
    }
    if (valid && !Number.isNaN(q)) ranges.push({ type, subtype, params, q })
  }
  return ranges
}

/** Splits on `separator` except inside double quotes. */
function splitOutsideQuotes(text: string, separator: string): string[] {
  const parts: string[] = []
  let current = ''
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const char = text[i] as string
    if (quoted && char === '\\' && i + 1 < text.length) {
      current += char + (text[i + 1] as string)
      i++
      continue
    }
    if (char === '"') quoted = !quoted
    if (char === separator && !quoted) {
      parts.push(current)
      current = ''
    } else {
      current += char
    }
  }
  parts.push(current)
  return parts
}

function unquote(value: string): string {
  return value.length >= 2 && value.startsWith('"') && value.endsWith('"')
    ? value.slice(1, -1).replace(/\\(.)/g, '$1')
    : value
}
