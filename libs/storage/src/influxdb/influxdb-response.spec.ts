import { influxErrorText, linesNamedIn } from './influxdb-response';

const lines = ['m,t=a v=1 1', 'm,t=b v=2 1', 'm,t=c v=3 1'];

describe('linesNamedIn', () => {
  it('finds 1.x "unable to parse" lines by their text', () => {
    expect(
      linesNamedIn(`{"error":"partial write: unable to parse 'm,t=b v=2 1': invalid boolean dropped=0"}`, lines),
    ).toEqual(new Set([1]));
  });
  it('finds 2.x "line N" references (1-based)', () => {
    expect(linesNamedIn('{"code":"invalid","message":"errors encountered on line(s): line 3: bad"}', lines)).toEqual(
      new Set([2]),
    );
  });
  it('finds 3.x line_number entries', () => {
    expect(
      linesNamedIn(
        '{"error":"partial write","data":[{"original_line":"x","line_number":1,"error_message":"bad"}]}',
        lines,
      ),
    ).toEqual(new Set([0]));
  });
  it('names nothing for answers without line information, or out-of-range numbers', () => {
    expect(linesNamedIn('{"error":"partial write: field type conflict dropped=1"}', lines)).toEqual(new Set());
    expect(linesNamedIn('line 9: bad', lines)).toEqual(new Set());
  });
});

describe('influxErrorText', () => {
  it.each([
    ['{"error":"database not found"}', 'database not found'],
    ['{"code":"invalid","message":"bad bucket"}', 'bad bucket'],
    ['plain text', 'plain text'],
  ])('%s -> %s', (body, text) => expect(influxErrorText(body)).toBe(text));
});
