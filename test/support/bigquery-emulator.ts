/**
 * A local BigQuery REST endpoint for tests of the official @google-cloud/bigquery client
 * (point it there with apiEndpoint / BIGQUERY_API_ENDPOINT). It implements the routes the
 * store uses, checking requests as the API reference documents them:
 *   GET  /bigquery/v2/projects/{p}/datasets/{d}                       datasets.get
 *   POST /bigquery/v2/projects/{p}/datasets                           datasets.insert
 *   GET  /bigquery/v2/projects/{p}/datasets/{d}/tables/{t}            tables.get
 *   POST /bigquery/v2/projects/{p}/datasets/{d}/tables                tables.insert
 *   POST /bigquery/v2/projects/{p}/datasets/{d}/tables/{t}/insertAll  tabledata.insertAll
 * insertAll validates every row against the table schema (unknown fields, missing REQUIRED
 * fields, types), honours skipInvalidRows (otherwise valid rows are "stopped") and drops rows
 * whose insertId it saw within the dedupe window, like BigQuery's best-effort dedupe.
 * Faults are scriptable: `fault` answers a whole request with an error (e.g. 503), `rowError`
 * fails chosen rows (e.g. backendError, invalid).
 */
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';

export interface Field {
  name: string;
  type: string;
  mode?: string;
  fields?: Field[];
}
export interface TableResource {
  tableReference: { projectId: string; datasetId: string; tableId: string };
  schema: { fields: Field[] };
  timePartitioning?: { type: string; field?: string };
  clustering?: { fields: string[] };
  [k: string]: unknown;
}
export interface StoredRow {
  insertId?: string;
  json: Record<string, unknown>;
}
export interface RecordedRequest {
  method: string;
  path: string;
  body: unknown;
}
export interface Fault {
  status: number;
  reason: string;
  message?: string;
  headers?: Record<string, string>;
}
export interface RowErrorSpec {
  reason: string;
  message: string;
  location?: string;
}

const TYPES: Record<string, (v: unknown) => boolean> = {
  STRING: (v) => typeof v === 'string',
  INT64: (v) => (typeof v === 'number' && Number.isInteger(v)) || (typeof v === 'string' && /^-?\d+$/.test(v)),
  FLOAT64: (v) => typeof v === 'number' || (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))),
  BOOL: (v) => typeof v === 'boolean' || v === 'true' || v === 'false',
  TIMESTAMP: (v) => typeof v === 'number' || (typeof v === 'string' && !Number.isNaN(Date.parse(v.replace(' ', 'T')))),
  JSON: (v) => {
    if (typeof v !== 'string') return v !== null && typeof v === 'object';
    try {
      JSON.parse(v);
      return true;
    } catch {
      return false;
    }
  },
};
const ALIASES: Record<string, string> = { INTEGER: 'INT64', FLOAT: 'FLOAT64', BOOLEAN: 'BOOL' };
const typeOf = (f: Field) => ALIASES[f.type] ?? f.type;
const ID = /^[A-Za-z0-9_]{1,1024}$/;
const TABLE_ID = /^[\p{L}\p{M}\p{N}\p{Pc}\p{Pd}\p{Zs}]{1,1024}$/u;
const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,299}$/;
const MAX_REQUEST_BYTES = 10 * 1024 * 1024;

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

export class BigQueryEmulator {
  readonly requests: RecordedRequest[] = [];
  /** Answers a whole request with an error when it returns one. */
  fault?: (req: RecordedRequest) => Fault | undefined;
  /** Fails one row of an insertAll (the row is not stored). */
  rowError?: (row: StoredRow, index: number) => RowErrorSpec | undefined;
  private readonly datasets = new Map<string, Record<string, unknown>>();
  private readonly tables = new Map<string, TableResource>();
  private readonly data = new Map<string, StoredRow[]>();
  private readonly seenInsertIds = new Map<string, number>();
  private server?: Server;
  url = '';

