// Shared Vitest settings for every package: resolve workspace packages to their
// TypeScript sources (the `source` export condition) so tests never need a build.
import { defineConfig } from 'vitest/config';

export function packageConfig(name: string) {
  return defineConfig({
    resolve: { conditions: ['source'] },
    ssr: { resolve: { conditions: ['source'] } },
    test: {
      name,
      include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
      testTimeout: 60_000,
    },
  });
}
