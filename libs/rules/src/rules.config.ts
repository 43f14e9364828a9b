import 'reflect-metadata';
import { Type } from 'class-transformer';
import { IsArray, IsObject, IsOptional, IsString, ValidateNested } from 'class-validator';

/** `map`: replace the values of a field through a lookup table. */
export class MapOperation {
  @IsString() path!: string;
  @IsObject() values!: Record<string, unknown>;
  /** Value for anything not in `values`; without it such values are kept as they are. */
  @IsOptional() default?: unknown;
}

/**
 * One step of a kind's rule list: a filter (`drop`) or one field operation, optionally only
 * `when` a condition holds. Conditions are MongoDB-style queries (the `sift` library).
 */
export class RuleStep {
  @IsOptional() @IsString() name?: string;
  @IsOptional() @IsObject() when?: Record<string, unknown>;
  @IsOptional() @IsObject() drop?: Record<string, unknown>;
  @IsOptional() @IsObject() rename?: Record<string, string>;
  @IsOptional() @IsArray() @IsString({ each: true }) remove?: string[];
  @IsOptional() @IsObject() set?: Record<string, unknown>;
  @IsOptional() @IsArray() @IsString({ each: true }) keepOnly?: string[];
  @IsOptional() @ValidateNested() @Type(() => MapOperation) map?: MapOperation;
  @IsOptional() @IsArray() @IsString({ each: true }) hash?: string[];
}

export const OPERATIONS = ['drop', 'rename', 'remove', 'set', 'keepOnly', 'map', 'hash'] as const;
export type OperationName = (typeof OPERATIONS)[number];

/** The `rules` section of CONFIG_FILE: ordered steps per payload kind; `all` runs first for every kind. */
export class RulesConfig {
  @IsOptional() @IsArray() @ValidateNested({ each: true }) @Type(() => RuleStep) all?: RuleStep[];
  @IsOptional() @IsArray() @ValidateNested({ each: true }) @Type(() => RuleStep) usage_report?: RuleStep[];
  @IsOptional() @IsArray() @ValidateNested({ each: true }) @Type(() => RuleStep) analytics?: RuleStep[];
  @IsOptional() @IsArray() @ValidateNested({ each: true }) @Type(() => RuleStep) metrics?: RuleStep[];
}
