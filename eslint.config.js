// ESLint flat config (issue 18, "Format and lint"). Formatting is Prettier's job (.prettierrc.json), not ESLint's.
import { defineConfig, globalIgnores } from 'eslint/config';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import reactHooks from 'eslint-plugin-react-hooks';
import eslintComments from '@eslint-community/eslint-plugin-eslint-comments';
import globals from 'globals';

export default defineConfig(
  globalIgnores(['dist/', 'coverage/', 'data/', '.tmp/', '.tmp-*/', 'deploy/', 'docs/']),
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { ...globals.node },
      // One TypeScript program for the whole tree (tsconfig.json): the type-aware rules below need it.
      parserOptions: { project: './tsconfig.json', tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    plugins: { '@eslint-community/eslint-comments': eslintComments },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      // A `default:` is a decision about the other cases; a switch without one must name every case.
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      // `const { secret: _secret, ...rest } = x` leaves a key out: the rest's siblings may go unused.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', ignoreRestSiblings: true }],
      // A timer declared before the closure that clears it and set after it (src/api/events.ts) stays `let`.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // Every eslint-disable says why on the same line: `// eslint-disable-next-line rule -- reason`.
      '@eslint-community/eslint-comments/require-description': 'error',
    },
  },
  {
    // Tests read answers through supertest, whose `res.body` is `any` already: an `any` there adds no unsafety.
    files: ['test/**/*.{ts,tsx}'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['src/tui/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: {
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'error',
    },
  },
  {
    // Plain JavaScript outside the TypeScript project: no type information.
    files: ['**/*.js'],
    extends: [tseslint.configs.disableTypeChecked],
  },
);
