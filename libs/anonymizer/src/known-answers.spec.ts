import { Anonymizer } from './anonymizer';
import { fieldListsFrom } from './anonymizer-rules';
import { truncateIp } from './ip';
import { pseudonym, pseudonymOf } from './pseudonym';

/**
 * Known answers: every expected value below was computed once outside this code base
 * (`printf %s VALUE | openssl dgst -sha256 -hmac KEY`, first 32 hex characters) and is
 * written as a literal. A change of algorithm, encoding or truncation would re-key every
 * stored pseudonym and break joins with old rows, so it must fail here first.
 */
const KEY = 'k'.repeat(32);

describe('pseudonym known answers', () => {
  it.each([
    ['host-a', 'd59cd5e9aa166a7881fad58a4e55ab18'],
    ['localhost', 'aea9a0d91d4b5e4ae325314d662fa446'],
    ['5a2b8f3e-9a61-4c55-8f1e-2d7c1b0e6a11', 'b3e7b5185dd04e7e04f9c1339f25a92d'],
    ['db-1.internal', 'bb314839c9189a3be8dc76aeaa3df45b'],
    // UTF-8 bytes of the input are hashed, not UTF-16 code units.
    ['jösé.müller@exämple.de', '8b05e7658e1838a9672a2cab72c6812d'],
  ])('HMAC-SHA256(k×32, %s)', (value, expected) => expect(pseudonym(KEY, value)).toBe(expected));

  it('hashes a numeric id by its JSON text', () =>
    expect(pseudonymOf(KEY, 1)).toBe('707db812ff6c540849b7ec7f00a6cc6e'));
});

describe('client address known answers', () => {
  it.each([
    ['203.0.113.77', '203.0.113.0/24'],
    ['2001:db8:abcd:12:1:2:3:4', '2001:db8:abcd::/48'],
  ])('truncates %s to %s', (ip, net) => expect(truncateIp(ip)).toBe(net));

  it.each([
    ['203.0.113.77', 'd07c32e952dd72a615eba0d2eb43d2fc'],
    ['::ffff:203.0.113.9', 'd07c32e952dd72a615eba0d2eb43d2fc'],
    ['2001:db8:abcd:12:1:2:3:4', '17877aa33040a725fa64119f00a0a12b'],
  ])('stores %s as the pseudonym of its network', (ip, expected) => {
    const anonymizer = new Anonymizer(KEY, fieldListsFrom());
    expect(anonymizer.anonymizeSource({ route: '/r', ip }).ip).toBe(expected);
  });
});
