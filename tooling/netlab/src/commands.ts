/**
 * The two programs the lab drives: `ip` (iproute2) and `nft` (nftables). Every call is
 * synchronous and bounded in time, so a set-up or tear-down step either finishes or fails with
 * the command's own message; and a tear-down can run from an `exit` handler.
 */

import { execFileSync } from 'node:child_process'

/** A failed `ip` or `nft` call, with the command line and what the program printed. */
export class LabCommandError extends Error {
  override name = 'LabCommandError'
  readonly code = 'ERR_LAB_COMMAND'
}

const COMMAND_TIMEOUT_MS = 10_000

function run(program: string, args: readonly string[], input?: string): string {
  try {
    return execFileSync(program, args, {
      encoding: 'utf8',
      input,
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: COMMAND_TIMEOUT_MS,
    })
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr?.trim()
    const reason = stderr !== undefined && stderr !== '' ? stderr : (err as Error).message
    throw new LabCommandError(`${program} ${args.join(' ')}: ${reason}`)
  }
}

/** Runs `ip <args>` and returns its stdout. */
export function ip(args: readonly string[]): string {
  return run('ip', args)
}

/** Runs `ip -n <netns> <args>` inside a namespace. */
export function ipIn(netns: string, args: readonly string[]): string {
  return run('ip', ['-n', netns, ...args])
}

/** Loads an nftables ruleset (`nft -f -`) inside a namespace. */
export function nftIn(netns: string, ruleset: string): string {
  return run('ip', ['netns', 'exec', netns, 'nft', '-f', '-'], ruleset)
}

/** Runs `nft <args>` inside a namespace. */
export function nftCommandIn(netns: string, args: readonly string[]): string {
  return run('ip', ['netns', 'exec', netns, 'nft', ...args])
}

/** Why the lab cannot run here, or undefined when it can (root, `ip netns` and `nft`). */
export function labUnavailableReason(): string | undefined {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    return 'the network lab needs root (network namespaces, veth links, nftables)'
  }
  for (const [program, args, pkg] of [
    ['ip', ['netns', 'list'], 'iproute2'],
    ['nft', ['--version'], 'nftables'],
  ] as const) {
    try {
      run(program, args)
    } catch {
      return `the network lab needs \`${program}\` (Debian package ${pkg})`
    }
  }
  return undefined
}
