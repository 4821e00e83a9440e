// The independent references: folders written by fixtures/make_fixtures.py (PyTorch, its
// own float64 forward written from transformers' modeling code) load here to the same
// logits within 1e-4 and the same 20-token greedy continuation, on the cpu backend (the
// webgpu run of every folder is ./fixtures.webgpu.test.ts). The safetensors fixtures are
// checked here; the pytorch_model.bin ones with the torch reader
// (../formats/torch/torch-source.node.test.ts).
import '@tensorlm/backend-cpu';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareFixture } from '../../test/fixture-checks.js';

const FIXTURES = join(import.meta.dirname, '../../fixtures');

describe('fixtures from the independent script', () => {
  it.each([
    'gpt2-official-safetensors',
    'gpt2-f16-safetensors',
    'gpt2-sharded-safetensors',
    'gpt2-prefixed-lm-head',
  ])('%s: logits within 1e-4, 20-token greedy continuation identical', async (name) => {
    const result = await compareFixture(name);
    expect(result.shapes).toEqual(result.expectedShapes);
    expect(result.worstAbsDiff.logits).toBeLessThan(1e-4);
    expect(result.greedy!.ours).toEqual(result.greedy!.expected);
  });

  it('bert-model-no-prefix: last hidden state and pooler output within 1e-4', async () => {
    const result = await compareFixture('bert-model-no-prefix');
    expect(result.shapes).toEqual(result.expectedShapes);
    expect(result.worstAbsDiff.last_hidden_state).toBeLessThan(1e-4);
    expect(result.worstAbsDiff.pooler_output).toBeLessThan(1e-4);
  });
});

describe('savePretrained against the names transformers wrote (fixtures/names-*.json)', () => {
  it.each([['names-gpt2lmheadmodel.json'], ['names-bertformaskedlm.json']])(
    '%s: same tensor names and shapes, same config.json keys as transformers 4.46',
    async (namesFile) => {
      const { mkdtemp, rm } = await import('node:fs/promises');
      const { tmpdir } = await import('node:os');
      const { parseSafetensors } = await import('@tensorlm/nn');
      const { getArchitecture } = await import('../registry/registry.js');
      const { savePretrained } = await import('../save/save-pretrained.js');
      const ref = JSON.parse(await readFile(join(FIXTURES, namesFile), 'utf8')) as {
        architecture: string;
        configs: Record<string, Record<string, unknown>>;
        tensors: Record<string, number[]>;
      };
      const refConfig = ref.configs['4.46.3']!;
      const architecture = getArchitecture(ref.architecture)!;
      const model = architecture.build(architecture.configFromHF(refConfig));
      const dir = await mkdtemp(join(tmpdir(), 'tensorlm-hub-loader-names-'));
      await savePretrained(join(dir, 'out'), { model, extraConfig: refConfig });
      const file = parseSafetensors(await readFile(join(dir, 'out', 'model.safetensors')));
      expect(Object.fromEntries(file.tensors.map((t) => [t.name, [...t.shape]]))).toEqual(ref.tensors);
      const saved = JSON.parse(await readFile(join(dir, 'out', 'config.json'), 'utf8')) as Record<
        string,
        unknown
      >;
      const expectedKeys = Object.keys(refConfig).filter((k) => k !== 'transformers_version');
      expect(Object.keys(saved).sort()).toEqual(expectedKeys.sort());
      model.dispose();
      await rm(dir, { recursive: true, force: true });
    },
  );
});
