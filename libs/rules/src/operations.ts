import { get, has, pick, set, unset } from 'lodash';
import { mapFields, removeFields } from '@app/anonymizer';
import { MapOperation, OperationName, RuleStep } from './rules.config';

export type Payload = Record<string, unknown>;
/** A field operation; it may mutate the payload it is given and returns the result. */
export type Operation = (payload: Payload) => Payload;

export interface OperationContext {
  /** Keyed pseudonym for the `hash` operation; absent when no key is configured. */
  hash?: (value: unknown) => unknown;
}

function rename(mapping: Record<string, string>): Operation {
  if (Object.values(mapping).some((to) => typeof to !== 'string' || to === ''))
    throw new Error('rename maps each field to its new name (a non-empty string)');
  return (p) => {
    for (const [from, to] of Object.entries(mapping)) {
      if (!has(p, from)) continue;
      const value = get(p, from);
      unset(p, from);
      set(p, to, value);
    }
    return p;
  };
}

function mapValues(op: MapOperation): Operation {
  const table = new Map(Object.entries(op.values));
  const hasDefault = Object.prototype.hasOwnProperty.call(op, 'default');
  return (p) => {
    mapFields(p, op.path, (v) => (table.has(String(v)) ? table.get(String(v)) : hasDefault ? op.default : v));
    return p;
  };
}

/** Builds the operation of one validated step (exactly one operation key is set). */
export function buildOperation(name: Exclude<OperationName, 'drop'>, step: RuleStep, ctx: OperationContext): Operation {
  switch (name) {
    case 'rename':
      return rename(step.rename!);
    case 'remove':
      return (p) => (step.remove!.forEach((path) => removeFields(p, path)), p);
    case 'set':
      return (p) => (Object.entries(step.set!).forEach(([path, value]) => set(p, path, structuredClone(value))), p);
    case 'keepOnly':
      return (p) => pick(p, step.keepOnly!) as Payload;
    case 'map':
      return mapValues(step.map!);
    case 'hash': {
      const hash = ctx.hash;
      if (!hash) throw new Error('the hash operation needs ANONYMIZATION_KEY to be set');
      return (p) => (step.hash!.forEach((path) => mapFields(p, path, hash)), p);
    }
  }
}
