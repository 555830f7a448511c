/**
 * The live bandwidth chart: the node's wire rates in and out, one point per poll, a few minutes
 * kept in the page (the node keeps no history). uPlot draws on a canvas and styles its elements
 * through the CSSOM, which the page's Content-Security-Policy allows.
 */
import uPlot from 'uplot'
import { formatRate } from './format.js'

export interface BandwidthChart {
  /** Adds one reading (Unix seconds) and drops readings older than the window. */
  push(atSeconds: number, inBytesPerSecond: number, outBytesPerSecond: number): void
  /** Fits the chart to its container's width. */
  resize(): void
}

const HEIGHT = 220
const MIN_SPAN_SECONDS = 60

/** A chart in `container` that keeps `windowSeconds` of readings. */
export function createBandwidthChart(
  container: HTMLElement,
  windowSeconds: number,
): BandwidthChart {
  const times: number[] = []
  const inRates: number[] = []
  const outRates: number[] = []
  const width = (): number => Math.max(320, container.clientWidth)
  const rateValue = (_u: uPlot, value: number | null): string =>
    value === null ? '-' : formatRate(value)

  const plot = new uPlot(
    {
      width: width(),
      height: HEIGHT,
      cursor: { drag: { x: false, y: false } },
      // the series' names and colours only: values show in the cards above
      legend: { live: false },
      scales: {
        // at least a minute wide, so the first readings do not stretch across the chart
        x: {
          time: true,
          range: (_u, min, max) =>
            Number.isFinite(max) ? [Math.min(min, max - MIN_SPAN_SECONDS), max] : [min, max],
        },
        y: { range: (_u, _min, max) => [0, Math.max(1024, max * 1.1)] },
      },
      series: [
        {},
        {
          label: 'in',
          stroke: '#2563eb',
          fill: 'rgba(37, 99, 235, 0.12)',
          width: 2,
          value: rateValue,
        },
        {
          label: 'out',
          stroke: '#d97706',
          fill: 'rgba(217, 119, 6, 0.10)',
          width: 2,
          value: rateValue,
        },
      ],
      axes: [
        { stroke: '#64748b', grid: { stroke: '#e2e8f0' } },
        {
          stroke: '#64748b',
          grid: { stroke: '#e2e8f0' },
          size: 86,
          values: (_u, splits) => splits.map((split) => formatRate(split)),
        },
      ],
    },
    [times, inRates, outRates],
    container,
  )

  return {
    push(atSeconds, inBytesPerSecond, outBytesPerSecond) {
      times.push(atSeconds)
      inRates.push(inBytesPerSecond)
      outRates.push(outBytesPerSecond)
      while (times.length > 0 && (times[0] as number) < atSeconds - windowSeconds) {
        times.shift()
        inRates.shift()
        outRates.shift()
      }
      plot.setData([times, inRates, outRates])
      // what the chart shows, readable by tests and scripts without reading the canvas
      container.dataset.samples = String(times.length)
      container.dataset.inBps = String(inBytesPerSecond)
      container.dataset.outBps = String(outBytesPerSecond)
    },
    resize() {
      plot.setSize({ width: width(), height: HEIGHT })
    },
  }
}
