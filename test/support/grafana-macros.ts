/**
 * What Grafana does to a PostgreSQL panel's SQL before PostgreSQL sees it, so the dashboard
 * suites run the very text Grafana would send:
 *
 * 1. The frontend replaces template variables ($var, ${var}, [[var]]) and $__interval. The SQL
 *    datasource's interpolateVariable quotes each value of a multi-value or include-All variable
 *    ('a','b') and inserts a single value raw with its quotes doubled.
 * 2. The backend's macro engine (pkg/tsdb/grafana-postgresql-datasource/macros.go) expands
 *    $__name(args): $__timeFilter(c) -> c BETWEEN '<from>' AND '<to>' (RFC 3339, UTC),
 *    $__timeGroup(c, iv) -> floor(extract(epoch from c)/s)*s, $__timeGroupAlias adds AS "time".
 *    An unknown macro is an error.
 */

export interface TimeRange {
  from: Date;
  to: Date;
}

export type VariableValue = { multi: true; values: string[] } | { multi: false; value: string };

const VARIABLE = /\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\$\{(\w+)(?:\.([^:^}]+))?(?::([^}]+))?\}/g;
const MACRO = /\$([_a-zA-Z0-9]+)\(([^)]*)\)/g;
const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

const quoteLiteral = (v: string) => `'${v.replace(/'/g, "''")}'`;

/** Step 1, the frontend: template variables and $__interval / $__interval_ms. */
export function interpolateVariables(sql: string, vars: Record<string, VariableValue>, interval: string): string {
  const all: Record<string, VariableValue> = {
    ...vars,
    __interval: { multi: false, value: interval },
    __interval_ms: { multi: false, value: String(intervalSeconds(interval) * 1000) },
  };
  return sql.replace(VARIABLE, (match, a?: string, b?: string, _f?: string, c?: string) => {
    const v = all[a ?? b ?? c ?? ''];
    if (!v) return match;
    return v.multi ? v.values.map(quoteLiteral).join(',') : v.value.replace(/'/g, "''");
  });
}

/** gtime.ParseInterval for the units a dashboard uses (calendar months and years are not needed here). */
export function intervalSeconds(text: string): number {
  const m = /^(\d+)(ms|s|m|h|d|w)$/.exec(text.trim().replace(/^'|'$/g, ''));
  if (!m) throw new Error(`error parsing interval ${text}`);
  return Number(m[1]) * UNIT_SECONDS[m[2]];
}

/** Go's time.RFC3339Nano in UTC: no trailing zeros in the fraction, "Z" for the zone. */
function rfc3339Nano(d: Date): string {
  return d.toISOString().replace(/\.(\d*?)0*Z$/, (_m, frac: string) => (frac ? `.${frac}Z` : 'Z'));
}

function evaluate(name: string, args: string[], range: TimeRange): string {
  const needColumn = () => {
    if (!args[0]) throw new Error(`missing time column argument for macro ${name}`);
  };
  switch (name) {
    case '__time':
      needColumn();
      return `${args[0]} AS "time"`;
    case '__timeEpoch':
      needColumn();
      return `extract(epoch from ${args[0]}) as "time"`;
    case '__timeFilter':
      needColumn();
      return `${args[0]} BETWEEN '${rfc3339Nano(range.from)}' AND '${rfc3339Nano(range.to)}'`;
    case '__timeFrom':
      return `'${rfc3339Nano(range.from)}'`;
    case '__timeTo':
      return `'${rfc3339Nano(range.to)}'`;
    case '__timeGroup': {
      if (args.length < 2) throw new Error(`macro ${name} needs time column and interval and optional fill value`);
      const s = intervalSeconds(args[1]);
      return `floor(extract(epoch from ${args[0]})/${s})*${s}`;
    }
    case '__timeGroupAlias':
      return `${evaluate('__timeGroup', args, range)} AS "time"`;
    case '__unixEpochFilter':
      needColumn();
      return `${args[0]} >= ${Math.floor(range.from.getTime() / 1000)} AND ${args[0]} <= ${Math.floor(range.to.getTime() / 1000)}`;
    default:
      throw new Error(`unknown macro "${name}"`);
  }
}

/** Step 2, the backend macro engine. */
export function expandMacros(sql: string, range: TimeRange): string {
  return sql.replace(MACRO, (whole, name: string, rawArgs: string, offset: number) => {
    // Grafana's pre-5.3 rule: $__timeGroup directly followed by a comma means $__timeGroupAlias.
    const macro = name === '__timeGroup' && sql[offset + whole.length] === ',' ? '__timeGroupAlias' : name;
    return evaluate(
      macro,
      rawArgs.split(',').map((a) => a.trim()),
      range,
    );
  });
}

/** Both steps, in Grafana's order. */
export function grafanaSql(
  sql: string,
  opts: { range: TimeRange; interval: string; vars: Record<string, VariableValue> },
): string {
  return expandMacros(interpolateVariables(sql, opts.vars, opts.interval), opts.range);
}
