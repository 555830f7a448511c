import { createServer } from 'node:http'
import type { Server } from 'node:http'
import Koa from 'koa'

/** A bare Koa app on its own HTTP server: one middleware answering `body` as JSON on every path. */
export async function startBareKoa(
  body: () => object,
): Promise<{ url: string; server: Server; stop(): Promise<void> }> {
  const app = new Koa()
  app.use((ctx) => {
    ctx.body = body()
  })
  const server = createServer({ keepAliveTimeout: 5_000 }, app.callback())
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    async stop() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      })
    },
  }
}
