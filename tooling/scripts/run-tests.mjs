#!/usr/bin/env node
// Runs every package's jest tests in one run and ends with the plain summary line
// `N passed, N failed` that CI reads. Extra arguments go to jest; `--unit` keeps unit tests only.
import { spawn } from 'node:child_process'
import { readFile, rm } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
// WES_JEST_RESULTS lets a nested run (scripts/verify_p2p_monitoring.sh in a test) keep its own file.
const resultsFile = process.env.WES_JEST_RESULTS ?? join(root, '.jest-results.json')
const args = process.argv.slice(2)
const unitOnly = args.includes('--unit')
const jestArgs = args.filter((arg) => arg !== '--unit')

await rm(resultsFile, { force: true })
const jest = join(root, 'node_modules', 'jest', 'bin', 'jest.js')
const child = spawn(
  process.execPath,
  [
    jest,
    // Multi-node network tests share two cores: one file at a time keeps their timing honest.
    '--runInBand',
    '--json',
    `--outputFile=${resultsFile}`,
    ...(unitOnly ? ['--testPathPatterns', 'test/unit/'] : []),
    ...jestArgs,
  ],
  {
    cwd: root,
    stdio: 'inherit',
    env: {
      ...process.env,
      NODE_OPTIONS: [
        process.env.NODE_OPTIONS,
        '--experimental-vm-modules',
        '--no-warnings=ExperimentalWarning',
      ]
        .filter(Boolean)
        .join(' '),
    },
  },
)
const exitCode = await new Promise((resolve) =>
  child.on('close', (code, signal) => resolve(code ?? (signal ? 1 : 0))),
)

let passed = 0
let failed = 0
try {
  const results = JSON.parse(await readFile(resultsFile, 'utf8'))
  passed = results.numPassedTests
  // A suite that fails to load runs no test: count it as a failure, never as silence.
  failed = results.numFailedTests + results.numRuntimeErrorTestSuites
} catch {
  failed = 1
}
if (exitCode !== 0 && failed === 0) failed = 1
console.log(`${passed} passed, ${failed} failed`)
process.exit(failed > 0 ? 1 : 0)
