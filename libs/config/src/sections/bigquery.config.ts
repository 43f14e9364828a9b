import { IsInt, IsOptional, IsString, IsUrl, Matches, Max, Min } from 'class-validator';
import { Env } from '../env.decorator';

/**
 * BigQuery store (streaming inserts through the official client). Sections validate on their
 * own, so "required when STORAGE_TYPE includes bigquery" is enforced by the store at start.
 */
export class BigQueryConfig {
  /** Required when STORAGE_TYPE includes bigquery (checked when the store is built). */
  @Env('BIGQUERY_PROJECT_ID')
  @IsOptional()
  @Matches(/^[a-z][a-z0-9.:-]{4,127}$/, { message: 'must be a Google Cloud project id, e.g. my-project-123' })
  projectId?: string;

  @Env('BIGQUERY_DATASET', { default: 'usage_stats' })
  @Matches(/^[A-Za-z0-9_]{1,1024}$/, { message: 'must be letters, digits and underscores' })
  dataset!: string;

  @Env('BIGQUERY_TABLE', { default: 'events' })
  @Matches(/^[A-Za-z0-9_-]{1,1024}$/, { message: 'must be letters, digits, underscores and dashes' })
  table!: string;

  /** Service-account key file. Without it (and without an endpoint override) the store refuses to start. */
  @Env('BIGQUERY_CREDENTIALS_FILE', { default: '/etc/secrets/bigquery.json' })
  @IsString()
  credentialsFile!: string;

  /** Location for a dataset this store creates (e.g. US, EU); BigQuery's default when unset. */
  @Env('BIGQUERY_LOCATION')
  @IsOptional()
  @IsString()
  location?: string;

  /** Another API endpoint (emulators, tests, private endpoints), e.g. http://localhost:9050. */
  @Env('BIGQUERY_API_ENDPOINT')
  @IsOptional()
  @IsUrl(
    { require_tld: false, require_protocol: true, protocols: ['http', 'https'] },
    { message: 'must be an http:// or https:// URL' },
  )
  apiEndpoint?: string;

  /** Rows per insertAll request (Google recommends 500; the API allows 50000). */
  @Env('BIGQUERY_MAX_ROWS_PER_REQUEST', { default: 500 })
  @IsInt()
  @Min(1)
  @Max(50000)
  maxRowsPerRequest!: number;

  @Env('BIGQUERY_TIMEOUT_MS', { default: 30000 })
  @IsInt()
  @Min(100)
  @Max(600000)
  timeoutMs!: number;
}
