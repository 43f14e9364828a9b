import type { IncomingMessage } from 'node:http';
import { correlationIdGenerator } from './correlation-id';

const KEY = 'k'.repeat(32);
const req = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('correlationIdGenerator with the anonymization key', () => {
  const idOf = correlationIdGenerator(KEY);

  it.each(['3f2b8c1e-5d4a-4b3c-9e8f-7a6b5c4d3e2f', '4bf92f3577b34da6a3ce929d0e0e4736', '01ARZ3NDEKTSV4RRFFQ69G5FAV'])(
    'takes the opaque id %s as sent',
    (id) => expect(idOf(req({ 'x-request-id': id }))).toBe(id),
  );

  it.each([
    // Literals: printf %s VALUE | openssl dgst -sha256 -hmac kkk…k (first 32 hex characters).
    ['alice@example.com', 'h-0d8b3da1ccc85d32dd2c1a1863a4bd48'],
    ['jdoe-laptop', 'h-d766356e17696bb61f54e85929f4f86b'],
  ])('replaces %s by its keyed pseudonym', (id, expected) => {
    expect(idOf(req({ 'x-correlation-id': id }))).toBe(expected);
  });

  it('makes up a UUID when the client sent none', () => expect(idOf(req({}))).toMatch(UUID));
});

describe('correlationIdGenerator without a key (anonymization off)', () => {
  const idOf = correlationIdGenerator(undefined);

  it('takes a sane token as sent', () => expect(idOf(req({ 'x-request-id': 'req-123' }))).toBe('req-123'));
  it('refuses what is not a token', () => expect(idOf(req({ 'x-request-id': 'a b\n' }))).toMatch(UUID));
});
