// Three tiers (STYLE.md §10): unit specs beside the code, integration and e2e suites under
// test/ that run against the real Kafka, PostgreSQL and Redis.
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2022',
    },
    module: { type: 'commonjs' },
  },
];
const libs = ['config', 'contracts', 'kafka', 'anonymizer', 'rules', 'storage', 'observability', 'pipeline', 'redis'];
const moduleNameMapper = Object.fromEntries(
  libs.flatMap((l) => [
    [`^@app/${l}$`, `<rootDir>/libs/${l}/src`],
    [`^@app/${l}/(.*)$`, `<rootDir>/libs/${l}/src/$1`],
  ]),
);
// @platformatic/kafka (KAFKA_PRODUCER_CLIENT=platformatic) ships ES modules only: Node requires them
// natively (>= 20.19), jest's module registry only once compiled to CommonJS like our sources.
const esmPackages = '@platformatic';
const common = {
  transform: { '^.+\\.ts$': swc, [`node_modules/${esmPackages}/.+\\.js$`]: swc },
  transformIgnorePatterns: [`/node_modules/(?!${esmPackages}/)`],
  moduleNameMapper,
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'json'],
};

module.exports = {
  projects: [
    {
      ...common,
      displayName: 'unit',
      roots: ['<rootDir>/apps', '<rootDir>/libs', '<rootDir>/test/unit'],
      testMatch: ['**/*.spec.ts'],
    },
    {
      ...common,
      displayName: 'integration',
      roots: ['<rootDir>/test/integration'],
      testMatch: ['**/*.test.ts'],
      setupFilesAfterEnv: ['<rootDir>/test/support/timeout-integration.ts'],
    },
    // The fault matrix (npm run test:faults): not part of npm test's projects.
    { ...common, displayName: 'faults', roots: ['<rootDir>/test/faults'], testMatch: ['**/*.test.ts'] },
    {
      ...common,
      displayName: 'e2e',
      roots: ['<rootDir>/test/e2e'],
      testMatch: ['**/*.test.ts'],
      setupFilesAfterEnv: ['<rootDir>/test/support/timeout-e2e.ts'],
    },
  ],
};
