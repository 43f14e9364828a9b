import { Anonymizer, fieldListsFrom } from '@app/anonymizer';
import { DeadLetter, decodeEnvelope, encodeEnvelope } from '@app/contracts';
import { anonymizeStep } from './anonymize.step';
import { DLQ_PRIVACY_HEADERS, deadLetterSinkFor, openLetter, protectLetter } from './dead-letter-privacy';
import { DeadLetterSeal } from './dead-letter-seal';
import { MemorySink, messageOf, panelEnvelope } from '../../../test/support/pipeline-fakes';

const anonymizer = new Anonymizer('k'.repeat(32), fieldListsFrom());
const SEAL_KEY = '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff';
const seal = new DeadLetterSeal([SEAL_KEY]);
const letterOf = (value: Buffer | null, stage: DeadLetter['stage'], detail: string): DeadLetter => ({
  message: { ...messageOf(value), key: Buffer.from('grafana.example.com') },
  stage,
  reason: 'r',
  detail,
});

describe('protectLetter', () => {
  it('anonymizes a decodable envelope, pseudonymizes the key and keeps the detail only sealed', () => {
    const out = protectLetter(
      letterOf(encodeEnvelope(panelEnvelope(1)), 'write', 'row of user1@example.com refused'),
      anonymizer,
      seal,
    );
    const text = `${out.message.value?.toString()} ${out.message.key?.toString()} ${out.detail ?? ''}`;
    for (const personal of ['user1', 'grafana.example.com', '203.0.113.9']) expect(text).not.toContain(personal);
    expect(out.message.headers[DLQ_PRIVACY_HEADERS.privacy]).toBe('anonymized');
    expect(out.message.key?.toString()).toMatch(/^[0-9a-f]{32}$/);
    const opened = openLetter(out.message, seal)!;
    expect(opened).toEqual({
      key: Buffer.from('grafana.example.com'),
      value: null,
      detail: 'row of user1@example.com refused',
      headers: undefined,
    });
  });

  it('marks the anonymized envelope so a replay does not hash its pseudonyms again', () => {
    const out = protectLetter(letterOf(encodeEnvelope(panelEnvelope(2)), 'rules', 'x'), anonymizer, seal);
    const decoded = decodeEnvelope(out.message.value);
    if (!decoded.ok) throw new Error(decoded.reason);
    expect(decoded.envelope.source.keyId).toBe('aea37bdb');
    const again = anonymizeStep(anonymizer)(decoded.envelope);
    expect(again.type === 'ok' && again.value.payload).toEqual(decoded.envelope.payload);
  });

  it('seals undecodable bytes with the operator key and keeps no plain copy', () => {
    const raw = Buffer.from('{"user":"jösé.müller@exämple.de"');
    const out = protectLetter(letterOf(raw, 'decode', 'invalid JSON near "jösé"'), anonymizer, seal);
    expect(out.message.value).toBeNull();
    expect(out.detail).toBeUndefined();
    expect(out.message.headers[DLQ_PRIVACY_HEADERS.privacy]).toBe('sealed');
    expect(out.message.headers[DLQ_PRIVACY_HEADERS.sealKeyId]).toBe(seal.keyId);
    expect((out.message.headers[DLQ_PRIVACY_HEADERS.sealed] as Buffer).includes(Buffer.from('jösé'))).toBe(false);
    expect(openLetter(out.message, seal)!.value).toEqual(raw);
  });

  it('seals headers the pipeline does not know and keeps its own', () => {
    const letter = letterOf(Buffer.from('x'), 'decode', 'bad');
    letter.message.headers = { 'correlation-id': 'c1', 'x-user': 'bob@x.io', 'dlq-attempts': '2' };
    const out = protectLetter(letter, anonymizer, seal);
    expect(out.message.headers).toMatchObject({ 'correlation-id': 'c1', 'dlq-attempts': '2' });
    expect(out.message.headers['x-user']).toBeUndefined();
    expect(openLetter(out.message, seal)!.headers).toEqual({ 'x-user': 'bob@x.io' });
  });

  it('withholds raw bytes when no DLQ_ENCRYPTION_KEY is set', () => {
    const out = protectLetter(letterOf(Buffer.from('not json bob@x.io'), 'decode', 'bad'), anonymizer);
    expect(out.message.value).toBeNull();
    expect(out.message.headers[DLQ_PRIVACY_HEADERS.privacy]).toBe('withheld');
    expect(out.message.headers[DLQ_PRIVACY_HEADERS.sealed]).toBeUndefined();
  });

  it('leaves letters as they are when anonymization is off', async () => {
    const sink = new MemorySink();
    const letter = letterOf(Buffer.from('raw'), 'decode', 'bad');
    await deadLetterSinkFor(sink, undefined, [SEAL_KEY]).publish([letter]);
    expect(sink.letters).toEqual([letter]);
  });
});

describe('DeadLetterSeal', () => {
  it('refuses altered bytes and keys it does not list', () => {
    const sealed = seal.seal({ key: null, value: Buffer.from('v'), detail: 'd' });
    const altered = Buffer.from(sealed);
    altered[altered.length - 1] ^= 1;
    expect(() => seal.open(altered, seal.keyId)).toThrow();
    expect(() => seal.open(sealed, 'deadbeef')).toThrow(/does not list/);
  });

  it('opens letters sealed with an older key after a rotation', () => {
    const old = seal.seal({ key: null, value: Buffer.from('v'), detail: undefined });
    const rotated = new DeadLetterSeal([Buffer.alloc(32, 7).toString('base64'), SEAL_KEY]);
    expect(rotated.keyId).not.toBe(seal.keyId);
    expect(rotated.open(old, seal.keyId).value).toEqual(Buffer.from('v'));
  });
});