  constructor(readonly dedupeWindowMs = 60_000) {}

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', () => r()));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    await new Promise((r) => this.server?.close(r));
    this.server?.closeAllConnections();
  }

  /** Answers the next `count` requests whose path contains `route` with `fault`. */
  failNext(count: number, fault: Fault, route = ''): void {
    let left = count;
    this.fault = (req) => (left > 0 && req.path.includes(route) ? (left--, fault) : undefined);
  }

  rows(dataset: string, table: string): StoredRow[] {
    return this.data.get(`${dataset}.${table}`) ?? [];
  }

  table(dataset: string, table: string): TableResource | undefined {
    return this.tables.get(`${dataset}.${table}`);
  }

  /** Deletes a table and its rows, as someone else might. */
  dropTable(dataset: string, table: string): void {
    this.tables.delete(`${dataset}.${table}`);
    this.data.delete(`${dataset}.${table}`);
  }

  /** Creates a table directly (e.g. one with an older schema). */
  createTable(resource: TableResource): void {
    const { datasetId, tableId, projectId } = resource.tableReference;
    this.datasets.set(datasetId, { datasetReference: { projectId, datasetId } });
    this.tables.set(`${datasetId}.${tableId}`, resource);
    this.data.set(`${datasetId}.${tableId}`, []);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks);
    const path = (req.url ?? '').split('?')[0];
    let body: unknown;
    try {
      if (raw.length > MAX_REQUEST_BYTES)
        throw new HttpError(400, 'invalid', `Request payload size exceeds the limit: ${MAX_REQUEST_BYTES} bytes.`);
      if (req.method === 'POST' && !/^application\/json/.test(req.headers['content-type'] ?? ''))
        throw new HttpError(400, 'invalid', 'Content-Type must be application/json');
      body = raw.length ? JSON.parse(raw.toString()) : undefined;
    } catch (err) {
      return this.error(res, err instanceof HttpError ? err : new HttpError(400, 'parseError', 'Parse Error'));
    }
    const recorded = { method: req.method ?? 'GET', path, body };
    this.requests.push(recorded);
    const fault = this.fault?.(recorded);
    if (fault)
      return this.error(res, new HttpError(fault.status, fault.reason, fault.message ?? fault.reason), fault.headers);
    try {
      this.json(res, 200, this.route(recorded));
    } catch (err) {
      this.error(res, err instanceof HttpError ? err : new HttpError(500, 'internalError', String(err)));
    }
  }

  private route(r: RecordedRequest): unknown {
    const m =
      /^\/bigquery\/v2\/projects\/([^/]+)\/datasets(?:\/([^/]+)(?:\/tables(?:\/([^/]+)(\/insertAll)?)?)?)?$/.exec(
        r.path,
      );
    if (!m) throw new HttpError(404, 'notFound', `Not found: ${r.method} ${r.path} (not emulated)`);
    const [, project, dataset, table, insertAll] = m.map((s) => (s === undefined ? s : decodeURIComponent(s)));
    const tableSegment = r.path.includes('/tables');
    if (r.method === 'GET' && dataset && !tableSegment) return this.getDataset(project, dataset);
    if (r.method === 'POST' && !dataset) return this.insertDataset(project, r.body as Record<string, unknown>);
    if (r.method === 'GET' && table && !insertAll) return this.getTable(project, dataset!, table);
    if (r.method === 'POST' && dataset && tableSegment && !table)
      return this.insertTable(project, dataset, r.body as TableResource);
    if (r.method === 'POST' && table && insertAll)
      return this.insertAll(project, dataset!, table, r.body as Record<string, unknown>);
    throw new HttpError(404, 'notFound', `Not found: ${r.method} ${r.path} (not emulated)`);
  }

  private getDataset(project: string, dataset: string): unknown {
    const found = this.datasets.get(dataset);
    if (!found) throw new HttpError(404, 'notFound', `Not found: Dataset ${project}:${dataset}`);
    return found;
  }

  private insertDataset(project: string, body: Record<string, unknown>): unknown {
    const ref = body?.datasetReference as { projectId?: string; datasetId?: string } | undefined;
    if (!ref?.datasetId || !ID.test(ref.datasetId))
      throw new HttpError(400, 'invalid', `Invalid dataset ID "${ref?.datasetId}".`);
    if (ref.projectId && ref.projectId !== project)
      throw new HttpError(400, 'invalid', 'datasetReference.projectId does not match the URL');
    if (this.datasets.has(ref.datasetId))
      throw new HttpError(409, 'duplicate', `Already Exists: Dataset ${project}:${ref.datasetId}`);
    const resource = {
      kind: 'bigquery#dataset',
      id: `${project}:${ref.datasetId}`,
      ...body,
      datasetReference: { projectId: project, datasetId: ref.datasetId },
    };
    this.datasets.set(ref.datasetId, resource);
    return resource;
  }

  private getTable(project: string, dataset: string, table: string): unknown {
    const found = this.tables.get(`${dataset}.${table}`);
    if (!found) throw new HttpError(404, 'notFound', `Not found: Table ${project}:${dataset}.${table}`);
    return found;
  }

  private insertTable(project: string, dataset: string, body: TableResource): unknown {
    if (!this.datasets.has(dataset)) throw new HttpError(404, 'notFound', `Not found: Dataset ${project}:${dataset}`);
    const tableId = body?.tableReference?.tableId;
    if (!tableId || !TABLE_ID.test(tableId)) throw new HttpError(400, 'invalid', `Invalid table ID "${tableId}".`);
    if (this.tables.has(`${dataset}.${tableId}`))
      throw new HttpError(409, 'duplicate', `Already Exists: Table ${project}:${dataset}.${tableId}`);
    validateSchema(body.schema?.fields ?? [], body.timePartitioning, body.clustering);
    const resource = {
      kind: 'bigquery#table',
      ...body,
      tableReference: { projectId: project, datasetId: dataset, tableId },
    };
    this.tables.set(`${dataset}.${tableId}`, resource);
    this.data.set(`${dataset}.${tableId}`, []);
    return resource;
  }

  private insertAll(project: string, dataset: string, table: string, body: Record<string, unknown>): unknown {
    const resource = this.tables.get(`${dataset}.${table}`);
    if (!resource) throw new HttpError(404, 'notFound', `Not found: Table ${project}:${dataset}.${table}`);
    const rows = body?.rows;
    if (!Array.isArray(rows) || rows.length === 0)
      throw new HttpError(400, 'invalid', 'No rows present in the request.');
    if (rows.length > 50_000) throw new HttpError(400, 'invalid', 'too many rows present in the request, limit: 50000');
    const errors: Array<{ index: number; errors: Array<Record<string, string>> }> = [];
    const valid: Array<{ row: StoredRow; index: number }> = [];
    rows.forEach((row: StoredRow, index: number) => {
      if (typeof row?.json !== 'object' || row.json === null)
        throw new HttpError(400, 'invalid', `rows[${index}].json must be an object`);
      if (row.insertId !== undefined && (typeof row.insertId !== 'string' || row.insertId.length > 128))
        throw new HttpError(400, 'invalid', `rows[${index}].insertId must be a string of at most 128 characters`);
      const problems = rowProblems(resource.schema.fields, row.json, body.ignoreUnknownValues === true);
      const injected = this.rowError?.(row, index);
      if (injected)
        problems.push({
          reason: injected.reason,
          location: injected.location ?? '',
          debugInfo: '',
          message: injected.message,
        });
      if (problems.length) errors.push({ index, errors: problems });
      else valid.push({ row, index });
    });
    const anyInvalid = errors.some((e) => e.errors.some((x) => x.reason === 'invalid'));
    if (anyInvalid && body.skipInvalidRows !== true) {
      for (const { index } of valid)
        errors.push({ index, errors: [{ reason: 'stopped', location: '', debugInfo: '', message: '' }] });
    } else {
      const stored = this.data.get(`${dataset}.${table}`)!;
      for (const { row } of valid) if (!this.duplicate(`${dataset}.${table}`, row.insertId)) stored.push(row);
    }
    errors.sort((a, b) => a.index - b.index);
    return { kind: 'bigquery#tableDataInsertAllResponse', ...(errors.length ? { insertErrors: errors } : {}) };
  }

  private duplicate(table: string, insertId: string | undefined): boolean {
    if (!insertId) return false;
    const key = `${table}\u0000${insertId}`;
    const seen = this.seenInsertIds.get(key);
    const now = Date.now();
    if (seen !== undefined && now - seen < this.dedupeWindowMs) return true;
    this.seenInsertIds.set(key, now);
    return false;
  }

  private json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', ...headers }).end(JSON.stringify(body));
  }

  private error(res: ServerResponse, err: HttpError, headers?: Record<string, string>): void {
    const status =
      {
        400: 'INVALID_ARGUMENT',
        403: 'PERMISSION_DENIED',
        404: 'NOT_FOUND',
        409: 'ALREADY_EXISTS',
        429: 'RESOURCE_EXHAUSTED',
      }[err.status] ?? 'UNAVAILABLE';
    this.json(
      res,
      err.status,
      {
        error: {
          code: err.status,
          message: err.message,
          errors: [{ message: err.message, domain: 'global', reason: err.reason }],
          status,
        },
      },
      headers,
    );
  }
}

