/** The whole workspace's tests as one jest run; each project keeps its own config. */
export default {
  // a global option: the projects' own testTimeout does not apply to a run from the root, and
  // multi-node tests take seconds on a loaded 2-core machine
  testTimeout: 30_000,
  projects: [
    '<rootDir>/packages/*',
    '<rootDir>/apps/*',
    '<rootDir>/tooling/bench',
    '<rootDir>/tooling/netlab',
    '<rootDir>/tooling/reliability',
  ],
}
