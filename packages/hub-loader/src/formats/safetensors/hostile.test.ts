// The hostile safetensors fixtures of fixtures/safetensors-hostile (made by
// make_fixtures.py) are refused when opened, each with an error naming the file and fault.
import { describe, expect, it } from 'vitest';
import { fixturePath } from '../../../test/torch-fixtures.js';
import { openShardedSource } from '../sharded.js';
import { openSafetensorsSource } from './safetensors-source.js';

const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => null,
    (e: unknown) => e as Error & { code: string },
  );

describe('hostile safetensors files', () => {
  it('refuses a header claiming 2^62 bytes without allocating it', async () => {
    const path = fixturePath('safetensors-hostile/header-2-62.safetensors');
    const error = await refusal(openSafetensorsSource(path));
    expect(error).toMatchObject({ code: 'SAFETENSORS_INVALID' });
    expect(error!.message).toContain(path);
    expect(error!.message).toMatch(/header length 4611686018427387904 is over/);
  });

  it('refuses overlapping data_offsets, naming the tensor', async () => {
    const error = await refusal(
      openSafetensorsSource(fixturePath('safetensors-hostile/overlapping-offsets.safetensors')),
    );
    expect(error).toMatchObject({ code: 'SAFETENSORS_INVALID' });
    expect(error!.message).toMatch(/tensor 'b': data_offsets \[4, 12\] overlap the previous tensor/);
  });

  it('refuses an index naming a missing shard, naming the shard', async () => {
    const error = await refusal(
      openShardedSource(
        fixturePath('safetensors-hostile/model.safetensors.index.json'),
        openSafetensorsSource,
      ),
    );
    expect(error).toMatchObject({ code: 'MODEL_INDEX_INVALID' });
    expect(error!.message).toMatch(/'model-00002-of-00002\.safetensors'.*does not exist/);
  });
});
