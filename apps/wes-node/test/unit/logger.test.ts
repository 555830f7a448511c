import { describe, expect, it } from '@jest/globals'
import type { LogLevel } from '@wes/p2p-core'
import { createLogger, textLine } from '../../src/logger.js'
import type { LogFormat, Logger } from '../../src/logger.js'

const NOW = new Date('2026-11-26T00:29:20.319Z')

function capture(
  level: LogLevel,
  format?: LogFormat,
): { logger: Logger; lines: () => string[]; chunks: string[] } {
  const chunks: string[] = []
  const logger = createLogger({
    level,
    ...(format !== undefined ? { format } : {}),
    stream: { write: (chunk: string) => chunks.push(chunk) },
    now: () => NOW,
  })
  return {
    logger,
    chunks,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((l) => l !== ''),
  }
}

describe('createLogger, text (the default)', () => {
  it('keeps the CLI format: <ISO time> <LEVEL padded to 5> <message>, one write a line', () => {
    const { logger, chunks } = capture('info')
    logger.info('node started with peer id 12D3KooWPeer')
    logger.warn('stopping node')
    expect(chunks).toEqual([
      '2026-11-26T00:29:20.319Z INFO  node started with peer id 12D3KooWPeer\n',
      '2026-11-26T00:29:20.319Z WARN  stopping node\n',
    ])
  })

  it('says the component in brackets and appends fields as key=value', () => {
    const { logger, lines } = capture('debug')
    logger.forComponent('discovery').warn('bootstrap dial failed', {
      addr: '/ip4/127.0.0.1/tcp/9',
      attempt: 2,
      retrying: true,
      reason: 'connection refused',
      peers: ['a', 'b'],
    })
    expect(lines()).toEqual([
      '2026-11-26T00:29:20.319Z WARN  [discovery] bootstrap dial failed addr=/ip4/127.0.0.1/tcp/9 attempt=2 retrying=true reason="connection refused" peers=["a","b"]',
    ])
  })

  it('writes an error field as its name and message, on the one line', () => {
    const { logger, lines } = capture('info')
    logger.error('dial failed', { err: new TypeError('bad address'), cause: new Error('boom') })
    expect(lines()).toEqual([
      '2026-11-26T00:29:20.319Z ERROR dial failed err="TypeError: bad address" cause="Error: boom"',
    ])
  })

  it('a component logger from a component logger names only its own component', () => {
    const { logger, lines } = capture('info')
    logger.forComponent('node').forComponent('mdns').info('no multicast')
    expect(lines()).toEqual(['2026-11-26T00:29:20.319Z INFO  [mdns] no multicast'])
  })

  it('leaves printf-like text in a message alone', () => {
    const { logger, lines } = capture('info')
    logger.info('100%s done %d', { n: 1 })
    logger.info('50% of %j')
    expect(lines()).toEqual([
      '2026-11-26T00:29:20.319Z INFO  100%s done %d n=1',
      '2026-11-26T00:29:20.319Z INFO  50% of %j',
    ])
  })
})

describe('createLogger, json', () => {
  it("writes pino's JSON lines with a string level, ISO time, component and fields", () => {
    const { logger, lines } = capture('info', 'json')
    logger.info('node started')
    logger.forComponent('discovery').warn('bootstrap dial failed', { addr: '/ip4/1.2.3.4/tcp/9' })
    expect(lines().map((line) => JSON.parse(line) as unknown)).toEqual([
      { level: 'info', time: '2026-11-26T00:29:20.319Z', msg: 'node started' },
      {
        level: 'warn',
        time: '2026-11-26T00:29:20.319Z',
        component: 'discovery',
        addr: '/ip4/1.2.3.4/tcp/9',
        msg: 'bootstrap dial failed',
      },
    ])
  })

  it('serializes errors in any field with type, message and stack', () => {
    const { logger, lines } = capture('info', 'json')
    logger.error('failed', { err: new RangeError('too far'), cause: new Error('inner') })
    const line = JSON.parse(lines()[0] as string) as Record<string, Record<string, unknown>>
    expect(line.err).toMatchObject({ type: 'RangeError', message: 'too far' })
    expect(line.err?.stack).toContain('RangeError: too far')
    expect(line.cause).toMatchObject({ type: 'Error', message: 'inner' })
  })

  it('writes each line whole, in one write', () => {
    const { logger, chunks } = capture('info', 'json')
    logger.info('a')
    logger.forComponent('x').info('b', { k: 1 })
    expect(chunks).toHaveLength(2)
    for (const chunk of chunks) expect(chunk.endsWith('}\n')).toBe(true)
  })
})

describe('levels', () => {
  const methods = ['error', 'warn', 'info', 'debug', 'trace'] as const

  it.each([
    ['silent', []],
    ['error', ['ERROR']],
    ['warn', ['ERROR', 'WARN']],
    ['info', ['ERROR', 'WARN', 'INFO']],
    ['debug', ['ERROR', 'WARN', 'INFO', 'DEBUG']],
    ['trace', ['ERROR', 'WARN', 'INFO', 'DEBUG', 'TRACE']],
  ] as const)('at %s writes %p', (level, expected) => {
    const { logger, lines } = capture(level)
    const component = logger.forComponent('c')
    for (const method of methods) {
      logger[method]('root')
      component[method]('component')
    }
    const written = lines().map((line) => line.split(' ')[1])
    expect(written).toEqual(expected.flatMap((label) => [label, label]))
  })

  it('trace lines are TRACE in text and "trace" in json', () => {
    const text = capture('trace')
    text.logger.forComponent('libp2p:dialer').trace('dialing')
    expect(text.lines()).toEqual(['2026-11-26T00:29:20.319Z TRACE [libp2p:dialer] dialing'])
    const json = capture('trace', 'json')
    json.logger.trace('dialing')
    expect(JSON.parse(json.lines()[0] as string)).toMatchObject({ level: 'trace', msg: 'dialing' })
  })
})

describe('textLine', () => {
  it('passes through what is not JSON', () => {
    expect(textLine('not json\n')).toBe('not json\n')
  })
})

describe('setLevel (a reload)', () => {
  it('changes the level of the root and of component loggers made before, both ways', () => {
    const { logger: plain, lines } = capture('info')
    const logger = plain as ReturnType<typeof createLogger>
    const discovery = logger.forComponent('discovery')
    discovery.debug('hidden at info')
    logger.setLevel('debug')
    expect(logger.level).toBe('debug')
    discovery.debug('shown at debug')
    logger.debug('root too')
    logger.setLevel('warn')
    discovery.info('hidden at warn')
    discovery.forComponent('mdns').warn('shown at warn')
    expect(lines()).toEqual([
      '2026-11-26T00:29:20.319Z DEBUG [discovery] shown at debug',
      '2026-11-26T00:29:20.319Z DEBUG root too',
      '2026-11-26T00:29:20.319Z WARN  [mdns] shown at warn',
    ])
  })
})
