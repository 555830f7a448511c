import { execFile } from 'node:child_process'
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterEach, describe, expect, it } from '@jest/globals'
import { writeFileAtomic } from '../../src/cmds/devnet/files.js'
import {
  renderPrometheusConfig,
  shippedAlertsPath,
  writePrometheusConfig,
} from '../../src/cmds/devnet/prometheus-config.js'
import type { DevnetNode } from '../../src/cmds/devnet/state.js'
import { formatStatusTable } from '../../src/cmds/devnet/status.js'
import { formatNodesTable } from '../../src/cmds/devnet/table.js'
import { renderTargets, targetGroups, writeTargets } from '../../src/cmds/devnet/targets.js'

const run = promisify(execFile)

const FLEET_DOCS = ['docs/fleet.md', 'docs/fleet.zh-CN.md'].map((doc) =>
  fileURLToPath(new URL(`../../../../${doc}`, import.meta.url)),
)

/** The fenced blocks of one language in a markdown text. */
function blocks(text: string, language: string): string[] {
  return [...text.matchAll(new RegExp(`^\`\`\`${language}\n([\\s\\S]*?)^\`\`\`$`, 'gm'))].map(
    (match) => match[1] as string,
  )
}

const PEER_A = '12D3KooWRJ8fb3Hb17bQ9bDQjiThVB7ebGeHCTcRtgyZp4dWWW6Z'
const PEER_B = '12D3KooWQAjV4oeM8nygVv4zrNHMBPCpunpXT63KRXFd5BbFk4ea'

function node(index: number, peerId: string): DevnetNode {
  return {
    index,
    name: `node-${index}`,
    peer_id: peerId,
    pid: 1000 + index,
    listen_port: 29000 + index - 1,
    diagnostics_port: 29100 + index - 1,
    multiaddr: `/ip4/127.0.0.1/tcp/${29000 + index - 1}/p2p/${peerId}`,
    diagnostics_url: `http://127.0.0.1:${29100 + index - 1}`,
    data_dir: `/d/node-${index}`,
    log_file: `/d/node-${index}/node.log`,
  }
}

const dirs: string[] = []
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })))
})
async function workDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'wes-devnet-files-'))
  dirs.push(dir)
  return dir
}

describe('targets.json', () => {
  it('has one file_sd group per node, by index, with node_name and no peer ID', () => {
    const groups = targetGroups([node(3, PEER_B), node(1, PEER_A)])
    expect(groups).toEqual([
      { targets: ['127.0.0.1:29100'], labels: { node_name: 'node-1' } },
      { targets: ['127.0.0.1:29102'], labels: { node_name: 'node-3' } },
    ])
    expect(renderTargets([node(1, PEER_A)])).not.toContain(PEER_A)
    expect(JSON.parse(renderTargets([]))).toEqual([])
  })

  it('is replaced as a whole: no temporary file stays', async () => {
    const dir = await workDir()
    await writeTargets(dir, [node(1, PEER_A)])
    await writeTargets(dir, [node(1, PEER_A), node(2, PEER_B)])
    expect(JSON.parse(await readFile(join(dir, 'targets.json'), 'utf8'))).toHaveLength(2)
    expect(await readdir(dir)).toEqual(['targets.json'])
    // a write that fails leaves the old file and no temporary one
    await expect(writeFileAtomic(join(dir, 'missing', 'x.json'), '{}')).rejects.toThrow()
    expect(await readdir(dir)).toEqual(['targets.json'])
  })
})

