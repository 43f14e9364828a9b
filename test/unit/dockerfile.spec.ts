import { readFileSync } from 'node:fs';
import { join } from 'node:path';

// The image is checked by reading (no Docker engine runs where the tests run): a supported
// Node.js, a numeric non-root user, a strict install, and a build context without secrets.
const root = join(__dirname, '../..');
const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
const instructions = dockerfile.split('\n').filter((l) => l.trim() && !l.trim().startsWith('#'));

interface LockFile {
  packages: Record<string, { optionalDependencies?: Record<string, string>; optional?: boolean }>;
}

describe('Dockerfile', () => {
  it('builds and runs on a supported Node.js LTS (22 or later)', () => {
    const bases = instructions.filter((l) => /^FROM\s/i.test(l)).map((l) => l.split(/\s+/)[1]);
    expect(bases).toEqual(['node:22-bookworm-slim', 'node:22-bookworm-slim']);
    for (const base of bases) expect(Number(/^node:(\d+)/.exec(base)?.[1])).toBeGreaterThanOrEqual(22);
  });

  it('runs as a numeric non-root user', () => {
    const users = instructions.filter((l) => /^USER\s/i.test(l)).map((l) => l.split(/\s+/)[1]);
    expect(users.at(-1)).toMatch(/^[1-9]\d*(:\d+)?$/);
    const lastFrom = instructions.map((l) => /^FROM\s/i.test(l)).lastIndexOf(true);
    const lastUser = instructions.map((l) => /^USER\s/i.test(l)).lastIndexOf(true);
    expect(lastUser).toBeGreaterThan(lastFrom);
  });

  it('installs strictly with npm ci, with no fallback that would re-resolve the lockfile', () => {
    const installs = instructions.filter((l) => /\bnpm\s+(ci|install|i)\b/.test(l));
    expect(installs).toEqual(['RUN npm ci --no-audit --no-fund']);
    expect(dockerfile).not.toMatch(/\|\|\s*npm\s+(install|i)\b/);
  });

  it('copies nothing that .dockerignore leaves out of the build context', () => {
    const ignored = readFileSync(join(root, '.dockerignore'), 'utf8')
      .split('\n')
      .filter((l) => l && !l.startsWith('#'));
    const sources = instructions
      .filter((l) => /^COPY\s/i.test(l) && !/--from=/.test(l))
      .flatMap((l) =>
        l
          .split(/\s+/)
          .slice(1, -1)
          .filter((a) => !a.startsWith('--')),
      );
    expect(sources.length).toBeGreaterThan(5);
    for (const source of sources) expect(ignored).not.toContain(source);
  });
});

describe('package-lock.json', () => {
  // npm ci refuses a lockfile that lacks an entry for any optional dependency of a locked
  // package (the other platforms' native binaries), even one it would not install.
  it('locks every optional dependency, so npm ci accepts it on any platform', () => {
    const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as LockFile;
    const missing: string[] = [];
    for (const [path, entry] of Object.entries(lock.packages)) {
      for (const dep of Object.keys(entry.optionalDependencies ?? {})) {
        if (!resolves(lock, path, dep)) missing.push(`${path || '(root)'} -> ${dep}`);
      }
    }
    expect(missing).toEqual([]);
  });
});

/** Node's lookup: node_modules/<dep> beside the package, then in each parent's node_modules. */
function resolves(lock: LockFile, from: string, dep: string): boolean {
  let dir = from;
  for (;;) {
    if (lock.packages[`${dir ? `${dir}/` : ''}node_modules/${dep}`]) return true;
    if (!dir) return false;
    const cut = dir.lastIndexOf('/node_modules/');
    dir = cut === -1 ? '' : dir.slice(0, cut);
  }
}
