/**
 * `wes-node diag watch` as a person uses it: the terminal view in a real terminal (tmux, on a
 * private socket) against real `wes-node start` nodes on loopback. It draws the node's status
 * and peers at 80x24, redraws at 120x40 and back, shows the node going away (killed) and coming
 * back (restarted with the same data directory and ports), and quits on `q`, Ctrl-C and SIGTERM
 * with exit 0, the terminal as it was (main screen, cursor shown, the shell's prompt). Without a
 * terminal it prints `--count` lines, plain or JSON.
 */
import { execFile } from 'node:child_process'
import { rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { BIN, freePort, runCliProcess, spawnCli, tempDir } from '../fixtures/cli.js'
import type { CliProcess } from '../fixtures/cli.js'
import { until } from '../fixtures/runtime.js'

const run = promisify(execFile)

/** Generous: the machine is shared and loaded; nothing here asserts a duration. */
const WAIT_MS = 60_000
const PROMPT = 'watch-test$ '

/** A node of this test: its flags stay the same across a restart (data directory and ports). */
interface TestNode {
  flags: string[]
  diagAddr: string
  multiaddr: string
  cli: CliProcess
}

const dirs: string[] = []
const nodes: TestNode[] = []

async function startNode(flags: string[]): Promise<CliProcess> {
  const cli = spawnCli(['start', ...flags])
  await cli.waitFor(/^diagnostics: http:\/\/\S+$/m, WAIT_MS)
  return cli
}

/** A loopback node on fixed free ports (so that a restart keeps them), bootstrapping `bootstrap`. */
async function createNode(bootstrap?: string): Promise<TestNode> {
  const dataDir = await tempDir('wes-watch-')
  dirs.push(dataDir)
  const [p2pPort, diagPort] = [await freePort(), await freePort()]
  const diagAddr = `127.0.0.1:${diagPort}`
  const flags = [
    '--data-dir',
    dataDir,
    '--listen',
    `/ip4/127.0.0.1/tcp/${p2pPort}`,
    '--diagnostics-addr',
    diagAddr,
    '--no-mdns',
    '--dht-mode',
    'server',
    '--log-level',
    'warn',
    ...(bootstrap !== undefined ? ['--bootstrap', bootstrap] : []),
  ]
  const cli = await startNode(flags)
  const peerId = /^peer id: (\S+)$/m.exec(cli.stdout())?.[1] as string
  const node = { flags, diagAddr, multiaddr: `/ip4/127.0.0.1/tcp/${p2pPort}/p2p/${peerId}`, cli }
  nodes.push(node)
  return node
}

/**
 * tmux on a socket of this test only (in its own directory, removed at the end), so that nothing
 * of a person's own tmux is touched.
 */
let socket = ''
const TARGET = 'watch'

async function tmux(...args: string[]): Promise<string> {
  const { stdout } = await run('tmux', ['-S', socket, ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', TERM: 'xterm-256color' },
  })
  return stdout
}

/** The visible screen of the pane, as text (`-e`: with its colours as escape sequences). */
async function screen(escapes = false): Promise<string> {
  return tmux('capture-pane', '-p', ...(escapes ? ['-e'] : []), '-t', TARGET)
}

/** A tmux format of the pane: `alternate_on`, `cursor_flag`, `pane_width`, ... */
async function pane(format: string): Promise<string> {
  return (await tmux('display-message', '-p', '-t', TARGET, `#{${format}}`)).trim()
}

/** Whether a screen captured with `-e` has a foreground colour (SGR 30 to 37) in it. */
function coloured(text: string): boolean {
  return text.split('\u001b[').some((part) => /^[0-9;]*3[0-7]m/.test(part))
}

async function screenUntil(done: (text: string) => boolean, what: string): Promise<string> {
  return until(() => screen(), done, what, WAIT_MS)
}

/** Types a command line into the pane's shell. */
async function type(line: string): Promise<void> {
  await tmux('send-keys', '-t', TARGET, '-l', line)
  await tmux('send-keys', '-t', TARGET, 'Enter')
}

function quote(arg: string): string {
  return `'${arg.replace(/'/g, `'\\''`)}'`
}

/** The shell line that runs the watch and then prints its exit code. */
function watchLine(addr: string, env = ''): string {
  const command = [process.execPath, BIN, 'diag', 'watch', '--addr', addr].map(quote).join(' ')
  return `${env}${command}; echo "watch-exit=$?"`
}

let a: TestNode
let b: TestNode

beforeAll(async () => {
  const tmuxDir = await tempDir('wes-watch-tmux-')
  dirs.push(tmuxDir)
  socket = join(tmuxDir, 'tmux.sock')
  a = await createNode()
  // a second node that bootstraps from the first: one peer, some traffic, a bootstrap dial
  b = await createNode(a.multiaddr)
  await until(
    () => runCliProcess(['diag', 'peers', '--json', '--addr', a.diagAddr]),
    (result) => /"peers": 1/.test(result.stdout),
    'the two nodes connected',
    WAIT_MS,
  )
  await tmux(
    '-f',
    '/dev/null',
    'new-session',
    '-d',
    '-x',
    '80',
    '-y',
    '24',
    '-s',
    TARGET,
    'env',
    `PS1=${PROMPT}`,
    'bash',
    '--norc',
    '--noprofile',
  )
  await screenUntil((text) => text.includes(PROMPT.trimEnd()), 'the shell prompt')
}, 3 * WAIT_MS)

afterAll(async () => {
  // always: the tmux server of this test, every node, every directory
  await tmux('kill-server').catch(() => undefined)
  await Promise.all(nodes.map((node) => node.cli.stop('SIGKILL').catch(() => undefined)))
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })))
})

describe('diag watch in a terminal', () => {
  it(
    'draws, resizes, shows the node going away and coming back, and quits on q',
    async () => {
      await type(watchLine(a.diagAddr))
      let text = await screenUntil(
        (shown) => /^● up {2}12D3KooW/m.test(shown) && /^Peers 1 /m.test(shown),
        'the view with the node up and one peer',
      )
      expect(await pane('alternate_on')).toBe('1')
      const lines = text.split('\n')
      expect(lines[0]).toMatch(new RegExp(`^wes-node diag watch {2}${a.diagAddr} {2}every 1 s +`))
      expect(lines[0]).toMatch(/ {2}q quits$/)
      expect(lines[0]).toHaveLength(80)
      expect(text).toMatch(/^Health {2}(ok|degraded|down)/m)
      expect(text).toMatch(/^Reachability \w+ {3}AutoNAT \w+ {3}Relay on/m)
      expect(text).toMatch(/^In {3}\S+ \S+\/s/m)
      expect(text).toMatch(/^Out {2}\S+ \S+\/s/m)
      expect(text).toMatch(/^Bootstrap {2}\d+ dials/m)
      for (const line of lines) expect(line.length).toBeLessThanOrEqual(80)
      // colours: the terminal has them and NO_COLOR is not set
      expect(coloured(await screen(true))).toBe(true)

      // a few seconds of history, then the screen the docs show
      text = await screenUntil((shown) => {
        const span = / in the last (\d+)s$/m.exec(shown)?.[1]
        return span !== undefined && Number(span) >= 3
      }, 'three seconds of history')
      if (process.env.WES_WATCH_CAPTURE !== undefined) {
        await writeFile(process.env.WES_WATCH_CAPTURE, text)
      }

      await tmux('resize-window', '-t', TARGET, '-x', '120', '-y', '40')
      text = await screenUntil(
        (shown) => (shown.split('\n')[0] ?? '').length === 120,
        'the header redrawn at 120 columns',
      )
      expect(text.split('\n')[0]).toMatch(/ {2}q quits$/)
      expect(await pane('pane_height')).toBe('40')
      await tmux('resize-window', '-t', TARGET, '-x', '80', '-y', '24')
      await screenUntil(
        (shown) => (shown.split('\n')[0] ?? '').length === 80 && /^Peers /m.test(shown),
        'the header redrawn at 80 columns',
      )

      // the node goes away: the view says so, keeps the last answer and keeps reading
      await a.cli.stop('SIGKILL')
      text = await screenUntil(
        (shown) => /^✕ NODE AWAY {2}since /m.test(shown),
        'the node shown as away',
      )
      expect(text).toMatch(/cannot reach wes-node diagnostics at/)
      expect(text).toMatch(/^ {2}\d\d:\d\d:\d\d {2}node went away: cannot reach/m)
      expect(text).toMatch(/^Peers /m)

      // it comes back, on the same data directory and ports
      a.cli = await startNode(a.flags)
      text = await screenUntil(
        (shown) => /node is back after \d+ s/.test(shown) && /^● up /m.test(shown),
        'the node shown as back',
      )
      expect(text).toMatch(/^ {2}\d\d:\d\d:\d\d {2}node is back after \d+ s$/m)
      expect(await pane('alternate_on')).toBe('1')

      await tmux('send-keys', '-t', TARGET, 'q')
      text = await screenUntil((shown) => /^watch-exit=\d+$/m.test(shown), 'the watch to exit')
      expect(text).toMatch(/^watch-exit=0$/m)
      // the terminal as it was: the main screen with the command line, the prompt, the cursor
      // (joined, as it wraps; with the scrollback, where the resizes may have moved it)
      const scrollback = await tmux('capture-pane', '-p', '-J', '-S', '-200', '-t', TARGET)
      expect(scrollback).toContain(`${PROMPT}${watchLine(a.diagAddr)}`)
      expect(text.trimEnd().split('\n').at(-1)).toBe(PROMPT.trimEnd())
      expect(text).not.toMatch(/q quits/)
      expect(await pane('alternate_on')).toBe('0')
      expect(await pane('cursor_flag')).toBe('1')
    },
    10 * WAIT_MS,
  )

  it(
    'quits on Ctrl-C with exit 0; no colours with NO_COLOR',
    async () => {
      await type(watchLine(b.diagAddr, 'NO_COLOR=1 '))
      await screenUntil((shown) => /^● up {2}12D3KooW/m.test(shown), 'the view of the second node')
      expect(coloured(await screen(true))).toBe(false)
      await tmux('send-keys', '-t', TARGET, 'C-c')
      const text = await screenUntil(
        (shown) => /^watch-exit=\d+$/m.test(shown),
        'the watch to exit',
      )
      expect(text).toMatch(/^watch-exit=0$/m)
      expect(await pane('alternate_on')).toBe('0')
      expect(await pane('cursor_flag')).toBe('1')
    },
    5 * WAIT_MS,
  )
  it(
    'stops on SIGTERM with exit 0, the terminal as it was',
    async () => {
      await type(watchLine(b.diagAddr))
      await screenUntil((shown) => /^● up {2}12D3KooW/m.test(shown), 'the view of the second node')
      // the watch is the pane's shell's child
      const { stdout } = await run('pgrep', ['-P', await pane('pane_pid')])
      const pids = stdout.trim().split('\n').map(Number)
      expect(pids).toHaveLength(1)
      process.kill(pids[0] as number, 'SIGTERM')
      const text = await screenUntil(
        (shown) => /^watch-exit=\d+$/m.test(shown),
        'the watch to exit',
      )
      expect(text).toMatch(/^watch-exit=0$/m)
      expect(await pane('alternate_on')).toBe('0')
      expect(await pane('cursor_flag')).toBe('1')
    },
    5 * WAIT_MS,
  )
})

describe('diag watch without a terminal', () => {
  it(
    '--count 3 prints three plain lines of the node and exits 0',
    async () => {
      const { code, stdout, stderr } = await runCliProcess(
        ['diag', 'watch', '--addr', b.diagAddr, '--count', '3'],
        {},
        WAIT_MS,
      )
      expect({ code, stderr }).toEqual({ code: 0, stderr: '' })
      const lines = stdout.trimEnd().split('\n')
      expect(lines).toHaveLength(3)
      for (const line of lines) {
        expect(line).toMatch(
          /^\S+Z up status=\w+ .*peers=\d+ conns=\d+ in=\S+ out=\S+ routing=\d+ /,
        )
      }
    },
    WAIT_MS,
  )

  it(
    '--json --count 3 prints JSON lines that parse',
    async () => {
      const { code, stdout } = await runCliProcess(
        ['diag', 'watch', '--addr', b.diagAddr, '--json', '--count', '3', '--interval', '0.5'],
        {},
        WAIT_MS,
      )
      expect(code).toBe(0)
      const records = stdout
        .trimEnd()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, unknown>)
      expect(records).toHaveLength(3)
      for (const record of records) {
        expect(record).toMatchObject({ addr: b.diagAddr, link: 'up' })
        expect(typeof record.peers).toBe('number')
        expect(record.discovery).toMatchObject({ bootstrap_attempts: expect.any(Number) })
      }
      // the watch shows the stats view's discovery counts, the very numbers of /metrics
      const [stats, metrics] = await until(
        async () => {
          const base = `http://${b.diagAddr}`
          const statsBody = (await (await fetch(`${base}/debug/p2p/stats`)).json()) as {
            discovery?: { bootstrap: { attempts: number }; mdns: { found: number } }
          }
          const text = await (await fetch(`${base}/metrics`)).text()
          const sample = (name: string): number =>
            Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1])
          return [
            statsBody.discovery,
            {
              attempts: sample('p2p_discovery_bootstrap_attempt_total'),
              found: sample('p2p_discovery_mdns_peer_found_total'),
            },
          ] as const
        },
        ([counts, samples]) =>
          counts?.bootstrap.attempts === samples.attempts && counts.mdns.found === samples.found,
        "the stats' discovery counts to equal the metrics",
        WAIT_MS / 2,
      )
      const last = records.at(-1)?.discovery as { bootstrap_attempts: number; mdns_found: number }
      expect(last.bootstrap_attempts).toBeLessThanOrEqual(stats?.bootstrap.attempts ?? -1)
      expect(last.mdns_found).toBeLessThanOrEqual(metrics.found)
    },
    WAIT_MS,
  )

  it(
    'a node that is not there: a line per read saying so, then exit 1',
    async () => {
      const addr = `127.0.0.1:${await freePort()}`
      const { code, stdout, stderr } = await runCliProcess(
        ['diag', 'watch', '--addr', addr, '--count', '2', '--interval', '0.2'],
        {},
        WAIT_MS,
      )
      expect(code).toBe(1)
      expect(stdout.trimEnd().split('\n')).toHaveLength(2)
      expect(stdout).toMatch(/ waiting unreachable: cannot reach wes-node diagnostics at /)
      expect(stderr).toMatch(/^wes-node: node at .* did not answer the last read: /)
    },
    WAIT_MS,
  )
})
