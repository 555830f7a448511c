import { describe, expect, test } from '@jest/globals'
import {
  GLOBAL_TRANSFERS,
  MAX_TRANSFER_PROTOCOLS,
  OTHER_TRANSFERS,
  TransferLedger,
} from '../../src/transfer-ledger.js'

describe('TransferLedger', () => {
  test('starts with the global keys at 0, as libp2p names them', () => {
    expect(new TransferLedger().totals()).toEqual({ 'global sent': 0, 'global received': 0 })
  })

  test('one record per protocol, found again for its next stream', () => {
    const ledger = new TransferLedger()
    const first = ledger.of('/ipfs/ping/1.0.0')
    first.sent += 32
    const second = ledger.of('/ipfs/ping/1.0.0')
    expect(second).toBe(first)
    second.received += 32
    ledger.global.sent += 100
    expect(ledger.totals()).toEqual({
      'global sent': 100,
      'global received': 0,
      '/ipfs/ping/1.0.0 sent': 32,
      '/ipfs/ping/1.0.0 received': 32,
    })
  })

  test('a protocol named like the global key, and protocols beyond the bound, count as other', () => {
    const ledger = new TransferLedger()
    ledger.of(GLOBAL_TRANSFERS).sent += 1
    for (let i = 0; i < MAX_TRANSFER_PROTOCOLS + 10; i++) ledger.of(`/p/${i}`).sent += 1
    const totals = ledger.totals()
    expect(totals['global sent']).toBe(0)
    // `other` took the first of the bound's places, so 255 protocols have names of their own
    const named = Object.keys(totals).filter(
      (k) => k.endsWith(' sent') && !k.startsWith('global') && !k.startsWith(OTHER_TRANSFERS),
    )
    expect(named).toHaveLength(MAX_TRANSFER_PROTOCOLS - 1)
    expect(totals[`${OTHER_TRANSFERS} sent`]).toBe(1 + 11)
    expect(Object.keys(totals)).toHaveLength(2 * (MAX_TRANSFER_PROTOCOLS + 1))
  })
})
