// Lint rules that keep the architecture honest: no console output (stdio mode owns stdout), no
// process.env outside the config lib, libs used only through their barrels, libs never importing apps.
import eslint from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const sourceFiles = ['apps/**/*.ts', 'libs/**/*.ts'];

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'libs/mcp-client/dist/', 'coverage/', 'test-artifacts/', 'bench/results/'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    files: sourceFiles,
    ignores: ['**/*.spec.ts', 'libs/mcp-client/src/testing/**'],
    rules: {
      'no-console': 'error',
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/apps/**'], message: 'Libs never import apps.' },
            {
              group: ['**/libs/*/src/**', '../../*/src/**'],
              message: 'Import another lib through its barrel (#name), never its internals.',
            },
          ],
        },
      ],
    },
  },
  {
    files: sourceFiles,
    ignores: ['libs/config/**', 'libs/mcp-client/**'],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Read settings through AppConfig (libs/config).' },
      ],
    },
  },
  {
    files: ['**/*.mjs', '**/*.cjs'],
    languageOptions: { globals: globals.node },
  },
);
