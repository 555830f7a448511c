/**
 * The status page of a node (`GET /debug/p2p/ui`): health with reasons and hints, a live
 * bandwidth chart, the peers, the discovery funnel, the routing table and the node's addresses,
 * read every two seconds from the node's own views. Bundled with uPlot by `scripts/build-ui.mjs`;
 * it asks nothing of any host but the node.
 */
import 'uplot/dist/uPlot.min.css'
import './page.css'
import { readVerbose, readView, tokenStore, TokenRefusedError, ViewReadError } from './api.js'
import { byId, setText } from './dom.js'
import { createPeersTable } from './peers-table.js'
import { createRateChart } from './rate-chart.js'
import {
  renderAddresses,
  renderDiscoverySources,
  renderFunnel,
  renderHealth,
  renderRouting,
  renderStats,
} from './sections.js'

/** @default 2_000 */
const POLL_INTERVAL_MS = 2_000
/** The chart's window: five minutes. */
const HISTORY_SECONDS = 300
/** Peers and k-buckets shown: one page of the verbose views. */
const DETAIL_LIMIT = 100

const MESSAGES = {
  required:
    'This node requires a diagnostics token. Enter it once: this tab keeps it for the session.',
  refused:
    'The node refused this token (401 Unauthorized). Enter the token the node was started with ' +
    '(WES_DIAGNOSTICS_TOKEN or its token file).',
}

function showNotice(message: string | undefined, kind: 'error' | 'warning' = 'warning'): void {
  const notice = byId('notice')
  notice.hidden = message === undefined
  notice.className = `notice notice-${kind}`
  setText(notice, message ?? '')
}

/** `/debug/p2p/health, /debug/p2p/stats: 503 the p2p host is not running`: one line per reason. */
function describeFailures(failures: readonly Error[]): string {
  const byReason = new Map<string, string[]>()
  for (const err of failures) {
    const [reason, path] = err instanceof ViewReadError ? [err.reason, err.path] : [err.message, '']
    byReason.set(reason, [...(byReason.get(reason) ?? []), path])
  }
  return [...byReason]
    .map(([reason, paths]) => {
      const named = paths.filter((path) => path !== '')
      return named.length === 0 ? reason : `${named.join(', ')}: ${reason}`
    })
    .join(' · ')
}

function start(): void {
  const wire = createRateChart(byId('bandwidth-chart'), {
    windowSeconds: HISTORY_SECONDS,
    colors: { in: '#2563eb', out: '#d97706' },
    fill: true,
  })
  const byProtocol = createRateChart(byId('protocol-chart'), {
    windowSeconds: HISTORY_SECONDS,
    heightPx: 180,
  })
  window.addEventListener('resize', () => {
    wire.resize()
    byProtocol.resize()
  })
  const peersTable = createPeersTable(byId<HTMLTableElement>('peers'))
  const form = byId<HTMLFormElement>('token-form')
  const input = byId<HTMLInputElement>('token-input')
  const content = byId('content')
  let timer: ReturnType<typeof setTimeout> | undefined

  function schedule(delayMs: number): void {
    clearTimeout(timer)
    timer = setTimeout(() => {
      // a failure of the page itself must not stop the reads: say it, and go on
      poll().catch((err: unknown) => {
        showNotice(`The page failed to show a read: ${(err as Error).message}`, 'error')
        schedule(POLL_INTERVAL_MS)
      })
    }, delayMs)
  }

  function askForToken(message: string): void {
    clearTimeout(timer)
    form.hidden = false
    content.classList.add('stale')
    showNotice(message, 'error')
    const badge = byId('health-status')
    setText(badge, 'token needed')
    badge.className = 'badge badge-unknown'
    setText(byId('poll-state'), 'Paused until a token is entered.')
    input.focus()
  }

  form.addEventListener('submit', (event) => {
    // the token goes to session storage, never into a URL: no form submission ever happens
    event.preventDefault()
    const token = input.value.trim()
    if (token === '') return
    tokenStore.set(token)
    input.value = ''
    form.hidden = true
    showNotice(undefined)
    setText(byId('poll-state'), 'Checking the token…')
    schedule(0)
  })

  async function poll(): Promise<void> {
    const [health, stats, peers, routing] = await Promise.allSettled([
      readView('health'),
      readView('stats'),
      readVerbose('peers', DETAIL_LIMIT),
      readVerbose('routing', DETAIL_LIMIT),
    ])
    const failures = [health, stats, peers, routing].flatMap((result) =>
      result.status === 'rejected' ? [result.reason as Error] : [],
    )
    const refused = failures.find((err) => err instanceof TokenRefusedError)
    if (refused !== undefined) {
      tokenStore.clear()
      askForToken(refused.sent ? MESSAGES.refused : MESSAGES.required)
      return
    }

    if (health.status === 'fulfilled') {
      renderHealth(health.value)
      renderAddresses(health.value)
      renderDiscoverySources(health.value)
    } else {
      // the last status read is no longer known: the notice says why
      const badge = byId('health-status')
      setText(badge, 'no answer')
      badge.className = 'badge badge-unknown'
    }
    if (stats.status === 'fulfilled') {
      renderStats(stats.value)
      renderFunnel(stats.value)
      const now = Date.now() / 1000
      const { in_rate_bps: inRate, out_rate_bps: outRate } = stats.value.bandwidth
      wire.push(now, { in: inRate, out: outRate })
      // in and out together: one line per protocol keeps the chart readable
      const protocols = Object.entries(stats.value.protocols ?? {})
      if (protocols.length > 0) {
        byProtocol.push(
          now,
          Object.fromEntries(protocols.map(([name, b]) => [name, b.in_rate_bps + b.out_rate_bps])),
        )
      }
    }
    if (peers.status === 'fulfilled') {
      peersTable.update(peers.value.peer_details)
      setText(
        byId('peers-page'),
        peers.value.total > peers.value.peer_details.length
          ? `${peers.value.peer_details.length} of ${peers.value.total} peers shown`
          : '',
      )
    }
    if (routing.status === 'fulfilled') renderRouting(routing.value)
    content.classList.toggle('stale', failures.length >= 4)
    showNotice(failures.length === 0 ? undefined : `Could not read ${describeFailures(failures)}`)
    setText(byId('updated'), `updated ${new Date().toLocaleTimeString()}`)
    setText(byId('poll-state'), `Reading the node every ${POLL_INTERVAL_MS / 1000} s.`)
    schedule(POLL_INTERVAL_MS)
  }

  // the server says in the page whether it wants a token: no request is made just to learn it
  const wanted = document.querySelector<HTMLMetaElement>('meta[name="wes-token"]')?.content
  if (wanted === 'required' && tokenStore.get() === undefined) askForToken(MESSAGES.required)
  else schedule(0)
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start)
else start()
