/** The whole workspace's tests as one jest run; each project keeps its own config. */
export default {
  projects: [
    '<rootDir>/packages/*',
    '<rootDir>/apps/*',
    '<rootDir>/tooling/bench',
    '<rootDir>/tooling/netlab',
    '<rootDir>/tooling/reliability',
  ],
}
