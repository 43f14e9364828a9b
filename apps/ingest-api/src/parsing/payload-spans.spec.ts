import { payloadSpans, spanBytes } from './payload-spans';

/** Every span found parses to exactly the item's parsed payload. */
function check(text: string): Array<string | undefined> {
  const bytes = Buffer.from(text);
  const parsed = JSON.parse(text) as Array<{ payload?: unknown }>;
  const spans = payloadSpans(text);
  return parsed.map((item, i) => {
    const slice = spanBytes(text, bytes, spans[i]);
    if (slice) expect(JSON.parse(slice.toString('utf8'))).toEqual(item.payload);
    return slice?.toString('utf8').trim();
  });
}

describe('payloadSpans', () => {
  it("finds each item's payload, nested brackets, strings and whitespace included", () => {
    const text =
      '[ {"kind":"usage_report","payload":{"a":[1,{"b":"}],\\"x"}],"c":"{"}},\n' +
      ' {"payload" : { "m" : { } } , "kind":"metrics"},{"id":"p,1","kind":"x","payload":{"s":"é ✓"}} ]';
    expect(check(text)).toEqual(['{"a":[1,{"b":"}],\\"x"}],"c":"{"}', '{ "m" : { } }', '{"s":"é ✓"}']);
  });

  it('takes the last payload member, as JSON.parse does', () => {
    expect(check('[{"payload":{"a":1},"kind":"k","payload":{"a":2}}]')).toEqual(['{"a":2}']);
  });

  it('gives no span where the bytes could disagree with the parsed item', () => {
    expect(check('[{"pay\\u006coad":{"a":2},"payload":{"a":1}}]')).toEqual([undefined]);
    expect(check('[{"payload":{"a":1},"pay\\u006coad":{"a":2}}]')).toEqual([undefined]);
    expect(
      check('[{"payload":"text"},{"payload":[1]},{"kind":"k"},3,["payload",{"x":1}],{"x":{"payload":{}}}]'),
    ).toEqual([undefined, undefined, undefined, undefined, undefined, undefined]);
  });

  it('counts items by top-level commas only', () => {
    expect(check('[1,"a,b",{"payload":{"k":[1,2,3]}},{"payload":{}}]')).toEqual([
      undefined,
      undefined,
      '{"k":[1,2,3]}',
      '{}',
    ]);
  });
});
