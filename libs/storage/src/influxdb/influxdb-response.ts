/**
 * Which lines of a refused InfluxDB write the answer names. Each server spells it its own way:
 * 1.x `unable to parse '<line>': <why>`, 2.x `line 3: <why>` or the same parse text, 3.x a JSON
 * `data` list with `line_number`. Returns 0-based indexes into `lines`; empty when the answer
 * names none (e.g. 1.x field type conflicts), in which case the caller must find the bad lines
 * another way.
 */
export function linesNamedIn(body: string, lines: string[]): Set<number> {
  const named = new Set<number>();
  for (const n of lineNumbersIn(body)) if (n >= 1 && n <= lines.length) named.add(n - 1);
  if (body.includes('unable to parse')) {
    lines.forEach((line, i) => {
      if (body.includes(`unable to parse '${line}'`)) named.add(i);
    });
  }
  return named;
}

function lineNumbersIn(body: string): number[] {
  const numbers: number[] = [];
  try {
    const parsed = JSON.parse(body) as { data?: Array<{ line_number?: unknown }> };
    for (const d of Array.isArray(parsed.data) ? parsed.data : [])
      if (typeof d.line_number === 'number') numbers.push(d.line_number);
  } catch {
    // not JSON: fall through to the text forms
  }
  for (const m of body.matchAll(/\bline (\d+)\b/g)) numbers.push(Number(m[1]));
  return numbers;
}

/** The human part of an InfluxDB error answer (`{"error": ...}` in 1.x, `{"message": ...}` in 2.x). */
export function influxErrorText(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: unknown; message?: unknown };
    const text =
      typeof parsed.error === 'string' ? parsed.error : typeof parsed.message === 'string' ? parsed.message : undefined;
    if (text) return text;
  } catch {
    // plain text answer
  }
  return body;
}
