/**
 * `@wes/diagnostics` never imports the node, so it keeps its own copy of each label set the node
 * reports values from; a value outside it is not counted. Here, where both are loaded, the copies
 * are held equal to the node's sets.
 */
import { describe, expect, it } from '@jest/globals'
import {
  CONNECTION_CLOSE_REASONS as NODE_CLOSE_REASONS,
  CONNECTION_DIRECTIONS as NODE_DIRECTIONS,
  CONNECTION_TRANSPORTS as NODE_TRANSPORTS,
  DIAL_ERROR_CLASSES,
  INBOUND_REFUSAL_REASONS as NODE_REFUSAL_REASONS,
  OTHER_PROTOCOL as NODE_OTHER_PROTOCOL,
} from '@wes/p2p-core'
import {
  CONNECTION_CLOSE_REASONS,
  CONNECTION_DIRECTIONS,
  CONNECTION_TRANSPORTS,
  DIAL_ERROR_REASONS,
  INBOUND_REFUSAL_REASONS,
  OTHER_PROTOCOL,
} from '@wes/diagnostics'

const sorted = (values: readonly string[]): string[] => [...values].sort()

describe("the metrics' label sets are the node's", () => {
  it.each([
    ['dial error classes', DIAL_ERROR_REASONS, DIAL_ERROR_CLASSES],
    ['connection directions', CONNECTION_DIRECTIONS, NODE_DIRECTIONS],
    ['connection transports', CONNECTION_TRANSPORTS, NODE_TRANSPORTS],
    ['connection close reasons', CONNECTION_CLOSE_REASONS, NODE_CLOSE_REASONS],
    ['the other protocol', [OTHER_PROTOCOL], [NODE_OTHER_PROTOCOL]],
    ['inbound refusal reasons', INBOUND_REFUSAL_REASONS, NODE_REFUSAL_REASONS],
  ])('%s', (_what, metrics, node) => {
    expect(sorted(metrics)).toEqual(sorted(node))
  })
})
