import { parseCpuMax, ReadText, usableCpus } from './cpu-quota';

/** A reader over fixture file contents: the real /proc and /sys files of each kind of host. */
const files =
  (contents: Record<string, string>): ReadText =>
  (path) =>
    contents[path];

const V2_CONTAINER = '0::/\n';
const V1_CONTAINER = [
  '12:pids:/docker/3f1a',
  '4:cpu,cpuacct:/docker/3f1a',
  '3:cpuset:/docker/3f1a',
  '1:name=systemd:/docker/3f1a',
  '',
].join('\n');

describe('usableCpus', () => {
  it.each([
    ['2 CPUs', '200000 100000\n', 64, 2],
    ['1.5 CPUs, rounded up', '150000 100000\n', 64, 2],
    ['a quarter CPU is still one process', '25000 100000\n', 64, 1],
    ['no limit', 'max 100000\n', 8, 8],
    ['a quota above the usable CPUs', '1600000 100000\n', 4, 4],
  ])('cgroup v2 cpu.max: %s', (_name, cpuMax, available, expected) => {
    const read = files({ '/proc/self/cgroup': V2_CONTAINER, '/sys/fs/cgroup/cpu.max': cpuMax });
    expect(usableCpus(read, available)).toBe(expected);
  });

  it('cgroup v2 without cgroupns: the tightest limit among the cgroup and its ancestors', () => {
    const read = files({
      '/proc/self/cgroup': '0::/system.slice/docker-3f1a.scope\n',
      '/sys/fs/cgroup/system.slice/docker-3f1a.scope/cpu.max': '300000 100000\n',
      '/sys/fs/cgroup/system.slice/cpu.max': '200000 100000\n',
    });
    expect(usableCpus(read, 32)).toBe(2);
  });

  it('cgroup v1 inside a container: the cpu controller mount root', () => {
    const read = files({
      '/proc/self/cgroup': V1_CONTAINER,
      '/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us': '300000\n',
      '/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us': '100000\n',
    });
    expect(usableCpus(read, 16)).toBe(3);
  });

  it('cgroup v1 on a host: the process cgroup path under the controller', () => {
    const read = files({
      '/proc/self/cgroup': '5:cpu,cpuacct:/user.slice/job\n0::/\n',
      '/sys/fs/cgroup/cpu,cpuacct/user.slice/job/cpu.cfs_quota_us': '50000\n',
      '/sys/fs/cgroup/cpu,cpuacct/user.slice/job/cpu.cfs_period_us': '100000\n',
      '/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us': '-1\n',
      '/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us': '100000\n',
    });
    expect(usableCpus(read, 16)).toBe(1);
  });

  it('cgroup v1 quota -1 means no limit', () => {
    const read = files({
      '/proc/self/cgroup': '1:cpu:/\n0::/\n',
      '/sys/fs/cgroup/cpu/cpu.cfs_quota_us': '-1\n',
      '/sys/fs/cgroup/cpu/cpu.cfs_period_us': '100000\n',
    });
    expect(usableCpus(read, 2)).toBe(2);
  });

  it('a hybrid host whose unified hierarchy has no cpu controller falls back to v1', () => {
    const read = files({
      '/proc/self/cgroup': '4:cpu,cpuacct:/\n0::/\n',
      '/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us': '400000\n',
      '/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us': '100000\n',
    });
    expect(usableCpus(read, 12)).toBe(4);
  });

  it('no cgroup files at all (not Linux): the usable CPUs, at least 1', () => {
    expect(usableCpus(files({}), 6)).toBe(6);
    expect(usableCpus(files({}), 0)).toBe(1);
  });
});

describe('parseCpuMax', () => {
  it.each([
    ['200000 100000', 2],
    ['50000 100000\n', 0.5],
    ['max 100000', undefined],
    ['', undefined],
    ['garbage', undefined],
    ['0 100000', undefined],
  ])('%j -> %p', (text, expected) => {
    expect(parseCpuMax(text)).toBe(expected);
  });
});
