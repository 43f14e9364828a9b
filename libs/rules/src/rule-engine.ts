import type { ConfigFile, FieldPath } from '@app/config';
import type { EventKind } from '@app/contracts';
import { Condition, compileCondition } from './condition';
import { Operation, OperationContext, Payload, buildOperation } from './operations';
import { OPERATIONS, RuleStep, RulesConfig } from './rules.config';

interface CompiledStep {
  name: string;
  when?: Condition;
  drop?: Condition;
  op?: Operation;
}

export type RuleOutcome = { action: 'keep'; payload: Payload } | { action: 'drop'; rule: string };

const KINDS: EventKind[] = ['usage_report', 'analytics', 'metrics'];

/** Reports a semantic problem at a place in the rule file (file, line and field). */
export type RuleErrorFactory = (path: FieldPath, message: string) => Error;

/**
 * The compiled `rules` of CONFIG_FILE. Each kind runs `all`, then its own steps, in order; the
 * first matching `drop` ends the run. Payloads are cloned, never mutated.
 */
export class RuleEngine {
  private constructor(private readonly steps: Record<EventKind, CompiledStep[]>) {}

  static empty(): RuleEngine {
    return new RuleEngine({ usage_report: [], analytics: [], metrics: [] });
  }

  static compile(config: RulesConfig | undefined, ctx: OperationContext, fail: RuleErrorFactory): RuleEngine {
    const common = compileList(config?.all ?? [], 'all', ctx, fail);
    const steps = Object.fromEntries(
      KINDS.map((kind) => [kind, [...common, ...compileList(config?.[kind] ?? [], kind, ctx, fail)]]),
    );
    return new RuleEngine(steps as Record<EventKind, CompiledStep[]>);
  }

  get size(): number {
    return KINDS.reduce((n, k) => n + this.steps[k].length, 0);
  }

  apply(kind: EventKind, payload: Payload): RuleOutcome {
    const steps = this.steps[kind];
    if (steps.length === 0) return { action: 'keep', payload };
    let current = structuredClone(payload);
    for (const step of steps) {
      if (step.when && !step.when(current)) continue;
      if (step.drop) {
        if (step.drop(current)) return { action: 'drop', rule: step.name };
        continue;
      }
      current = step.op!(current);
    }
    return { action: 'keep', payload: current };
  }
}

function compileList(steps: RuleStep[], key: string, ctx: OperationContext, fail: RuleErrorFactory): CompiledStep[] {
  return steps.map((step, index) => compileStep(step, ['rules', key, index], ctx, fail));
}

function compileStep(
  step: RuleStep,
  path: Array<string | number>,
  ctx: OperationContext,
  fail: RuleErrorFactory,
): CompiledStep {
  const ops = OPERATIONS.filter((op) => step[op] !== undefined);
  if (ops.length !== 1) {
    throw fail(
      path,
      ops.length === 0
        ? `a rule needs one of ${OPERATIONS.join(', ')}`
        : `a rule has exactly one operation, found ${ops.join(' and ')} (split it into several rules)`,
    );
  }
  const [name] = ops;
  const condition = (key: 'when' | 'drop', query: Record<string, unknown>) => {
    try {
      return compileCondition(query);
    } catch (err) {
      throw fail([...path, key], `invalid condition: ${(err as Error).message}`);
    }
  };
  const compiled: CompiledStep = { name: step.name ?? `${String(path[1])}[${String(path[2])}].${name}` };
  if (step.when) compiled.when = condition('when', step.when);
  if (name === 'drop') {
    compiled.drop = condition('drop', step.drop!);
    return compiled;
  }
  try {
    compiled.op = buildOperation(name, step, ctx);
  } catch (err) {
    throw fail([...path, name], (err as Error).message);
  }
  return compiled;
}

/** The worker's entry: compiles the `rules` section of CONFIG_FILE, or no rules without one. */
export function loadRules(file: ConfigFile | undefined, ctx: OperationContext): RuleEngine {
  if (!file) return RuleEngine.empty();
  const config = file.section('rules', RulesConfig);
  return RuleEngine.compile(config, ctx, (path, message) => file.error(path, message));
}
