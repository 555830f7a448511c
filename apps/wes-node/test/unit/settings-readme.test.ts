import { readFile } from 'node:fs/promises'
import { describe, expect, it } from '@jest/globals'
import { DEFAULT_P2P_OPTIONS } from '@wes/p2p-core'
import { START_FLAGS, defaultText, isSetting } from '../../src/settings.js'
import type { FlagSpec } from '../../src/settings.js'

const README = new URL('../../../../README.md', import.meta.url)

interface Row {
  flag: string
  env: string
  key: string
  default: string
}

/** The first table after `## The CLI` in the root README, cells without backticks. */
async function readmeFlagTable(): Promise<Row[]> {
  const text = await readFile(README, 'utf8')
  const section = text.slice(text.indexOf('\n## The CLI'))
  const lines = section.split('\n')
  const start = lines.findIndex((line) => line.startsWith('| flag'))
  const rows: Row[] = []
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break
    const cells = line
      .slice(1, -1)
      .split(/(?<!\\)\|/)
      .map((cell) => cell.trim().replace(/\\\|/g, '|'))
    const [flag = '', env = '', key = '', value = ''] = cells
    const code = (cell: string): string => /`([^`]*)`/.exec(cell)?.[1] ?? ''
    rows.push({ flag: code(flag), env: code(env), key: code(key), default: value })
  }
  return rows
}

/** A row as the settings table says it should read. */
function expectedRow(spec: FlagSpec): Row {
  const setting = isSetting(spec) ? spec : undefined
  const shown = setting !== undefined ? defaultText(setting, DEFAULT_P2P_OPTIONS) : undefined
  return {
    flag: spec.flag,
    env: spec.env,
    key: setting?.path ?? '',
    default: shown === undefined ? 'none' : `\`${shown}\``,
  }
}

/** `--dht-mode <auto|client|server>` -> `--dht-mode`, with the placeholder checked apart. */
function splitFlag(cell: string): { flag: string; value: string | undefined } {
  const match = /^(\S+)(?: <([^>]+)>)?$/.exec(cell)
  return { flag: match?.[1] ?? cell, value: match?.[2] }
}

describe("the root README's flag table", () => {
  it('lists the flags of the settings table, in its order, with the same variable, key and default', async () => {
    const rows = await readmeFlagTable()
    expect(rows.map((row) => ({ ...row, flag: splitFlag(row.flag).flag }))).toEqual(
      START_FLAGS.map(expectedRow),
    )
  })

  it("shows each flag's value as help does, or as its choices", async () => {
    const rows = await readmeFlagTable()
    const disagree = START_FLAGS.filter((spec, i) => {
      const { value } = splitFlag(rows[i]?.flag ?? '')
      if (spec.value === undefined) return value !== undefined
      return value !== spec.value && value !== (isSetting(spec) ? spec.choices : [])?.join('|')
    })
    expect(disagree.map((spec) => spec.flag)).toEqual([])
  })
})
