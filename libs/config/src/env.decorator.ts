import 'reflect-metadata';

/** How one environment variable binds to one property of a config section. */
export interface EnvBinding {
  name: string;
  prop: string;
  type: 'string' | 'number' | 'boolean' | 'list';
  default?: unknown;
  /** Never echo the value (passwords, keys). */
  secret?: boolean;
}

const ENV_BINDINGS = Symbol('env-bindings');

type EnvOptions = Omit<EnvBinding, 'name' | 'prop' | 'type'> & { list?: boolean };

/**
 * Binds a section property to an environment variable. The property's TypeScript type
 * (via emitted decorator metadata) decides how the raw string is coerced; class-validator
 * decorators on the same property decide what is allowed.
 */
export function Env(name: string, options: EnvOptions = {}): PropertyDecorator {
  return (target, prop) => {
    const designType = Reflect.getMetadata('design:type', target, prop);
    const type: EnvBinding['type'] =
      options.list || designType === Array
        ? 'list'
        : designType === Number
          ? 'number'
          : designType === Boolean
            ? 'boolean'
            : 'string';
    const existing: EnvBinding[] = Reflect.getOwnMetadata(ENV_BINDINGS, target) ?? [];
    const binding: EnvBinding = { name, prop: String(prop), type, default: options.default, secret: options.secret };
    Reflect.defineMetadata(ENV_BINDINGS, [...existing, binding], target);
  };
}

export function envBindings(section: object): EnvBinding[] {
  return Reflect.getOwnMetadata(ENV_BINDINGS, Object.getPrototypeOf(section)) ?? [];
}
