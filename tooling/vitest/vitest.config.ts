// The shared test helpers' own tests (run by the root Vitest config with every package).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: { name: 'tooling-vitest', include: ['*.test.ts'] },
});
