import { childExecArgv } from './pool.supervisor';

describe('childExecArgv', () => {
  it('adds the heap cap and the growing factor to the primary flags', () => {
    expect(childExecArgv(['--enable-source-maps'], undefined, { maxHeapMb: 192, heapGrowingPercent: 200 })).toEqual([
      '--enable-source-maps',
      '--max-old-space-size=192',
      '--heap-growing-percent=200',
    ]);
  });
  it("leaves an operator's own cap alone, in flags or NODE_OPTIONS", () => {
    expect(childExecArgv(['--max-old-space-size=512'], undefined, { maxHeapMb: 192 })).toEqual([
      '--max-old-space-size=512',
    ]);
    expect(childExecArgv([], '--max_old_space_size=300', { maxHeapMb: 192 })).toEqual([]);
  });
  it("leaves an operator's own growing factor alone, and keeps adding the cap", () => {
    expect(
      childExecArgv(['--heap_growing_percent=50'], undefined, { maxHeapMb: 224, heapGrowingPercent: 200 }),
    ).toEqual(['--heap_growing_percent=50', '--max-old-space-size=224']);
  });
  it('adds nothing for a setting that is off', () => {
    expect(childExecArgv(['--inspect'], undefined, { maxHeapMb: 0, heapGrowingPercent: 0 })).toEqual(['--inspect']);
    expect(childExecArgv([], undefined, { maxHeapMb: 0, heapGrowingPercent: 150 })).toEqual([
      '--heap-growing-percent=150',
    ]);
  });
});