describe('prometheus.yml', () => {
  it('scrapes job wes-p2p from targets.json with the shipped rules', () => {
    const text = renderPrometheusConfig('/d')
    expect(text).toContain('  - job_name: wes-p2p\n')
    expect(text).toContain('    file_sd_configs:\n      - files:\n          - targets.json\n')
    expect(text).toContain('        refresh_interval: 5s\n')
    expect(text).toContain('rule_files:\n  - alerts.yml\n')
  })

  it('passes promtool check config, rules included, and promtool check sd-config on targets', async () => {
    const dir = await workDir()
    await writePrometheusConfig(dir)
    await writeTargets(dir, [node(1, PEER_A), node(2, PEER_B)])
    expect(await readFile(join(dir, 'alerts.yml'), 'utf8')).toBe(
      await readFile(shippedAlertsPath(), 'utf8'),
    )
    const { stdout } = await run('promtool', ['check', 'config', join(dir, 'prometheus.yml')])
    expect(stdout).toMatch(/SUCCESS: .*prometheus\.yml is valid prometheus config file syntax/)
    expect(stdout).toMatch(/SUCCESS: \d+ rules found/)
    // a broken rules file next to it fails the same check: the config really loads it
    await writeFile(join(dir, 'alerts.yml'), 'groups: [{name: x, rules: [{alert: A}]}]\n')
    await expect(
      run('promtool', ['check', 'config', join(dir, 'prometheus.yml')]),
    ).rejects.toMatchObject({
      code: 1,
    })
  })
})

describe('tables', () => {
  it('prints the nodes table in its stable columns', () => {
    expect(formatNodesTable([node(1, PEER_A), node(2, PEER_B)]).split('\n')).toEqual([
      'NODE    PEER ID                                               P2P                       DIAGNOSTICS',
      `node-1  ${PEER_A}  /ip4/127.0.0.1/tcp/29000  http://127.0.0.1:29100`,
      `node-2  ${PEER_B}  /ip4/127.0.0.1/tcp/29001  http://127.0.0.1:29101`,
    ])
  })

  it('prints the status table with reasons and a dash for the unknown', () => {
    const lines = formatStatusTable([
      {
        node: 'node-1',
        peer_id: PEER_A,
        status: 'ok',
        reasons: [],
        peers: 2,
        diagnostics_url: 'http://127.0.0.1:29100',
      },
      {
        node: 'node-2',
        peer_id: PEER_B,
        status: 'unreachable',
        reasons: ['ERR_UNREACHABLE'],
        peers: null,
        diagnostics_url: 'http://127.0.0.1:29101',
      },
    ]).split('\n')
    expect(lines[0]).toMatch(/^NODE {4}PEER ID {2,}STATUS {7}PEERS {2}REASONS$/)
    expect(lines[1]).toMatch(new RegExp(`^node-1  ${PEER_A}  ok {11}2 {6}-$`))
    expect(lines[2]).toMatch(new RegExp(`^node-2  ${PEER_B}  unreachable  - {6}ERR_UNREACHABLE$`))
  })
})

describe('docs/fleet.md and its twin', () => {
  it('show the prometheus.yml the devnet writes, as it writes it', async () => {
    for (const doc of FLEET_DOCS) {
      const yaml = blocks(await readFile(doc, 'utf8'), 'yaml')
      expect(yaml).toContain(renderPrometheusConfig('/tmp/docs/devnet'))
    }
  })

  it('show Prometheus configs that promtool accepts (Kubernetes excepted: Debian builds it out)', async () => {
    const dir = await workDir()
    await writeFile(join(dir, 'alerts.yml'), await readFile(shippedAlertsPath(), 'utf8'))
    for (const doc of FLEET_DOCS) {
      const configs = blocks(await readFile(doc, 'utf8'), 'yaml').filter(
        (config) => !config.includes('kubernetes_sd_configs'),
      )
      expect(configs).toHaveLength(4)
      for (const [i, config] of configs.entries()) {
        const file = join(dir, `config-${i}.yml`)
        // rule_files: alerts.yml is read beside the config, as in the devnet directory
        await writeFile(file, config)
        const { stdout } = await run('promtool', ['check', 'config', file])
        expect(stdout).toMatch(/SUCCESS: .* is valid prometheus config file syntax/)
      }
    }
  })
})
