import { childExecArgv } from './pool.supervisor';

describe('childExecArgv', () => {
  it('adds the heap cap to the primary flags', () => {
    expect(childExecArgv(['--enable-source-maps'], undefined, 192)).toEqual([
      '--enable-source-maps',
      '--max-old-space-size=192',
    ]);
  });
  it("leaves an operator's own cap alone, in flags or NODE_OPTIONS", () => {
    expect(childExecArgv(['--max-old-space-size=512'], undefined, 192)).toEqual(['--max-old-space-size=512']);
    expect(childExecArgv([], '--max_old_space_size=300', 192)).toEqual([]);
  });
  it('adds nothing when the cap is off', () => {
    expect(childExecArgv(['--inspect'], undefined, 0)).toEqual(['--inspect']);
  });
});
