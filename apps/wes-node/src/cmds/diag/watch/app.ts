/**
 * The terminal view: paints the lines of {@link watchScreen} with ink, at the terminal's size
 * (redrawn on resize), and quits on `q`. Kept thin: what to show is decided in `screen.ts`.
 */
import { Box, Text, useApp, useInput, useWindowSize } from 'ink'
import type { TextProps } from 'ink'
import { createElement as h, useSyncExternalStore } from 'react'
import type { ReactElement } from 'react'
import type { WatchPoller } from './poller.js'
import { watchScreen } from './screen.js'
import type { Tone } from './screen.js'

/** How each tone is painted on a terminal with colours. */
const TONES: Record<Tone, TextProps> = {
  title: { bold: true },
  ok: { color: 'green' },
  warn: { color: 'yellow' },
  bad: { color: 'red', bold: true },
  dim: { dimColor: true },
}

export interface WatchAppProps {
  poller: WatchPoller
  /** Paint tones; without colours every segment is plain text. */
  colour: boolean
}

export function WatchApp({ poller, colour }: WatchAppProps): ReactElement {
  const { exit } = useApp()
  useInput((input) => {
    if (input === 'q' || input === 'Q') exit()
  })
  const { columns, rows } = useWindowSize()
  const state = useSyncExternalStore(poller.subscribe, poller.getState)
  const lines = watchScreen(state, { width: columns, height: rows })
  return h(
    Box,
    { flexDirection: 'column', width: columns },
    ...lines.map((line, row) =>
      h(
        Text,
        { key: row, wrap: 'truncate-end' },
        // an empty line still takes its row
        line.length === 0 ? ' ' : null,
        ...line.map((segment, index) =>
          h(
            Text,
            {
              key: index,
              ...(colour && segment.tone !== undefined ? TONES[segment.tone] : {}),
            },
            segment.text,
          ),
        ),
      ),
    ),
  )
}
