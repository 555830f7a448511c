import type { JsonType } from './view.js'

function typeOf(value: unknown): JsonType | 'null' | 'undefined' | string {
  if (Array.isArray(value)) return 'array'
  return value === null ? 'null' : typeof value
}

function at(body: unknown, path: string): unknown {
  let node = body
  for (const key of path.split('.')) {
    if (typeof node !== 'object' || node === null || Array.isArray(node)) return undefined
    node = (node as Record<string, unknown>)[key]
  }
  return node
}

/**
 * What is wrong with a body against a view's `required` keys, one sentence per problem
 * (`bandwidth.in_rate_bps is string, expected number`); empty when the body fits.
 *
 * @example
 * checkBody({ connections: 5 }, VIEWS.connections.required) // []
 * checkBody([], VIEWS.connections.required) // ['the body is array, expected object']
 */
export function checkBody(body: unknown, required: Readonly<Record<string, JsonType>>): string[] {
  if (typeOf(body) !== 'object') return [`the body is ${typeOf(body)}, expected object`]
  const problems: string[] = []
  for (const [key, expected] of Object.entries(required)) {
    const actual = typeOf(at(body, key))
    if (actual !== expected) problems.push(`${key} is ${actual}, expected ${expected}`)
  }
  return problems
}
