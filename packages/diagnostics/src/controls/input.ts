/**
 * The rules for the bodies of the control routes, which the server, the client and the CLI share:
 * a JSON object with known keys only, a peer ID or multiaddr of a sane shape, a bounded ping count.
 * These check the shape without libp2p; the node parses what passes, and refuses what it cannot use
 * (`ControlError` `ERR_INVALID_INPUT`). Messages never repeat a value the client sent.
 */

/** A request, or the one sentence that says why a body is not one. */
export type RequestResult<Request> = { ok: true; value: Request } | { ok: false; message: string }

/** The longest peer ID accepted (an Ed25519 one is 52 characters, a base32 CID about 62). */
export const MAX_PEER_ID_LENGTH = 128

/** The longest multiaddr accepted. */
export const MAX_MULTIADDR_LENGTH = 1_024

/** Pings one request may ask for. */
export const MAX_PING_COUNT = 100

/** Pings when a request names no count (as `ipfs ping`). */
export const DEFAULT_PING_COUNT = 10

/** A peer ID as text: base58btc (`12D3KooW...`, `Qm...`) or a base32 CID (`bafz...`). */
const PEER_ID = /^(?:[1-9A-HJ-NP-Za-km-z]{32,128}|b[a-z2-7]{32,127})$/

/** A multiaddr as text: `/` and printable ASCII, no space. */
const MULTIADDR = /^\/[\x21-\x7e]+$/

/** A key worth naming in a message; anything else is "a key". */
const NAMEABLE_KEY = /^[A-Za-z0-9_.-]{1,32}$/

function kindOf(value: unknown): string {
  if (Array.isArray(value)) return 'an array'
  if (value === null) return 'null'
  const type = typeof value
  return type === 'object' ? 'an object' : `a ${type}`
}

/**
 * The body as an object with only `allowed` keys, `required` among them; or why not.
 *
 * @example
 * objectWithKeys({ peer_id: 'x', foo: 1 }, ['peer_id'], ['peer_id'])
 * // { ok: false, message: 'unknown key "foo" (expected peer_id)' }
 */
export function objectWithKeys(
  body: unknown,
  allowed: readonly string[],
  required: readonly string[],
): RequestResult<Record<string, unknown>> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, message: `the request body must be a JSON object, not ${kindOf(body)}` }
  }
  const record = body as Record<string, unknown>
  const expected = allowed.join(', ')
  for (const key of Object.keys(record)) {
    if (!allowed.includes(key)) {
      const name = NAMEABLE_KEY.test(key) ? `key "${key}"` : 'key'
      return { ok: false, message: `unknown ${name} (expected ${expected})` }
    }
  }
  for (const key of required) {
    if (!Object.hasOwn(record, key)) return { ok: false, message: `${key} is required` }
  }
  return { ok: true, value: record }
}

/** Why `value` is no peer ID, or `undefined` when it has the shape of one. */
export function peerIdProblem(value: unknown, name = 'peer_id'): string | undefined {
  if (typeof value !== 'string') return `${name} must be a string, not ${kindOf(value)}`
  if (value.length > MAX_PEER_ID_LENGTH) {
    return `${name} must be at most ${MAX_PEER_ID_LENGTH} characters`
  }
  if (!PEER_ID.test(value)) {
    return `${name} must be a peer ID: base58btc such as 12D3KooW... or a base32 CID`
  }
  return undefined
}

/** Why `value` is no multiaddr, or `undefined` when it has the shape of one. */
export function multiaddrProblem(value: unknown, name = 'multiaddr'): string | undefined {
  if (typeof value !== 'string') return `${name} must be a string, not ${kindOf(value)}`
  if (value.length > MAX_MULTIADDR_LENGTH) {
    return `${name} must be at most ${MAX_MULTIADDR_LENGTH} characters`
  }
  if (!MULTIADDR.test(value)) {
    return `${name} must be a multiaddr such as /ip4/127.0.0.1/tcp/28680/p2p/12D3KooW..., without spaces`
  }
  return undefined
}

/** Why `value` is no ping count (an integer from 1 to {@link MAX_PING_COUNT}), or `undefined`. */
export function countProblem(value: unknown, name = 'count'): string | undefined {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    return `${name} must be an integer from 1 to ${MAX_PING_COUNT}`
  }
  if (value < 1 || value > MAX_PING_COUNT) {
    return `${name} must be an integer from 1 to ${MAX_PING_COUNT}`
  }
  return undefined
}
