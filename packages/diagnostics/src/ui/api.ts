/**
 * How the page reads the node: the views of the one view table (`views/index.ts`), at their
 * paths, checked against their required keys, with the diagnostics token from this tab's session.
 */
import { checkBody, VIEWS } from '../views/index.js'
import type {
  JsonType,
  VerboseViewName,
  VerboseViewResponse,
  View,
  ViewName,
  ViewResponse,
} from '../views/index.js'

const TOKEN_KEY = 'wes-node.diagnostics-token'

/** The token kept for this tab (session storage: gone when the tab closes, never in the URL). */
export const tokenStore = {
  get(): string | undefined {
    return sessionStorage.getItem(TOKEN_KEY) ?? undefined
  },
  set(token: string): void {
    sessionStorage.setItem(TOKEN_KEY, token)
  },
  clear(): void {
    sessionStorage.removeItem(TOKEN_KEY)
  },
}

/** The node answered 401: no token was sent (`sent` false) or the one sent is wrong. */
export class TokenRefusedError extends Error {
  override readonly name = 'TokenRefusedError'
  readonly sent: boolean
  constructor(sent: boolean) {
    super(sent ? 'the node refused the token' : 'the node requires a token')
    this.sent = sent
  }
}

/** Any other answer than 200 with a body of the view's shape. */
export class ViewReadError extends Error {
  override readonly name = 'ViewReadError'
  /** The path read, without its query. */
  readonly path: string
  /** What went wrong, without the path: `503 the p2p host is not running`. */
  readonly reason: string
  readonly status: number | undefined
  constructor(path: string, reason: string, status?: number) {
    const bare = path.split('?')[0] as string
    super(`${bare}: ${reason}`)
    this.path = bare
    this.reason = reason
    this.status = status
  }
}

async function request(path: string, accept: string): Promise<Response> {
  const token = tokenStore.get()
  const headers: Record<string, string> = { accept }
  if (token !== undefined) headers.authorization = `Bearer ${token}`
  let response: Response
  try {
    response = await fetch(path, { headers, cache: 'no-store', credentials: 'omit' })
  } catch {
    throw new ViewReadError(path, 'the node does not answer (is it running?)')
  }
  if (response.status === 401) throw new TokenRefusedError(token !== undefined)
  if (!response.ok) {
    // the node's error bodies are `{"error", "message"}`
    const body = (await response.json().catch(() => undefined)) as { message?: unknown } | undefined
    const message = typeof body?.message === 'string' ? body.message : response.statusText
    throw new ViewReadError(path, `${response.status} ${message}`, response.status)
  }
  return response
}

async function readChecked(
  path: string,
  required: Readonly<Record<string, JsonType>>,
): Promise<unknown> {
  const body: unknown = await (await request(path, 'application/json')).json()
  const problems = checkBody(body, required)
  if (problems.length > 0) throw new ViewReadError(path, `not the view: ${problems.join('; ')}`)
  return body
}

/** One view's body, e.g. `await readView('health')`. */
export async function readView<Name extends ViewName>(name: Name): Promise<ViewResponse<Name>> {
  const view: View = VIEWS[name]
  return (await readChecked(view.path, view.required)) as ViewResponse<Name>
}

/** The first `limit` items of a view's `?verbose=1` form. */
export async function readVerbose<Name extends VerboseViewName>(
  name: Name,
  limit: number,
): Promise<VerboseViewResponse<Name>> {
  const view = VIEWS[name]
  const path = `${view.path}?verbose=1&limit=${limit}`
  const required = { ...view.required, ...view.verbose.required }
  return (await readChecked(path, required)) as VerboseViewResponse<Name>
}
