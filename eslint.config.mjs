// Typed linting: the rules that matter here are about promises (a dropped promise in a
// pipeline is a lost event) and about imports crossing package boundaries.
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

const LIBS_BY_ALIAS = {
  group: ['../../libs/*', '../../../libs/*', '../../../../libs/*', '**/libs/*/src/*'],
  message: 'Import libs through their @app/* alias.',
};

/** Each external system's client library has one home (its adapter folder); everything else goes through it. */
const ADAPTERS = [
  { name: 'kafkajs', home: 'libs/kafka/src/**', via: '@app/kafka (runtime roles) or @app/kafka/admin (tooling)' },
  { name: 'pg', home: 'libs/storage/src/postgres/**', via: 'the PostgreSQL store in @app/storage' },
  { name: 'pg-copy-streams', home: 'libs/storage/src/postgres/**', via: 'the PostgreSQL store in @app/storage' },
  { name: 'ioredis', home: 'libs/redis/src/**', via: '@app/redis' },
  { name: '@google-cloud/bigquery', home: 'libs/storage/src/bigquery/**', via: 'the BigQuery store in @app/storage' },
];

/** no-restricted-imports for a file that may import `allowed` (an adapter's own library) and nothing else on the list. */
function restrictedImports(allowed = []) {
  const paths = ADAPTERS.filter((a) => !allowed.includes(a.name))
    .map((a) => ({ name: a.name, message: `${a.name} is imported only in ${a.home}; use ${a.via}.` }));
  return ['error', { paths, patterns: [LIBS_BY_ALIAS] }];
}

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.local/**', 'infra/kafka/target/**', '**/*.js', '**/*.mjs'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'off',
      // test/** and bench/** keep only the alias rule: they observe the real servers directly
      // (a test reads the topic, the table, the Redis keys it checks), so they may import any client.
      'no-restricted-imports': ['error', { patterns: [LIBS_BY_ALIAS] }],
    },
  },
  { files: ['apps/**/*.ts', 'libs/**/*.ts'], rules: { 'no-restricted-imports': restrictedImports() } },
  ...[...new Set(ADAPTERS.map((a) => a.home))].map((home) => ({
    files: [home],
    rules: { 'no-restricted-imports': restrictedImports(ADAPTERS.filter((a) => a.home === home).map((a) => a.name)) },
  })),
);