function validateSchema(
  fields: Field[],
  partitioning: TableResource['timePartitioning'],
  clustering: TableResource['clustering'],
): void {
  if (fields.length === 0) throw new HttpError(400, 'invalid', 'Schema has no fields.');
  const names = new Set<string>();
  for (const f of fields) {
    if (!FIELD_NAME.test(f.name)) throw new HttpError(400, 'invalid', `Invalid field name "${f.name}".`);
    if (names.has(f.name.toLowerCase()))
      throw new HttpError(400, 'invalid', `Field ${f.name} already exists in schema`);
    names.add(f.name.toLowerCase());
    if (!TYPES[typeOf(f)])
      throw new HttpError(400, 'invalid', `Invalid value for type: ${f.type} is not a valid value`);
    if (f.mode && !['NULLABLE', 'REQUIRED', 'REPEATED'].includes(f.mode))
      throw new HttpError(400, 'invalid', `Invalid value for mode: ${f.mode}`);
  }
  if (partitioning) {
    if (!['DAY', 'HOUR', 'MONTH', 'YEAR'].includes(partitioning.type))
      throw new HttpError(400, 'invalid', `Invalid value for type: ${partitioning.type}`);
    const col = fields.find((f) => f.name === partitioning.field);
    if (
      partitioning.field &&
      (!col || !['TIMESTAMP', 'DATE', 'DATETIME'].includes(typeOf(col)) || col.mode === 'REPEATED')
    ) {
      throw new HttpError(
        400,
        'invalid',
        `The field specified for time partitioning can only be of type TIMESTAMP, DATE or DATETIME. The type found is: ${col?.type}.`,
      );
    }
  }
  if (clustering) {
    if (clustering.fields.length > 4) throw new HttpError(400, 'invalid', 'Too many clustering fields: at most 4');
    for (const c of clustering.fields)
      if (!fields.some((f) => f.name === c))
        throw new HttpError(400, 'invalid', `The field specified for clustering cannot be found in the schema: ${c}`);
  }
}

function rowProblems(
  fields: Field[],
  json: Record<string, unknown>,
  ignoreUnknown: boolean,
): Array<Record<string, string>> {
  const problems: Array<Record<string, string>> = [];
  const invalid = (location: string, message: string) =>
    problems.push({ reason: 'invalid', location, debugInfo: '', message });
  for (const key of Object.keys(json))
    if (!ignoreUnknown && !fields.some((f) => f.name === key)) invalid(key, `no such field: ${key}.`);
  for (const f of fields) {
    const v = json[f.name];
    if (v === undefined || v === null) {
      if (f.mode === 'REQUIRED') invalid(f.name, `Missing required field: ${f.name}.`);
      continue;
    }
    const check = TYPES[typeOf(f)];
    const values = f.mode === 'REPEATED' ? (Array.isArray(v) ? v : null) : [v];
    if (values === null) invalid(f.name, `Expected an array for repeated field: ${f.name}.`);
    else if (!values.every(check))
      invalid(f.name, `Cannot convert value to ${typeOf(f).toLowerCase()}: ${JSON.stringify(v).slice(0, 100)}`);
  }
  return problems;
}
