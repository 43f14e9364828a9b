import 'reflect-metadata';
import { CommanderError } from 'commander';
import { buildProgram, exitCodeOf } from './cli.program';

// The operator CLI (`npx usage-stats ...`, or the Docker image with any command but api/worker).
async function main(): Promise<void> {
  try {
    await buildProgram().parseAsync(process.argv);
  } catch (err) {
    if (!(err instanceof CommanderError)) throw err;
    process.exitCode = exitCodeOf(err);
  }
  // Every client is closed by now; exit rather than wait on a straggling socket timer.
  process.exit(process.exitCode ?? 0);
}

main().catch((err: unknown) => {
  process.stderr.write(`error: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exit(1);
});
