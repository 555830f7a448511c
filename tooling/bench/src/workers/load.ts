/**
 * The load generator of B3, in a process of its own so it does not share the server's event
 * loop: `load.js <url> <connections> <seconds>` runs autocannon and prints one JSON line.
 */

import autocannon from 'autocannon'

const [url, connections = '50', seconds = '10'] = process.argv.slice(2)
if (url === undefined) {
  process.stderr.write('usage: load.js <url> [connections] [seconds]\n')
  process.exit(2)
}
const result = await autocannon({
  url,
  connections: Number(connections),
  duration: Number(seconds),
})
process.stdout.write(
  `${JSON.stringify({
    requestsPerSecond: result.requests.average,
    requests: result.requests.total,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
  })}\n`,
)
