/**
 * Reading thrown values: the string `code` of an error (an errno such as `ECONNREFUSED`, or a
 * libp2p code), and the bounded tree of an error with its `cause` and the `errors` of an
 * AggregateError, which is how libp2p reports a dial that tried several addresses.
 */

/** How far into causes and aggregates a tree is read, and how many errors at most. */
const MAX_DEPTH = 5
const MAX_ERRORS = 64

/** The string `code` of a thrown value, if it has one. */
export function errorCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined
  const code = (err as { code?: unknown }).code
  return typeof code === 'string' ? code : undefined
}

/** The error, its causes and aggregated errors, depth first, each once, bounded. */
export function errorTree(err: unknown): object[] {
  const found: object[] = []
  const visit = (node: unknown, depth: number): void => {
    if (typeof node !== 'object' || node === null || depth > MAX_DEPTH) return
    if (found.length >= MAX_ERRORS || found.includes(node)) return
    found.push(node)
    const { cause, errors } = node as { cause?: unknown; errors?: unknown }
    if (Array.isArray(errors)) for (const inner of errors) visit(inner, depth + 1)
    visit(cause, depth + 1)
  }
  visit(err, 0)
  return found
}
