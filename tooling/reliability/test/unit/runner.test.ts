import { EventEmitter } from 'node:events'
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals'
import { BIN, runCli, spawnCli, started } from '../../src/lib/processes.js'
import { Suite, sleep } from '../../src/lib/runner.js'

/** A suite whose lines are kept for the test instead of printed. */
function quietSuite(): { suite: Suite; output: () => string } {
  let text = ''
  const suite = new Suite({
    quick: true,
    loadSeconds: 1,
    churnCycles: 1,
    verbose: false,
    output: { write: (chunk: string) => (text += chunk) },
  })
  return { suite, output: () => text }
}

/** The report's last line, the one CI reads. */
function lastLine(text: string): string {
  return text.trimEnd().split('\n').at(-1) ?? ''
}

const asRoot = process.getuid?.() === 0 ? test : test.skip

describe('a child that cannot start', () => {
  let dir: string

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'wes-rel-test-'))
  })

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true })
  })

  test('ENOENT and EACCES fail their case with one line; the next case runs; the summary prints', async () => {
    const notExecutable = join(dir, 'node')
    await writeFile(notExecutable, 'not a program', { mode: 0o644 })
    const { suite, output } = quietSuite()

    await suite.group('spawn', async () => {
      await suite.case('missing binary', 5_000, async (ctx) => {
        await runCli(['--version'], ctx, { cli: { execPath: join(dir, 'nope'), bin: BIN } })
      })
      await suite.case('binary without x bit', 5_000, async (ctx) => {
        await started(spawnCli(['start'], ctx, { cli: { execPath: notExecutable, bin: BIN } }))
      })
      await suite.case('the case after them', 5_000, async () => undefined)
    })
    const code = suite.report(1_000)

    const text = output()
    expect(text).toMatch(
      /\n {2}FAIL {2}missing binary \(\d+ ms\): cannot start wes-node: spawn \S+\/nope ENOENT\n/,
    )
    expect(text).toMatch(
      /\n {2}FAIL {2}binary without x bit \(\d+ ms\): cannot start wes-node: spawn \S+\/node EACCES\n/,
    )
    expect(text).toMatch(/\n {2}ok {4}the case after them/)
    expect(text).toContain('== reliability summary')
    expect(lastLine(text)).toBe('1 passed, 2 failed')
    expect(code).toBe(1)
  })

  asRoot('as nobody, under a folder nobody cannot enter: EACCES fails the case', async () => {
    // the defect the suite hit: a checkout under a 0700 folder, its Node run as nobody
    const hidden = join(dir, 'private')
    await mkdir(hidden, { mode: 0o700 })
    const program = join(hidden, 'node')
    await writeFile(program, '#!/bin/sh\nexit 0\n', { mode: 0o755 })
    await chmod(dir, 0o755)
    const { suite, output } = quietSuite()

    await suite.group('nobody', async () => {
      await suite.case('run as nobody', 5_000, async (ctx) => {
        await runCli(['--version'], ctx, {
          uid: 65534,
          gid: 65534,
          cwd: '/',
          cli: { execPath: program, bin: BIN },
        })
      })
      await suite.case('the case after it', 5_000, async () => undefined)
    })
    suite.report(1_000)

    expect(output()).toMatch(
      /FAIL {2}run as nobody .*: cannot start wes-node as uid 65534: .*EACCES/,
    )
    expect(lastLine(output())).toBe('1 passed, 1 failed')
  })
})

