import {
  CONTROLS,
  DEFAULT_PING_COUNT,
  countProblem,
  multiaddrProblem,
  peerIdProblem,
} from '@wes/diagnostics/client'
import type { ControlName, ControlRequest } from '@wes/diagnostics/client'
import { UsageError } from '../../errors.js'
import { resolveDiagOptions } from '../diag/options.js'

/** What `wes-node peer ...` and `wes-node dht ...` run: one control, on one node. */
export interface ControlOptions<Name extends ControlName = ControlName> {
  control: Name
  /** The request body, checked by the control's rule. */
  request: ControlRequest<Name>
  /** `host:port` of the node's diagnostics server (checked). */
  addr: string
  json: boolean
  /** `--timeout`; without it the client waits the control's own timeout and 2 s more. */
  timeoutMs?: number
  /** Bearer token (`WES_DIAGNOSTICS_TOKEN`); the control routes exist only with one. */
  token?: string
  /** A file holding that token (read by the handler); wins over `token`. */
  tokenFile?: string
}

/** The flags every control command shares with `diag`. */
export interface ControlFlags {
  addr?: string
  json?: boolean
  /** Milliseconds (checked by the flag's parser). */
  timeout?: number
  tokenFile?: string
  /** `peer ping -n`: checked here against the server's rule. */
  count?: number
}

/** The request body of `name` from the command's argument (a multiaddr or a peer ID) and flags. */
function requestOf(name: ControlName, target: string, flags: ControlFlags): object {
  if (name === 'connect') {
    const problem = multiaddrProblem(target, '<multiaddr>')
    if (problem !== undefined) throw new UsageError(problem)
    return { multiaddr: target }
  }
  const problem = peerIdProblem(target, '<peer-id>')
  if (problem !== undefined) throw new UsageError(problem)
  if (name !== 'ping') return { peer_id: target }
  const count = flags.count ?? DEFAULT_PING_COUNT
  const countWrong = countProblem(count, '-n')
  if (countWrong !== undefined) throw new UsageError(countWrong)
  return { peer_id: target, count }
}

/**
 * Argument, flags and environment into options: the address and token by `diag`'s rules
 * (`--addr` > `WES_DIAGNOSTICS_ADDR` > the default; `--token-file` > `WES_DIAGNOSTICS_TOKEN_FILE` >
 * `WES_DIAGNOSTICS_TOKEN`), the request by the control's (a `UsageError` before any request).
 */
export function resolveControlOptions<Name extends ControlName>(
  name: Name,
  target: string,
  flags: ControlFlags,
  env: Record<string, string | undefined>,
): ControlOptions<Name> {
  const body = requestOf(name, target, flags)
  const checked = CONTROLS[name].parse(body)
  if (!checked.ok) throw new UsageError(checked.message)
  const access = resolveDiagOptions(
    'stats',
    {
      ...(flags.addr !== undefined ? { addr: flags.addr } : {}),
      ...(flags.tokenFile !== undefined ? { tokenFile: flags.tokenFile } : {}),
    },
    env,
  )
  return {
    control: name,
    request: checked.value as ControlRequest<Name>,
    addr: access.addr,
    json: flags.json === true,
    ...(flags.timeout !== undefined ? { timeoutMs: flags.timeout } : {}),
    ...(access.token !== undefined ? { token: access.token } : {}),
    ...(access.tokenFile !== undefined ? { tokenFile: access.tokenFile } : {}),
  }
}
