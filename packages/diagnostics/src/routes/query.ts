/**
 * The query parameters the routes read (every other one is ignored): `verbose` on `/readyz` and
 * the views that have a verbose form, and `limit` and `offset` on those verbose forms.
 */

import { DEFAULT_PAGE_LIMIT, parseLimit, parseOffset } from '../details.js'
import type { DetailsQuery } from '../details.js'
import { BadRequestError } from '../errors.js'

type QueryValue = string | string[] | undefined

/** `?verbose`, `?verbose=1`, `?verbose=true`: yes; absent, `0`, `false`, `no`: no. */
export function isVerbose(value: QueryValue): boolean {
  const first = Array.isArray(value) ? value[0] : value
  return first !== undefined && !['0', 'false', 'no'].includes(first.toLowerCase())
}

function single(name: string, value: QueryValue): string | undefined {
  if (Array.isArray(value)) throw new BadRequestError(`${name} is given more than once`)
  return value
}

/**
 * `limit` (1 to 1000, default 100) and `offset` (0 to 1e9, default 0) of a verbose request.
 *
 * @throws {BadRequestError} when either is not such an integer, or is given twice; the message
 *   never repeats the value
 */
export function detailsQueryOf(query: Record<string, QueryValue>): DetailsQuery {
  const limitText = single('limit', query.limit)
  const offsetText = single('offset', query.offset)
  const limit =
    limitText === undefined
      ? { ok: true as const, value: DEFAULT_PAGE_LIMIT }
      : parseLimit(limitText)
  if (!limit.ok) throw new BadRequestError(limit.message)
  const offset =
    offsetText === undefined ? { ok: true as const, value: 0 } : parseOffset(offsetText)
  if (!offset.ok) throw new BadRequestError(offset.message)
  return { limit: limit.value, offset: offset.value }
}