describe('a case that throws', () => {
  test('a throw, a rejection and a timeout are one failure each; cleanups run; the group goes on', async () => {
    const { suite, output } = quietSuite()
    const cleaned: string[] = []

    await suite.group('throws', async () => {
      await suite.case('async throw', 5_000, async (ctx) => {
        ctx.defer(() => cleaned.push('async throw'))
        throw new Error('thrown in the case')
      })
      await suite.case('sync throw', 5_000, ((ctx) => {
        ctx.defer(() => cleaned.push('sync throw'))
        throw new Error('thrown before any await')
      }) as () => Promise<void>)
      await suite.case('rejects with a string', 5_000, () => Promise.reject('not an Error'))
      await suite.case('outruns its bound', 50, async (ctx) => {
        ctx.defer(() => cleaned.push('outruns its bound'))
        await sleep(5_000, ctx.signal)
      })
      await suite.case('the case after them', 5_000, async () => undefined)
    })
    const code = suite.report(1_000)

    const text = output()
    expect(text).toMatch(/FAIL {2}async throw \(\d+ ms\): thrown in the case\n/)
    expect(text).toMatch(/FAIL {2}sync throw \(\d+ ms\): thrown before any await\n/)
    expect(text).toMatch(/FAIL {2}rejects with a string \(\d+ ms\): not an Error\n/)
    expect(text).toMatch(/FAIL {2}outruns its bound \(\d+ ms\): timed out after 50 ms\n/)
    expect(cleaned).toEqual(['async throw', 'sync throw', 'outruns its bound'])
    expect(text).toMatch(/\nthrows {2}\s*5\s+1\s+4\s+0 /)
    expect(lastLine(text)).toBe('1 passed, 4 failed')
    expect(code).toBe(1)
  })

  test('a stray rejection or exception fails the case it came from, never the run', async () => {
    const { suite, output } = quietSuite()
    const events = new EventEmitter()
    const release = suite.catchStrays(events)

    await suite.group('strays', async () => {
      events.emit('unhandledRejection', new Error('from the group body'))
      await suite.case('stray rejection', 5_000, async (ctx) => {
        // emitted from a timer the case started: the async context says whose it is
        setTimeout(() => events.emit('unhandledRejection', new Error('nobody awaited this')), 10)
        await sleep(1_000, ctx.signal)
      })
      await suite.case('stray exception', 5_000, async (ctx) => {
        setTimeout(() => events.emit('uncaughtException', new Error('thrown from a timer')), 10)
        await sleep(1_000, ctx.signal)
      })
      await suite.case('the case after them', 5_000, async () => undefined)
    })
    events.emit('uncaughtException', new Error('between groups'))
    release()
    const code = suite.report(1_000)

    const text = output()
    expect(text).toMatch(/FAIL {2}\(group\) unhandled rejection: from the group body\n/)
    expect(text).toMatch(
      /FAIL {2}stray rejection \(\d+ ms\): unhandled rejection: nobody awaited this\n/,
    )
    expect(text).toMatch(
      /FAIL {2}stray exception \(\d+ ms\): uncaught exception: thrown from a timer\n/,
    )
    // failed at once, not when the case's body would have ended
    for (const name of ['stray rejection', 'stray exception']) {
      const ms = Number(new RegExp(`FAIL {2}${name} \\((\\d+) ms\\)`).exec(text)?.[1])
      expect(ms).toBeLessThan(900)
    }
    expect(text).toMatch(/FAIL {2}\(runner\) uncaught exception: between groups\n/)
    expect(lastLine(text)).toBe('1 passed, 4 failed')
    expect(code).toBe(1)
    expect(events.listenerCount('uncaughtException')).toBe(0)
    expect(events.listenerCount('unhandledRejection')).toBe(0)
  })
})

describe('skips and crashes', () => {
  test('a skip is counted apart with its reason; the last line stays "N passed, N failed"', async () => {
    const { suite, output } = quietSuite()

    await suite.group('skips', async () => {
      await suite.case('needs a thing', 5_000, async (ctx) => {
        ctx.skip('this machine has no thing')
      })
      await suite.case('passes', 5_000, async () => undefined)
    })
    const code = suite.report(1_000)

    const text = output()
    expect(text).toMatch(/\n {2}skip {2}needs a thing: this machine has no thing\n/)
    expect(text).toMatch(/\nskipped:\n {2}skips \/ needs a thing: this machine has no thing\n/)
    expect(text).toMatch(/\nskips {2}\s*1\s+1\s+0\s+1 /)
    expect(lastLine(text)).toBe('1 passed, 0 failed')
    expect(code).toBe(0)
  })

  test('a crash of the runner still prints the counts so far, with one more failure', async () => {
    const { suite, output } = quietSuite()
    await suite.group('before the crash', async () => {
      await suite.case('passes', 5_000, async () => undefined)
    })

    const code = suite.report(1_000, new Error('stopped by SIGTERM'))

    expect(output()).toMatch(/FAIL {2}\(runner\) stopped by SIGTERM\n/)
    expect(output()).toMatch(/\n {2}runner: \(runner\) stopped by SIGTERM\n/)
    expect(lastLine(output())).toBe('1 passed, 1 failed')
    expect(code).toBe(1)
    expect(suite.reported).toBe(true)
  })
})
