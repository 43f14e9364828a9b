import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readConfigFile } from '@app/config';
import { loadRules, RuleEngine } from './rule-engine';

const dir = mkdtempSync(join(tmpdir(), 'rules-'));
const fileWith = (text: string) => {
  const path = join(dir, `${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(path, text);
  return path;
};
const hash = (v: unknown) => `h(${String(v)})`;
const engineOf = (yaml: string) => loadRules(readConfigFile(fileWith(yaml)), { hash });
const errorOf = (yaml: string, ctx = { hash }) => {
  const path = fileWith(yaml);
  try {
    loadRules(readConfigFile(path), ctx);
  } catch (err) {
    return { path, message: (err as Error).message };
  }
  throw new Error('expected the rule file to be refused');
};

const panel = () => ({
  uuid: 'u1',
  type: 'start',
  hasFocus: true,
  options: { a: 1 },
  host: { hostname: 'h', buildInfo: { edition: 'Open Source', env: 'production' } },
  dashboard: { name: 'D', uid: 'abc' },
  user: { id: 1 },
  time: 1,
});

describe('RuleEngine', () => {
  it('keeps everything without rules', () => {
    const p = panel();
    expect(RuleEngine.empty().apply('analytics', p)).toEqual({ action: 'keep', payload: p });
  });

  it('drops on a matching filter, with the rule name', () => {
    const engine = engineOf(
      'rules:\n  analytics:\n    - name: unsaved\n      drop: { "dashboard.uid": { $in: [new] } }\n',
    );
    expect(engine.apply('analytics', { ...panel(), dashboard: { name: 'x', uid: 'new' } })).toEqual({
      action: 'drop',
      rule: 'unsaved',
    });
    expect(engine.apply('analytics', panel()).action).toBe('keep');
    expect(engine.apply('usage_report', { version: '1', metrics: {}, dashboard: { uid: 'new' } }).action).toBe('keep');
  });

  it('applies field operations in order and never mutates its input', () => {
    const engine = engineOf(`rules:
  all:
    - set: { seen: true }
  analytics:
    - remove: [options]
    - rename: { hasFocus: focus }
    - map: { path: host.buildInfo.edition, values: { "Open Source": oss } }
    - when: { "host.buildInfo.env": production }
      set: { env: prod }
    - when: { "host.buildInfo.env": staging }
      set: { env: staging }
    - hash: [dashboard.uid]
    - keepOnly: [uuid, focus, env, seen, host.buildInfo.edition, dashboard]
`);
    const input = panel();
    const out = engine.apply('analytics', input);
    expect(out).toEqual({
      action: 'keep',
      payload: {
        uuid: 'u1',
        focus: true,
        env: 'prod',
        seen: true,
        host: { buildInfo: { edition: 'oss' } },
        dashboard: { name: 'D', uid: 'h(abc)' },
      },
    });
    expect(input).toEqual(panel());
  });

  it('maps unknown values to the default when one is given', () => {
    const engine = engineOf('rules:\n  analytics:\n    - map: { path: type, values: { start: s }, default: other }\n');
    expect(engine.apply('analytics', { ...panel(), type: 'end' })).toMatchObject({ payload: { type: 'other' } });
  });

  it('runs `all` before the kind and supports wildcard paths', () => {
    const engine = engineOf('rules:\n  all:\n    - remove: ["families.*.help"]\n');
    const push = {
      job: 'j',
      families: [
        { name: 'a', help: 'x' },
        { name: 'b', help: 'y' },
      ],
    };
    expect(engine.apply('metrics', push)).toEqual({
      action: 'keep',
      payload: { job: 'j', families: [{ name: 'a' }, { name: 'b' }] },
    });
  });
});

describe('rule file validation', () => {
  it('names file, line and field of an unknown operation key', () => {
    const { path, message } = errorOf('rules:\n  analytics:\n    - drop: { type: start }\n    - rmove: [a]\n');
    expect(message).toBe(`CONFIG_FILE=${path}: line 4: rules.analytics.1.rmove: unknown field "rmove"`);
  });

  it('refuses a step with two operations', () => {
    const { message } = errorOf('rules:\n  analytics:\n    - remove: [a]\n      set: { b: 1 }\n');
    expect(message).toMatch(/line 3: rules\.analytics\.0: a rule has exactly one operation, found remove and set/);
  });

  it('refuses an unknown condition operator, and $where', () => {
    expect(errorOf('rules:\n  metrics:\n    - drop: { job: { $like: x } }\n').message).toMatch(
      /line 3: rules\.metrics\.0\.drop: invalid condition: .*\$like/,
    );
    expect(errorOf('rules:\n  metrics:\n    - drop: { $where: "true" }\n').message).toMatch(
      /rules\.metrics\.0\.drop: invalid condition/,
    );
  });

  it('refuses a wrongly typed list and a hash without a key', () => {
    expect(errorOf('rules:\n  analytics:\n    - remove: a\n').message).toMatch(
      /line 3: rules\.analytics\.0\.remove: remove must be an array/,
    );
    expect(errorOf('rules:\n  analytics:\n    - hash: [a]\n', {} as never).message).toMatch(
      /rules\.analytics\.0\.hash: .*ANONYMIZATION_KEY/,
    );
  });

  it('loads the shipped example', () => {
    const engine = loadRules(readConfigFile(join(__dirname, '../../../config/rules.example.yaml')), { hash });
    expect(engine.size).toBeGreaterThan(5);
    expect(engine.apply('analytics', { ...panel(), dashboard: { name: 'x', uid: 'new' } })).toEqual({
      action: 'drop',
      rule: 'skip-unsaved-dashboards',
    });
  });
});
