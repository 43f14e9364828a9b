import { BodyError } from './body-error';
import { parsePushPath } from './push-path';

const b64 = (s: string) => Buffer.from(s).toString('base64url');

describe('parsePushPath', () => {
  it('reads job and label pairs', () => {
    expect(parsePushPath('/metrics/job/influxdb/instance/host-1')).toEqual({
      job: 'influxdb',
      grouping: { instance: 'host-1' },
    });
    expect(parsePushPath('/metrics/job/a%20b')).toEqual({ job: 'a b', grouping: {} });
  });

  it('decodes @base64 values, URL-safe, with or without padding, and empty values', () => {
    expect(parsePushPath(`/metrics/job@base64/${b64('a/b')}/path@base64/${b64('/var/tmp')}`)).toEqual({
      job: 'a/b',
      grouping: { path: '/var/tmp' },
    });
    expect(parsePushPath('/metrics/job/j/x@base64/YWI+').grouping.x).toBe('ab>');
    expect(parsePushPath('/metrics/job/j/x@base64/YWI').grouping.x).toBe('ab');
    expect(parsePushPath('/metrics/job/j/empty@base64/=').grouping.empty).toBe('');
    expect(parsePushPath('/metrics/job/j/empty@base64/==').grouping.empty).toBe('');
    expect(parsePushPath('/metrics/job@base64/bXkgam9iL3gtPz4_').job).toBe('my job/x-?>?');
    expect(parsePushPath('/metrics/job@base64/YS9iYw==').job).toBe('a/bc');
    expect(parsePushPath('/metrics/job@base64/YS9iYw').job).toBe('a/bc');
  });

  it.each([
    '/metrics/instance/x',
    '/metrics/job',
    '/metrics/job/j/lonely',
    '/metrics/job/j/__name__/x',
    '/metrics/job/j/a/1/a/2',
    '/metrics/job/j/bad-name/1',
    '/metrics/job/j/x/',
    '/metrics/job/j/x@base64/***',
    '/metrics/job/%E0%A4%A',
    '/metrics/job@base64/=',
    '/metrics/job@base64/YS9iY',
    '/metrics/job@base64/YS9i/x@base64/Y=',
  ])('rejects %s with a 400', (path) => {
    expect(() => parsePushPath(path)).toThrow(BodyError);
  });
});
