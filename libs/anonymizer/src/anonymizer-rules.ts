import 'reflect-metadata';
import { Type } from 'class-transformer';
import { IsArray, IsOptional, IsString, ValidateNested } from 'class-validator';
import type { EventKind } from '@app/contracts';

/** What the anonymizer does to one payload kind; paths as in field-paths.ts. */
export interface KindFieldLists {
  /** Identifiers replaced by their keyed pseudonym. */
  hash: string[];
  /** Direct personal data, removed. */
  remove: string[];
  /** Subtrees whose strings are scrubbed of e-mail and IP addresses (`*`: the whole payload). */
  scrub: string[];
}

/**
 * Labels that identify a machine or a person by an id: pseudonymized, so series stay apart and
 * joinable without naming anyone. `instance` and `pod` name a host (often with its address).
 */
const IDENTITY_LABELS = [
  'instance',
  'host',
  'hostname',
  'id',
  'pod',
  'user',
  'username',
  'login',
  'user_id',
  'uid',
  'ip',
  'client_ip',
];
/** Labels that spell a person out (a full name, an address): removed. */
const PERSON_LABELS = ['user_login', 'user_name', 'user_email', 'email'];
const labelPaths = (labels: string[]) => labels.flatMap((l) => [`grouping.${l}`, `families.*.samples.*.labels.${l}`]);

/**
 * Safe defaults (docs/privacy.md lists every field): every identifier the clients are known to
 * send is pseudonymized, every direct identifier removed, and every string of every payload
 * scrubbed of e-mail and IP addresses.
 */
export const DEFAULT_FIELD_LISTS: Record<EventKind, KindFieldLists> = {
  usage_report: { hash: ['usageStatsId'], remove: [], scrub: ['*'] },
  analytics: {
    hash: ['user.id', 'host.hostname'],
    remove: [
      'user.login',
      'user.email',
      'user.name',
      'user.avatarUrl',
      'user.gravatarUrl',
      'user.orgName',
      'user_login',
      'user_name',
    ],
    scrub: ['*'],
  },
  metrics: { hash: labelPaths(IDENTITY_LABELS), remove: labelPaths(PERSON_LABELS), scrub: ['*'] },
};

/** One kind's lists in CONFIG_FILE; a list given replaces that list's default. */
export class KindFieldListsConfig {
  @IsOptional() @IsArray() @IsString({ each: true }) hash?: string[];
  @IsOptional() @IsArray() @IsString({ each: true }) remove?: string[];
  @IsOptional() @IsArray() @IsString({ each: true }) scrub?: string[];
}

/** The `anonymizer` section of CONFIG_FILE. */
export class AnonymizerFileConfig {
  @IsOptional() @ValidateNested() @Type(() => KindFieldListsConfig) usage_report?: KindFieldListsConfig;
  @IsOptional() @ValidateNested() @Type(() => KindFieldListsConfig) analytics?: KindFieldListsConfig;
  @IsOptional() @ValidateNested() @Type(() => KindFieldListsConfig) metrics?: KindFieldListsConfig;
}

export function fieldListsFrom(file?: AnonymizerFileConfig): Record<EventKind, KindFieldLists> {
  const merge = (kind: EventKind): KindFieldLists => ({
    hash: file?.[kind]?.hash ?? DEFAULT_FIELD_LISTS[kind].hash,
    remove: file?.[kind]?.remove ?? DEFAULT_FIELD_LISTS[kind].remove,
    scrub: file?.[kind]?.scrub ?? DEFAULT_FIELD_LISTS[kind].scrub,
  });
  return { usage_report: merge('usage_report'), analytics: merge('analytics'), metrics: merge('metrics') };
}
