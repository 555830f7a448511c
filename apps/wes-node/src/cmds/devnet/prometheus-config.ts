import { copyFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { DEVNET_FILES, devnetPath, writeFileAtomic } from './files.js'

/** Intervals of the devnet's Prometheus: short, so a devnet shows changes within seconds. */
export const DEVNET_PROMETHEUS_INTERVALS = {
  scrapeInterval: '5s',
  evaluationInterval: '5s',
  /** file_sd re-reads on inotify events at once; this is its fallback re-read. */
  refreshInterval: '5s',
} as const

/** The shipped alerting rules, `monitoring/alerts.yml` of `@wes/diagnostics`. */
export function shippedAlertsPath(): string {
  const entry = fileURLToPath(import.meta.resolve('@wes/diagnostics'))
  // <package>/dist/index.js -> <package>/monitoring/alerts.yml
  return join(dirname(entry), '..', 'monitoring', 'alerts.yml')
}

/**
 * The text of the devnet's `prometheus.yml`: job `wes-p2p` on the `file_sd` targets file, the
 * shipped rules from `alerts.yml` beside it. Both paths are relative, which Prometheus reads
 * against the config file's directory, so the devnet directory can be moved as a whole.
 */
export function renderPrometheusConfig(dir: string): string {
  const { scrapeInterval, evaluationInterval, refreshInterval } = DEVNET_PROMETHEUS_INTERVALS
  return [
    `# Written by \`wes-node devnet\` for the devnet in ${dir}.`,
    '# Run:   prometheus --config.file=prometheus.yml (or wes-node devnet --prometheus)',
    '# Check: promtool check config prometheus.yml',
    `# ${DEVNET_FILES.targets} is rewritten when nodes are added or removed (devnet add/remove);`,
    '# Prometheus follows it without a restart. See docs/fleet.md.',
    '',
    'global:',
    `  scrape_interval: ${scrapeInterval}`,
    `  evaluation_interval: ${evaluationInterval}`,
    '',
    'rule_files:',
    `  - ${DEVNET_FILES.alerts}`,
    '',
    'scrape_configs:',
    '  - job_name: wes-p2p',
    '    metrics_path: /metrics',
    '    scheme: http',
    '    file_sd_configs:',
    '      - files:',
    `          - ${DEVNET_FILES.targets}`,
    `        refresh_interval: ${refreshInterval}`,
    '',
  ].join('\n')
}

/** Writes `prometheus.yml` and a copy of the shipped `alerts.yml` into `dir`. */
export async function writePrometheusConfig(
  dir: string,
  alertsPath: string = shippedAlertsPath(),
): Promise<void> {
  await copyFile(alertsPath, devnetPath(dir, 'alerts'))
  await writeFileAtomic(devnetPath(dir, 'prometheusConfig'), renderPrometheusConfig(dir))
}
