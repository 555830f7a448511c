import { describe, expect, it } from '@jest/globals'
import { Registry } from 'prom-client'
import { TOKEN_RULE, createDiagnosticsApp, validateToken } from '../../src/index.js'
import { createStubSource } from './stub-source.js'

describe('the diagnostics token rule', () => {
  it.each(['a'.repeat(16), 'x'.repeat(4096), 'wes-test-token-0123456789abcdef'])(
    'accepts %p',
    (token) => expect(() => validateToken(token)).not.toThrow(),
  )

  it.each(['short', 'a'.repeat(15), 'x'.repeat(4097), 'has whitespace in the middle!!', ''])(
    'refuses %p with ERR_INIT_INVALID',
    (token) => {
      expect(() => validateToken(token)).toThrow(
        expect.objectContaining({
          name: 'DiagnosticsServerError',
          code: 'ERR_INIT_INVALID',
          message: `the diagnostics token must be ${TOKEN_RULE}`,
        }),
      )
    },
  )

  it('holds for the app as for the server', () => {
    expect(() =>
      createDiagnosticsApp({
        source: createStubSource(),
        registry: new Registry(),
        token: 'short',
      }),
    ).toThrow(expect.objectContaining({ code: 'ERR_INIT_INVALID' }))
  })
})
