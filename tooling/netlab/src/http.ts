/** Plain HTTP GET over a Unix socket (a {@link forwardTcp} socket into a lab host). */

import { request } from 'node:http'

export interface HttpAnswer {
  status: number
  body: string
}

/** GETs `path` through `socketPath`; rejects on a network error or after `timeoutMs`. */
export async function httpGet(
  socketPath: string,
  path: string,
  timeoutMs = 5_000,
  headers: Record<string, string> = {},
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, headers, timeout: timeoutMs }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (body += chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
      res.on('error', reject)
    })
    req.on('timeout', () => req.destroy(new Error(`GET ${path}: no answer within ${timeoutMs} ms`)))
    req.on('error', reject)
    req.end()
  })
}

/**
 * The unlabelled samples of a Prometheus text exposition, by name (`# ` lines and labelled
 * series are skipped).
 */
export function parseMetrics(text: string): Record<string, number> {
  const values: Record<string, number> = {}
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*) (\S+)$/.exec(line)
    if (match !== null) values[match[1]!] = Number(match[2])
  }
  return values
}
