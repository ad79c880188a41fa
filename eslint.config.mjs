// @ts-check
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', 'coverage/**', '.infra/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  {
    files: ['**/*.spec.ts', '**/*.int-spec.ts', '**/*.e2e-spec.ts', '**/test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    // No app imports another app: shared code goes down into a lib. Only the all-in-one platform
    // (and the benchmarks, which stand in for it) compose apps.
    files: ['apps/**/*.ts', 'libs/**/*.ts'],
    ignores: ['apps/platform/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@crm/ingest-api', '@crm/projector', '@crm/query-api', '@crm/relay', '@crm/simulator', '**/apps/*/src/**'], message: 'No app imports another app (and no lib imports an app): move the shared code into a lib.' },
          ],
        },
      ],
    },
  },
  {
    // The dependency rule: the relationship science stays pure (no framework, no I/O, no clock).
    files: ['libs/domain/**/*.ts'],
    ignores: ['libs/domain/**/*.spec.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['@nestjs/*', 'ioredis', 'kafkajs', '@eventstore/*', 'better-sqlite3', 'express', 'rxjs'], message: 'libs/domain is pure: no framework or I/O imports.' },
            { group: ['fs', 'node:*', 'http', 'https', 'net', 'child_process'], message: 'libs/domain is pure: no I/O.' },
            { group: ['@crm/*', '!@crm/contracts'], message: 'libs/domain depends only on @crm/contracts.' },
            { group: ['@crm/contracts/*', 'class-validator', 'class-transformer', '@nestjs/swagger'], message: 'libs/domain uses only the pure entry of @crm/contracts (the edge loads class-validator and Nest).' },
          ],
        },
      ],
      'no-restricted-syntax': [
        'error',
        { selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']", message: 'Time comes in as an argument (asOf), never from the wall clock.' },
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'Time comes in as an argument (asOf), never from the wall clock.' },
        { selector: "CallExpression[callee.object.name='Math'][callee.property.name='random']", message: 'The domain is deterministic: no Math.random.' },
      ],
    },
  },
);
