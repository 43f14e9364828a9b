import type { Envelope } from '@app/contracts';
import type { RuleEngine } from '@app/rules';
import { dlq, drop, ok, StepResult } from './results';

/** Applies the CONFIG_FILE rules: a filter match drops the event; a failing rule dead-letters it. */
export function rulesStep(engine: RuleEngine): (envelope: Envelope) => StepResult<Envelope> {
  return (envelope) => {
    try {
      const outcome = engine.apply(envelope.kind, envelope.payload as Record<string, unknown>);
      if (outcome.action === 'drop') return drop(`rule:${outcome.rule}`);
      return ok({ ...envelope, payload: outcome.payload } as Envelope);
    } catch (err) {
      return dlq('rules_failed', (err as Error).message);
    }
  };
}
