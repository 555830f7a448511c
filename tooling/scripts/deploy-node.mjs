#!/usr/bin/env node
// `pnpm deploy:node <dir> [--force]`: a standalone wes-node in <dir>, to run without pnpm (a
// service manager's SIGTERM and SIGHUP must reach the node itself). pnpm's `deploy` copies the
// app with its production dependencies, the workspace packages included, into <dir>; then the
// Node.js this runs on (the workspace's Node 24) is copied to <dir>/node/bin/node, which
// <dir>/bin/wes-node uses when the machine's own `node` is older than 22.12.
// The root script builds first; run this file directly only after `pnpm build`.
import { spawnSync } from 'node:child_process'
import { chmod, constants, copyFile, mkdir, readFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const args = process.argv.slice(2)
const force = args.includes('--force')
const dirs = args.filter((arg) => arg !== '--force')

function fail(message) {
  process.stderr.write(`deploy:node: ${message}\n`)
  process.exit(2)
}

if (dirs.length !== 1 || dirs[0].startsWith('-')) {
  fail('usage: pnpm deploy:node <dir> [--force]   (e.g. pnpm deploy:node /opt/wes-node)')
}
// pnpm runs scripts at the workspace root; a relative <dir> means where the user typed it.
const target = resolve(process.env.INIT_CWD ?? process.cwd(), dirs[0])

const [major, minor] = process.versions.node.split('.').map(Number)
if (major < 22 || (major === 22 && minor < 12)) {
  fail(`Node.js >= 22.12 is needed to copy into the deployment, this is ${process.version}`)
}

// The pnpm that runs this script (npm_execpath), else the one on PATH.
const pnpm = process.env.npm_execpath?.endsWith('pnpm') ? process.env.npm_execpath : 'pnpm'
const deploy = spawnSync(
  pnpm,
  ['--filter', 'wes-node', 'deploy', '--prod', ...(force ? ['--force'] : []), target],
  { cwd: root, stdio: 'inherit' },
)
if (deploy.error !== undefined) fail(`cannot run pnpm: ${deploy.error.message}`)
if (deploy.status !== 0) process.exit(deploy.status ?? 1)

const node = join(target, 'node', 'bin', 'node')
await mkdir(dirname(node), { recursive: true })
// A reflink where the file system has them, else a plain copy (never a hard link into the store).
await copyFile(process.execPath, node, constants.COPYFILE_FICLONE)
await chmod(node, 0o755)

const { version } = JSON.parse(await readFile(join(target, 'package.json'), 'utf8'))
process.stdout.write(
  [
    `wes-node ${version} deployed to ${target}, with Node.js ${process.version} in node/bin/node`,
    `run it: ${join(target, 'bin', 'wes-node')} start --data-dir <dir>`,
    'as a service: deploy/systemd/wes-node.service (README.md, "Running as a service")',
  ].join('\n') + '\n',
)
