import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { envBindings, loadConfig, SECTIONS } from '@app/config';

const ROOT = join(__dirname, '../..');
const CHART = join(ROOT, 'deploy/helm/usage-stats-handler');
const SECRET = 'usage-stats-secrets';

interface Container {
  name: string;
  args: string[];
  env?: Array<{ name: string; value: string }>;
  envFrom?: Array<{ secretRef: { name: string } }>;
  securityContext: Record<string, unknown>;
  livenessProbe?: { httpGet: { path: string; port: string } };
  readinessProbe?: { httpGet: { path: string; port: string } };
  ports?: Array<{ name: string; containerPort: number }>;
}
interface PodSpec {
  securityContext: Record<string, unknown>;
  containers: Container[];
  initContainers?: Container[];
}
type K8s = {
  kind: string;
  apiVersion: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: any;
  data?: Record<string, string>;
};

function helm(args: string[]): { status: number | null; out: string; err: string } {
  const r = spawnSync('helm', args, { encoding: 'utf8' });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

function render(set: Record<string, string> = {}): K8s[] {
  const sets = Object.entries({ 'secrets.existingSecret': SECRET, ...set }).flatMap(([k, v]) => ['--set', `${k}=${v}`]);
  const r = helm(['template', 'rel', CHART, ...sets]);
  if (r.status !== 0) throw new Error(`helm template failed: ${r.err}`);
  return parseAllDocuments(r.out)
    .map((d) => d.toJSON() as K8s)
    .filter(Boolean);
}

const one = (objs: K8s[], kind: string, suffix: string) => {
  const found = objs.filter((o) => o.kind === kind && o.metadata.name.endsWith(suffix));
  if (found.length !== 1) throw new Error(`${found.length} ${kind} named *${suffix}`);
  return found[0];
};
const podOf = (o: K8s): PodSpec =>
  o.kind === 'CronJob' ? o.spec.jobTemplate.spec.template.spec : o.spec.template.spec;
const envOf = (c: Container) => Object.fromEntries((c.env ?? []).map((e) => [e.name, e.value]));

describe('Helm chart deploy/helm/usage-stats-handler', () => {
  const objs = render();

  it('passes helm lint', () => {
    const r = helm(['lint', CHART, '--strict', '--set', `secrets.existingSecret=${SECRET}`]);
    expect(r.out).toContain('1 chart(s) linted, 0 chart(s) failed');
    expect(r.status).toBe(0);
  });

  it('refuses to render without a secret reference, and never renders a Secret', () => {
    const r = helm(['template', 'rel', CHART]);
    expect(r.status).not.toBe(0);
    expect(r.err).toContain('secrets.existingSecret is required');
    expect(objs.filter((o) => o.kind === 'Secret')).toEqual([]);
  });

  it('renders the API (Deployment, Service, HPA), the worker, PDBs, ServiceMonitor, hook Job, refresh CronJob, rules and dashboards', () => {
    expect(objs.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'ConfigMap/rel-usage-stats-handler-dashboard-dashboard-usage',
      'ConfigMap/rel-usage-stats-handler-dashboard-fleet',
      'ConfigMap/rel-usage-stats-handler-dashboard-pipeline-health',
      'CronJob/rel-usage-stats-handler-refresh',
      'Deployment/rel-usage-stats-handler-api',
      'Deployment/rel-usage-stats-handler-worker',
      'HorizontalPodAutoscaler/rel-usage-stats-handler-api',
      'Job/rel-usage-stats-handler-migrate',
      'PodDisruptionBudget/rel-usage-stats-handler-api',
      'PodDisruptionBudget/rel-usage-stats-handler-worker',
      'PrometheusRule/rel-usage-stats-handler',
      'Service/rel-usage-stats-handler-api',
      'Service/rel-usage-stats-handler-worker',
      'ServiceMonitor/rel-usage-stats-handler',
    ]);
    const hpa = one(objs, 'HorizontalPodAutoscaler', '-api');
    expect(hpa.spec.scaleTargetRef).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: 'rel-usage-stats-handler-api',
    });
    expect(one(objs, 'Deployment', '-api').spec.replicas).toBeUndefined();
  });

  it('runs every container non-root, read-only, without privileges, with the secret by reference', () => {
    const pods = objs.filter((o) => ['Deployment', 'Job', 'CronJob'].includes(o.kind)).map(podOf);
    expect(pods).toHaveLength(4);
    for (const pod of pods) {
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
      for (const c of [...pod.containers, ...(pod.initContainers ?? [])]) {
        expect(c.securityContext).toEqual({
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          capabilities: { drop: ['ALL'] },
        });
        expect(c.envFrom).toEqual([{ secretRef: { name: SECRET } }]);
        expect(Object.keys(envOf(c)).filter((k) => /PASSWORD|API_KEY|ANONYMIZATION_KEY|TOKEN/.test(k))).toEqual([]);
      }
    }
  });

  it('sets only variables the configuration knows, with values it accepts', () => {
    const known = new Set(Object.values(SECTIONS).flatMap((S) => envBindings(new S()).map((b) => b.name)));
    const containers = objs
      .filter((o) => ['Deployment', 'Job', 'CronJob'].includes(o.kind))
      .flatMap((o) => [...podOf(o).containers, ...(podOf(o).initContainers ?? [])]);
    for (const c of containers) {
      const env = envOf(c);
      expect(Object.keys(env).filter((k) => !known.has(k))).toEqual([]);
      expect(() =>
        loadConfig({ ...env, API_KEY: 'k'.repeat(32), ANONYMIZATION_KEY: 'a'.repeat(32), POSTGRES_PASSWORD: 'p' }),
      ).not.toThrow();
    }
  });

  it('probes the health port: /health for liveness, /ready for readiness', () => {
    for (const name of ['-api', '-worker']) {
      const c = podOf(one(objs, 'Deployment', name)).containers[0];
      expect(c.livenessProbe?.httpGet).toEqual({ path: '/health', port: 'health' });
      expect(c.readinessProbe?.httpGet).toEqual({ path: '/ready', port: 'health' });
      expect(c.ports?.find((p) => p.name === 'health')?.containerPort).toBe(8081);
    }
  });

  it('runs one consumer process per worker pod and leaves migrations to the hook Job', () => {
    const worker = podOf(one(objs, 'Deployment', '-worker')).containers[0];
    expect(worker.args).toEqual(['worker']);
    expect(envOf(worker)).toMatchObject({ WORKERS: '1', POSTGRES_MIGRATE_ON_START: 'false' });
    const job = one(objs, 'Job', '-migrate');
    expect(job.metadata.annotations?.['helm.sh/hook']).toBe('pre-install,pre-upgrade');
    expect([...(podOf(job).initContainers ?? []), ...podOf(job).containers].map((c) => c.args)).toEqual([
      ['topics'],
      ['migrate'],
    ]);
    const cron = one(objs, 'CronJob', '-refresh');
    expect([cron.spec.schedule, cron.spec.concurrencyPolicy, podOf(cron).containers[0].args]).toEqual([
      '*/5 * * * *',
      'Forbid',
      ['refresh'],
    ]);
  });

  it('scrapes the API and worker metrics ports, and ships the alert rules file as a PrometheusRule', () => {
    const sm = one(objs, 'ServiceMonitor', 'rel-usage-stats-handler');
    expect(sm.spec.endpoints).toEqual([{ port: 'metrics', path: '/metrics', interval: '30s' }]);
    for (const name of ['-api', '-worker']) {
      const svc = one(objs, 'Service', name);
      expect(svc.spec.ports.find((p: { name: string }) => p.name === 'metrics')).toEqual({
        name: 'metrics',
        port: 9090,
        targetPort: 'metrics',
      });
      expect(svc.metadata.labels).toMatchObject(sm.spec.selector.matchLabels);
    }
    const shipped = parse(readFileSync(join(ROOT, 'deploy/prometheus/alerts.yml'), 'utf8')) as { groups: unknown };
    expect(one(objs, 'PrometheusRule', 'rel-usage-stats-handler').spec.groups).toEqual(shipped.groups);
  });

  it("ships each dashboard, byte for byte, as a ConfigMap labelled for Grafana's sidecar", () => {
    const dir = join(ROOT, 'deploy/grafana/dashboards');
    for (const file of readdirSync(dir)) {
      const cm = one(objs, 'ConfigMap', `-dashboard-${file.replace(/\.json$/, '')}`);
      expect(cm.metadata.labels?.grafana_dashboard).toBe('1');
      expect(cm.data?.[file]).toBe(readFileSync(join(dir, file), 'utf8').trimEnd());
    }
  });

  it("with keda.enabled, scales the worker on the lag of each store's consumer group", () => {
    const keda = render({
      'keda.enabled': 'true',
      'config.STORAGE_TYPE': 'postgres\\,remote_write',
      'config.KAFKA_CONSUMER_GROUP': 'grp',
    });
    const so = one(keda, 'ScaledObject', '-worker');
    expect(so.spec.scaleTargetRef).toEqual({ name: 'rel-usage-stats-handler-worker' });
    expect(
      so.spec.triggers.map((t: { type: string; metadata: Record<string, string> }) => [
        t.type,
        t.metadata.consumerGroup,
        t.metadata.topic,
      ]),
    ).toEqual([
      ['kafka', 'grp-postgres', 'usage-events'],
      ['kafka', 'grp-remote_write', 'usage-events'],
    ]);
    expect(one(keda, 'Deployment', '-worker').spec.replicas).toBeUndefined();
    expect(objs.filter((o) => o.kind === 'ScaledObject')).toEqual([]);
  });

  it("with grafana.datasources.enabled, provisions the datasource uids the dashboards use, the password from Grafana's environment", () => {
    const cm = one(render({ 'grafana.datasources.enabled': 'true' }), 'ConfigMap', '-datasources');
    expect(cm.metadata.labels?.grafana_datasource).toBe('1');
    const file = parse(cm.data!['usage-stats-datasources.yaml']) as {
      datasources: Array<{ uid: string; type: string; url: string; secureJsonData?: object }>;
    };
    expect(file.datasources.map((d) => [d.uid, d.type, d.url])).toEqual([
      ['usage-stats-postgres', 'grafana-postgresql-datasource', 'postgres:5432'],
      ['usage-stats-prometheus', 'prometheus', 'http://prometheus-operated:9090'],
    ]);
    expect(file.datasources[0].secureJsonData).toEqual({ password: '$USAGE_STATS_POSTGRES_PASSWORD' });
  });
});
