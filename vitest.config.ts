// One Vitest run over every package (each package also has its own config, so
// `pnpm --filter <pkg> test` runs its tests alone). Tests import workspace packages
// through the `source` export condition: no build is needed to test.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      'packages/*/vitest.config.ts',
      'apps/*/vitest.config.ts',
      'tooling/*/vitest.config.ts',
      'examples/vitest.config.ts',
    ],
    reporters: ['default', './tooling/vitest/summary-reporter.ts'],
  },
});
