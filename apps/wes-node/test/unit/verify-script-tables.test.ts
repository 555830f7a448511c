/**
 * scripts/verify_p2p_monitoring.sh runs with bash and curl only, so it carries its own copy of
 * the contract it checks. This test keeps that copy equal to the code's: the spec's metrics of
 * the metric table, every view of the view table with its required keys, the health statuses.
 */
import { readFile } from 'node:fs/promises'
import { describe, expect, it } from '@jest/globals'
import { HEALTH_STATUSES, SPEC_METRICS, VIEWS, VIEW_NAMES } from '@wes/diagnostics'

const SCRIPT = new URL('../../../../scripts/verify_p2p_monitoring.sh', import.meta.url)

/** The lines of the script's `NAME='...'` block, split into words. */
async function block(name: string): Promise<string[][]> {
  const text = await readFile(SCRIPT, 'utf8')
  const match = new RegExp(`^${name}='\\n([^']*)'$`, 'm').exec(text)
  if (match === null) throw new Error(`no ${name}='...' block in the script`)
  return (match[1] ?? '')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => line.trim().split(/\s+/))
}

describe('scripts/verify_p2p_monitoring.sh tables', () => {
  it('lists the spec metrics of the metric table, with their types, in order', async () => {
    const rows = await block('SPEC_METRICS')
    expect(rows).toEqual(Object.entries(SPEC_METRICS))
  })

  it('lists every view of the view table, with its required keys and their JSON types', async () => {
    const rows = await block('VIEWS')
    const expected = VIEW_NAMES.map((name) => {
      const { path, required } = VIEWS[name]
      return [path, ...Object.entries(required).map(([key, type]) => `${key}:${type}`)]
    })
    expect(rows).toEqual(expected)
  })

  it('knows the three health statuses its sixth step tells apart', async () => {
    const text = await readFile(SCRIPT, 'utf8')
    expect(HEALTH_STATUSES).toEqual(['ok', 'degraded', 'down'])
    expect(text).toContain('string:ok)')
    expect(text).toContain('string:degraded | string:down)')
  })
})
