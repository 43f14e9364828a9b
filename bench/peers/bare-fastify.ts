import Fastify from 'fastify';

/**
 * The ingest ceiling's reference: a bare Fastify server that parses the body as any Fastify
 * route would (its default JSON parser) and answers 202 without doing anything else.
 * Started as its own process (PORT in the environment) so it gets a core like the API does.
 */
async function main(): Promise<void> {
  const port = Number(process.argv[2] ?? 0);
  const app = Fastify({ logger: false, bodyLimit: 10 * 1024 * 1024 });
  app.post('/grafana-usage-report', async (_req, reply) => reply.code(202).send({ message: 'ok' }));
  app.get('/ready', async () => ({ status: 'ok' }));
  await app.listen({ port, host: '127.0.0.1' });
  const stop = () => void app.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`bare-fastify failed: ${String(err)}\n`);
  process.exit(1);
});
