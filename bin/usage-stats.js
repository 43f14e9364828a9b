#!/usr/bin/env node
'use strict';
// Launcher for the operator CLI: `npx usage-stats <command>` from the repository, and the
// Docker image's entrypoint for any command other than api/worker.
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const entry = join(__dirname, '..', 'dist', 'apps', 'cli', 'src', 'main.js');
if (!existsSync(entry)) {
  process.stderr.write(`usage-stats: ${entry} is missing; build first with \`npm run build\`\n`);
  process.exit(1);
}
require(entry);
