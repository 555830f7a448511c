import { cpus, loadavg, release, totalmem, type } from 'node:os'
import type { MachineInfo } from './types.js'

/** The machine the run is on, as the report's header shows it. */
export function machineInfo(now = new Date()): MachineInfo {
  const cpuList = cpus()
  return {
    cpuModel: cpuList[0]?.model.trim() ?? 'unknown',
    cores: cpuList.length,
    ramGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    os: `${type()} ${release()}`,
    date: now.toISOString(),
    loadAverageAtStart: loadavg().map((l) => Math.round(l * 100) / 100),
  }
}
