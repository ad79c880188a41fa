// Three test tiers by file suffix (see conventions.md): unit (*.spec.ts, pure or embedded),
// int (*.int-spec.ts, one adapter against a real server), e2e (*.e2e-spec.ts, whole apps).
const fs = require('node:fs');
const path = require('node:path');
const { compilerOptions } = require('./tsconfig.base.json');

const swcrc = JSON.parse(fs.readFileSync(path.join(__dirname, '.swcrc'), 'utf8'));
const moduleNameMapper = Object.fromEntries(
  Object.entries(compilerOptions.paths).map(([alias, [target]]) => [`^${alias}$`, `<rootDir>/${target}`]),
);

const tier = (displayName, suffix, extra = {}) => ({
  displayName,
  rootDir: __dirname,
  testEnvironment: 'node',
  testMatch: [`<rootDir>/{apps,libs,tools}/**/*.${suffix}.ts`],
  transform: { '^.+\\.ts$': ['@swc/jest', { ...swcrc, swcrc: false }] },
  moduleNameMapper,
  setupFiles: ['reflect-metadata'],
  ...extra,
});

module.exports = {
  projects: [
    tier('unit', 'spec'),
    tier('int', 'int-spec'),
    tier('e2e', 'e2e-spec'),
  ],
};
