import { isConfigurationStatus, isRetriableStatus, parseRetryAfter } from './http-outcome';

describe('parseRetryAfter', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');
  it.each([
    ['5', 5000],
    ['0', 0],
    ['Wed, 01 Jan 2025 00:00:30 GMT', 30000],
    ['Tue, 31 Dec 2024 23:59:00 GMT', 0],
    ['99999', 600000],
    ['soon', undefined],
    ['', undefined],
    [null, undefined],
  ])('%j -> %j ms', (value, ms) => expect(parseRetryAfter(value, now)).toBe(ms));
});

describe('status classes', () => {
  it.each([
    [408, true],
    [425, true],
    [429, true],
    [500, true],
    [503, true],
    [400, false],
    [401, false],
    [404, false],
    [413, false],
  ])('%i retriable: %s', (status, retriable) => {
    expect(isRetriableStatus(status)).toBe(retriable);
  });
  it('401, 403 and 404 are settings problems', () => {
    expect([401, 403, 404, 400, 422].map(isConfigurationStatus)).toEqual([true, true, true, false, false]);
  });
});
