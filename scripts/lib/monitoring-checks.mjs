// Checks of scripts/verify_p2p_monitoring.sh against a live node: `registration`, `endpoints`
// or `content`. Prints one reason per problem on stderr and exits 1 when there is any.
// Usage: node monitoring-checks.mjs <check> <host:port>

// The views and the keys each must have come from the built view table of @wes/diagnostics
// (step 1 builds it), so a view added there is checked here too.
const CLIENT = new URL('../../packages/diagnostics/dist/client.js', import.meta.url)
let views
try {
  views = await import(CLIENT.href)
} catch (err) {
  console.error(`  cannot load the view table (${err.code ?? err.message}): run pnpm build first`)
  process.exit(1)
}
// the spec's 13 names and types, from the same build
const { VIEWS, checkBody, SPEC_METRICS: METRICS } = views

const [check, addr] = process.argv.slice(2)
const base = `http://${addr}`
const problems = []

/** The bearer token, as the CLI takes it: a file first, then the variable itself. */
async function token() {
  const file = process.env.WES_DIAGNOSTICS_TOKEN_FILE?.trim()
  if (file) {
    const { readFile } = await import('node:fs/promises')
    return (await readFile(file, 'utf8')).trim()
  }
  return process.env.WES_DIAGNOSTICS_TOKEN?.trim() || undefined
}

let headers = {}
try {
  const bearer = await token()
  if (bearer) headers = { authorization: `Bearer ${bearer}` }
} catch (err) {
  console.error(`  cannot read WES_DIAGNOSTICS_TOKEN_FILE: ${err.code ?? err.message}`)
  process.exit(1)
}

async function get(path) {
  const response = await fetch(base + path, { headers, signal: AbortSignal.timeout(5_000) })
  return {
    status: response.status,
    type: response.headers.get('content-type') ?? '',
    text: await response.text(),
  }
}

/** Sample values by metric name from the text format (unlabelled series only). */
function samples(text) {
  const values = new Map()
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*) (\S+)$/.exec(line)
    if (match) values.set(match[1], Number(match[2]))
  }
  return values
}

try {
  if (check === 'registration') {
    const { status, type, text } = await get('/metrics')
    if (status !== 200) problems.push(`/metrics answered ${status}: ${text.slice(0, 200)}`)
    else if (type !== 'text/plain; version=0.0.4; charset=utf-8')
      problems.push(`/metrics content type is ${type}`)
    // Without a scrape there is nothing to check the names against: the status says why.
    for (const [name, kind] of status === 200 ? Object.entries(METRICS) : []) {
      if (!text.includes(`# HELP ${name} `)) problems.push(`${name} has no HELP line`)
      if (!text.includes(`# TYPE ${name} ${kind}\n`))
        problems.push(`${name} is not registered as a ${kind}`)
    }
  } else if (check === 'endpoints') {
    for (const { path, required } of Object.values(VIEWS)) {
      const { status, type, text } = await get(path)
      if (status !== 200) {
        problems.push(`${path} answered ${status}: ${text.slice(0, 200)}`)
        continue
      }
      if (!type.startsWith('application/json')) problems.push(`${path} content type is ${type}`)
      let body
      try {
        body = JSON.parse(text)
      } catch {
        problems.push(`${path} is not JSON`)
        continue
      }
      for (const problem of checkBody(body, required)) problems.push(`${path}: ${problem}`)
    }
    const metrics = await get('/metrics')
    if (metrics.status !== 200) problems.push(`/metrics answered ${metrics.status}`)
  } else if (check === 'content') {
    const metrics = await get('/metrics')
    if (metrics.status !== 200) throw new Error(`/metrics answered ${metrics.status}`)
    const values = samples(metrics.text)
    for (const name of Object.keys(METRICS)) {
      const value = values.get(name)
      if (value === undefined) problems.push(`${name} has no sample`)
      else if (!Number.isFinite(value) || value < 0) problems.push(`${name} is ${value}`)
    }
    const peers = JSON.parse((await get(VIEWS.peers.path)).text)
    const connections = JSON.parse((await get(VIEWS.connections.path)).text)
    if (values.get('p2p_peers_total') !== peers.peers) {
      problems.push(
        `p2p_peers_total ${values.get('p2p_peers_total')} disagrees with /debug/p2p/peers ${peers.peers}`,
      )
    }
    if (values.get('p2p_connections_total') !== connections.connections) {
      problems.push(`p2p_connections_total disagrees with /debug/p2p/connections`)
    }
    if (
      (values.get('p2p_discovery_bootstrap_success_total') ?? 0) >
      (values.get('p2p_discovery_bootstrap_attempt_total') ?? 0)
    ) {
      problems.push('more bootstrap successes than attempts')
    }
  } else {
    problems.push(`unknown check ${check}`)
  }
} catch (err) {
  problems.push(err.cause?.code ? `cannot reach ${base}: ${err.cause.code}` : err.message)
}

for (const problem of problems) console.error(`  ${problem}`)
process.exit(problems.length === 0 ? 0 : 1)
