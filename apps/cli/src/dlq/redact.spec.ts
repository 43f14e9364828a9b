import { REDACTED, redactJson, redactText } from './redact';

describe('redaction of dead letters for display', () => {
  it('replaces secret-named fields at any depth and keeps the rest', () => {
    const payload = {
      user: { login: 'ann', password: 'hunter2' },
      options: { apiKey: 'k', nested: [{ token: 't', ok: 1 }] },
      Authorization: 'Bearer x',
    };
    expect(redactJson(payload)).toEqual({
      user: { login: 'ann', password: REDACTED },
      options: { apiKey: REDACTED, nested: [{ token: REDACTED, ok: 1 }] },
      Authorization: REDACTED,
    });
  });

  it('masks tokens and secret pairs in free text', () => {
    const text = 'refused: {"password":"hunter2","name":"x"} with Authorization: Bearer abc.def and api_key=s3cr3t, ok';
    const out = redactText(text);
    for (const secret of ['hunter2', 'abc.def', 's3cr3t']) expect(out).not.toContain(secret);
    expect(out).toContain('"name":"x"');
  });
});
