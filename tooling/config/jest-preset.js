/**
 * The jest preset of every wes-node package: TypeScript through @swc/jest, native ESM
 * (run jest with NODE_OPTIONS=--experimental-vm-modules), `.js` import suffixes mapped back
 * to the `.ts` sources.
 *
 * @example
 * // jest.config.js
 * import preset from '@wes/config/jest-preset'
 * import { createRequire } from 'node:module'

// Resolved here, where @swc/jest is a dependency, so any project using the preset finds it.
const require = createRequire(import.meta.url)

export default { ...preset, displayName: 'my-package' }
 */
import { createRequire } from 'node:module'

// Resolved here, where @swc/jest is a dependency, so any project using the preset finds it.
const require = createRequire(import.meta.url)

export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': [
      require.resolve('@swc/jest'),
      {
        jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
        module: { type: 'es6' },
        sourceMaps: 'inline',
      },
    ],
  },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  testTimeout: 30_000,
}
