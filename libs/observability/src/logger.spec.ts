import { PassThrough } from 'node:stream';
import { createLogger } from './logger';

describe('createLogger (text)', () => {
  it('redacts secrets and personal data wherever they appear', () => {
    const out = new PassThrough();
    const chunks: string[] = [];
    out.on('data', (c: Buffer) => chunks.push(c.toString()));
    const log = createLogger({ level: 'info', format: 'text', name: 't' }, out);
    log.info(
      {
        headers: { authorization: 'Bearer s3cret' },
        user: { email: 'a@b.c', login: 'bob' },
        password: 'pw',
        apiKey: 'k',
      },
      'hello',
    );
    const line = chunks.join('');
    expect(line).toContain('hello');
    for (const secret of ['s3cret', 'a@b.c', 'bob', '"pw"', '"k"']) expect(line).not.toContain(secret);
    expect(line).toContain('[redacted]');
  });
});
