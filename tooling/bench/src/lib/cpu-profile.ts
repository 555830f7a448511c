/**
 * What a V8 CPU profile (`node --cpu-prof`) says a process was doing between two instants: each
 * sample's stack put in one category (the first of {@link CATEGORIES} that matches a frame), so
 * an event-loop stall can be named by what ran during it. Times are microseconds on the
 * monotonic clock (`process.hrtime`), the profile's own.
 */

/** The parts of a `.cpuprofile` read here. */
export interface CpuProfile {
  nodes: Array<{
    id: number
    callFrame: { functionName: string; url: string }
    children?: number[]
  }>
  startTime: number
  samples: number[]
  timeDeltas: number[]
}

/**
 * Categories in the order they are tried: a sample counts under the first one that matches one
 * frame of its stack (its function name and script URL). `scrape` is serving a request of the
 * diagnostics server, rendering the registry included; `metric updates` is metrics being moved
 * on other paths (the node's callbacks, prom-client handles; the pass-through wrappers libp2p's
 * metrics put around every stream do not count); `network` is libp2p moving bytes that none of
 * the above asked for: yamux, noise, the TCP socket.
 */
export const CATEGORIES: ReadonlyArray<readonly [name: string, frame: RegExp]> = [
  ['gc', /^\(garbage collector\) /],
  ['scrape', /\/koa\/|@koa\/|prom-client\/lib\/registry\.js/],
  ['ping (connection monitor)', /connection-monitor\.js/],
  ['identify', /@libp2p\/identify/],
  ['kad-dht', /kad-dht/],
  ['peer store', /peer-store/],
  ['metric updates', /prom-client\/|diagnostics\/dist\//],
  ['network (yamux, noise, tcp)', /libp2p-yamux|libp2p-noise|@libp2p\/tcp|stream_base_commons/],
  ['idle', /^\(idle\) /],
]

export const OTHER = 'other'

/** A profile indexed for {@link CpuProfileReader.between}. */
export class CpuProfileReader {
  private readonly frames = new Map<number, string>()
  private readonly parent = new Map<number, number>()
  private readonly categoryOf = new Map<number, string>()
  private readonly times: number[] = []

  constructor(private readonly profile: CpuProfile) {
    for (const node of profile.nodes) {
      this.frames.set(node.id, `${node.callFrame.functionName} ${node.callFrame.url}`)
      for (const child of node.children ?? []) this.parent.set(child, node.id)
    }
    let t = profile.startTime
    for (const delta of profile.timeDeltas) {
      t += delta
      this.times.push(t)
    }
  }

  /** Microseconds of samples in each category between `fromUs` and `toUs`. */
  between(fromUs: number, toUs: number): Map<string, number> {
    const out = new Map<string, number>()
    for (let i = 0; i < this.times.length; i++) {
      const t = this.times[i] as number
      if (t < fromUs || t > toUs) continue
      const category = this.category(this.profile.samples[i] as number)
      const next = this.times[i + 1]
      // a sample stands for the time until the next one, at most 1 ms (the sampling interval)
      const weight = next === undefined ? 0 : Math.min(next - t, 1_000)
      out.set(category, (out.get(category) ?? 0) + weight)
    }
    return out
  }

  /** The `count` frames that ran most themselves (self time, µs) between the two instants. */
  hottest(fromUs: number, toUs: number, count: number): Array<[frame: string, us: number]> {
    const out = new Map<string, number>()
    for (let i = 0; i < this.times.length; i++) {
      const t = this.times[i] as number
      if (t < fromUs || t > toUs) continue
      const next = this.times[i + 1]
      const weight = next === undefined ? 0 : Math.min(next - t, 1_000)
      const frame = this.frames.get(this.profile.samples[i] as number) ?? ''
      out.set(frame, (out.get(frame) ?? 0) + weight)
    }
    return [...out].sort((a, b) => b[1] - a[1]).slice(0, count)
  }

  private category(leaf: number): string {
    const cached = this.categoryOf.get(leaf)
    if (cached !== undefined) return cached
    const stack: string[] = []
    for (let id: number | undefined = leaf; id !== undefined; id = this.parent.get(id)) {
      stack.push(this.frames.get(id) ?? '')
    }
    const found = CATEGORIES.find(([, frame]) => stack.some((f) => frame.test(f)))?.[0] ?? OTHER
    this.categoryOf.set(leaf, found)
    return found
  }
}
