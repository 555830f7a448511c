import { request } from 'node:http'

export interface HttpGetResult {
  status: number
  text: string
}

export interface HttpGetInit {
  headers?: Record<string, string>
  timeoutMs: number
  /** Larger bodies are refused. @default 64 MiB */
  maxBytes?: number
}

/** Raised when no complete answer came within `timeoutMs`. */
export class HttpTimeoutError extends Error {
  override name = 'TimeoutError'
}

/**
 * GET over node:http. Not `fetch`: fetch refuses the "bad ports" of the Fetch standard (1, 6000,
 * 10080, ...), and a node's diagnostics may listen on any port.
 */
export function httpGet(url: string, init: HttpGetInit): Promise<HttpGetResult> {
  const maxBytes = init.maxBytes ?? 64 * 1024 * 1024
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'GET', headers: init.headers, agent: false }, (res) => {
      const chunks: Buffer[] = []
      let size = 0
      res.on('data', (chunk: Buffer) => {
        size += chunk.length
        if (size > maxBytes) {
          req.destroy(new Error(`the answer is larger than ${maxBytes} bytes`))
          return
        }
        chunks.push(chunk)
      })
      res.on('end', () => {
        clearTimeout(timer)
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') })
      })
      res.on('error', fail)
    })
    const timer = setTimeout(
      () => req.destroy(new HttpTimeoutError(`no answer within ${init.timeoutMs} ms`)),
      init.timeoutMs,
    )
    function fail(err: Error): void {
      clearTimeout(timer)
      reject(err)
    }
    req.on('error', fail)
    req.end()
  })
}
