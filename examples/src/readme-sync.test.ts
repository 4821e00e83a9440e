// The READMEs' code blocks and the example files are the same text: a change to either
// without the other fails here, and a new ```ts block needs an example (or a reason).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EXAMPLES, EXCERPTS, READMES, readmeRegion, tsBlocks } from './readmes.js';

const root = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');

describe('README code blocks', () => {
  for (const { readme, block, file } of EXAMPLES) {
    it(`${readme} block ${block} is examples/src/${file}`, () => {
      const fromReadme = tsBlocks(read(readme))[block];
      expect(fromReadme, `${readme} has no ts block ${block}`).toBeDefined();
      expect(readmeRegion(read(`examples/src/${file}`))).toBe(fromReadme);
    });
  }

  it('every ts block of every README is an example or a listed excerpt', () => {
    const unlisted: string[] = [];
    for (const readme of READMES) {
      tsBlocks(read(readme)).forEach((_, block) => {
        const listed = [...EXAMPLES, ...EXCERPTS].some((e) => e.readme === readme && e.block === block);
        if (!listed) unlisted.push(`${readme} block ${block}`);
      });
    }
    expect(unlisted).toEqual([]);
  });
});
