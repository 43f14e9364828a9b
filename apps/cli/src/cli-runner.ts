import { CliContext } from './cli-context';
import { EXIT, InterruptedError, UsageError } from './cli-errors';

export type CommandAction<A> = (args: A, ctx: CliContext, signal: AbortSignal) => Promise<number | void>;

/**
 * Runs one command: checks its arguments (`parse`, before any configuration is read or
 * connection made), builds the context, turns SIGINT/SIGTERM into a graceful stop (a second
 * one forces the exit), and maps the outcome to the exit code: 0 done, 1 failed, 2 bad
 * arguments or configuration. Unexpected errors are reported once, here.
 */
export async function runAction<A>(parse: () => A, action: CommandAction<A>): Promise<void> {
  const abort = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (abort.signal.aborted) process.exit(EXIT.failed);
    process.stderr.write(`\n${signal}: stopping after the current batch (send it again to stop at once)\n`);
    abort.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let ctx: CliContext | undefined;
  try {
    const args = parse();
    ctx = CliContext.create();
    process.exitCode = (await action(args, ctx, abort.signal)) ?? EXIT.ok;
  } catch (err) {
    process.exitCode = report(err);
  } finally {
    await ctx?.close();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function report(err: unknown): number {
  if (err instanceof UsageError) {
    // Configuration problems come several at once, one line each: each line is an error.
    process.stderr.write(
      err.message
        .split('\n')
        .map((line) => `error: ${line}\n`)
        .join(''),
    );
    return EXIT.usage;
  }
  if (err instanceof InterruptedError) {
    process.stderr.write(`interrupted: ${err.message}\n`);
    return EXIT.failed;
  }
  const e = err as Error;
  const name = e?.name && !/^error$/i.test(e.name) ? `${e.name}: ` : '';
  process.stderr.write(`error: ${name}${e?.message ?? String(err)}\n`);
  return EXIT.failed;
}
