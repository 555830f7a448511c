import { describe, expect, it } from '@jest/globals'
import {
  negotiateExpositionFormat,
  OPENMETRICS_CONTENT_TYPE,
  PROMETHEUS_CONTENT_TYPE,
} from '../../src/index.js'

const TEXT = PROMETHEUS_CONTENT_TYPE
const OM_1 = OPENMETRICS_CONTENT_TYPE
const OM_0 = 'application/openmetrics-text; version=0.0.1; charset=utf-8'

describe('negotiateExpositionFormat', () => {
  it.each<[string, string | undefined, string]>([
    // no preference: the text format, as before OpenMetrics was served
    ['no header', undefined, TEXT],
    ['an empty header', '', TEXT],
    ['curl and browsers', '*/*', TEXT],
    ['the diagnostics client', 'text/plain', TEXT],
    ['text 0.0.4 by name', 'text/plain; version=0.0.4', TEXT],
    ['text/*', 'text/*', TEXT],
    ['JSON only: nothing on offer fits, so text', 'application/json', TEXT],
    ['text 1.0.0 (UTF-8 names) only: not offered, so text 0.0.4', 'text/plain;version=1.0.0', TEXT],
    ['garbage', 'not a media type, ;;;', TEXT],
    // OpenMetrics asked for
    ['OpenMetrics without a version', 'application/openmetrics-text', OM_1],
    ['OpenMetrics 1.0.0', 'application/openmetrics-text; version=1.0.0', OM_1],
    ['OpenMetrics 0.0.1 only', 'application/openmetrics-text; version=0.0.1', OM_0],
    ['OpenMetrics quoted version', 'application/openmetrics-text; version="1.0.0"', OM_1],
    ['OpenMetrics, case-insensitive', 'Application/OpenMetrics-Text; Version=1.0.0', OM_1],
    [
      'OpenMetrics with charset',
      'application/openmetrics-text; version=1.0.0; charset=UTF-8',
      OM_1,
    ],
    ['application/*', 'application/*', OM_1],
    [
      'Prometheus 2.42',
      'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1',
      OM_1,
    ],
    [
      'Prometheus 3 (escaping parameter, text 1.0.0 offered first among texts)',
      'application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.6,application/openmetrics-text;version=0.0.1;q=0.5,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.4,text/plain;version=0.0.4;q=0.3,*/*;q=0.2',
      OM_1,
    ],
    // q-values
    ['text preferred by q', 'application/openmetrics-text;q=0.5, text/plain', TEXT],
    ['OpenMetrics preferred by q', 'text/plain;q=0.5, application/openmetrics-text', OM_1],
    [
      '0.0.1 preferred by q',
      'application/openmetrics-text;version=1.0.0;q=0.2, application/openmetrics-text;version=0.0.1;q=0.9',
      OM_0,
    ],
    ['text refused with q=0', 'text/plain;q=0, */*', OM_1],
    [
      '1.0.0 refused with q=0',
      'application/openmetrics-text;version=1.0.0;q=0, application/openmetrics-text',
      OM_0,
    ],
    [
      'everything refused: text all the same',
      'text/plain;q=0, application/openmetrics-text;q=0',
      TEXT,
    ],
    ['the most specific range decides', 'application/openmetrics-text;q=0.1, */*;q=0.9', TEXT],
    ['equal q: named beats wildcard', 'application/openmetrics-text, */*', OM_1],
    ['equal q, both named: text', 'application/openmetrics-text, text/plain', TEXT],
    [
      'a malformed q leaves its range out',
      'application/openmetrics-text;q=2, text/plain;q=0.1',
      TEXT,
    ],
    ['accept-extensions after q are ignored', 'application/openmetrics-text;q=0.9;level=1', OM_1],
    // parameters
    ['unknown parameter: no match', 'application/openmetrics-text;foo=bar', TEXT],
    ['another charset: no match', 'application/openmetrics-text;charset=latin1', TEXT],
    ['a version we do not speak', 'application/openmetrics-text;version=2.0.0', TEXT],
    [
      'comma inside a quoted value',
      'application/openmetrics-text;foo="a,b", text/plain;q=0.1',
      TEXT,
    ],
  ])('%s', (_case, accept, contentType) => {
    const format = negotiateExpositionFormat(accept)
    expect(format.contentType).toBe(contentType)
    expect(format.syntax).toBe(contentType === TEXT ? 'prometheus' : 'openmetrics')
  })
})
