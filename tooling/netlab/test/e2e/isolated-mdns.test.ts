/**
 * The in-process mDNS tests of @wes/p2p-core and the app skip wherever multicast could leave the
 * machine. Here they run for real: jest on a lab host that has nothing but loopback.
 */

import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { isolatedHost, startLab } from '../../src/index.js'
import { labTest } from '../fixtures/lab.js'
import type { Lab } from '../../src/index.js'

const it = labTest('isolated mDNS suites')
const ROOT = fileURLToPath(new URL('../../../../', import.meta.url))

let lab: Lab | undefined
afterEach(async () => {
  await lab?.stop()
  lab = undefined
})

describe('mDNS suites on a loopback-only host', () => {
  it('the p2p-core and runtime mDNS tests run there and pass, none skipped', async () => {
    lab = await startLab(isolatedHost())
    const results = join(lab.dir, 'results.json')
    const run = lab.spawn(
      'alone',
      process.execPath,
      [
        join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js'),
        '--runInBand',
        '--json',
        `--outputFile=${results}`,
        '--testNamePattern',
        'mDNS|mdns',
        'packages/p2p-core/test/e2e/mdns.test.ts',
        'apps/wes-node/test/e2e/runtime.test.ts',
      ],
      {
        cwd: ROOT,
        env: {
          NODE_OPTIONS: '--experimental-vm-modules --no-warnings=ExperimentalWarning',
          // a nested run keeps its own results file (tooling/scripts/run-tests.mjs)
          WES_JEST_RESULTS: results,
        },
      },
    )
    const code = await run.exited(180_000)
    const report = JSON.parse(readFileSync(results, 'utf8')) as {
      numPassedTests: number
      numFailedTests: number
      testResults: Array<{ assertionResults: Array<{ fullName: string; status: string }> }>
    }
    const mdnsResults = report.testResults
      .flatMap((file) => file.assertionResults)
      .filter((result) => /mdns/i.test(result.fullName))
    expect({ code, stderr: code === 0 ? '' : run.stderr().slice(-2_000) }).toEqual({
      code: 0,
      stderr: '',
    })
    expect(report.numFailedTests).toBe(0)
    // the finds, the answer counting, the disabled case and the runtime counters: all ran
    // (a skip would mean the isolation check failed on a host built for it)
    expect(mdnsResults.map((r) => `${r.status}: ${r.fullName}`).sort()).toEqual(
      mdnsResults.map((r) => `passed: ${r.fullName}`).sort(),
    )
    expect(mdnsResults.length).toBeGreaterThanOrEqual(4)
  }, 240_000)
})
