// Which model a drop is: a Hugging Face folder, a tensorlm run (its best, else latest,
// checkpoint — the CLI's rule), or neither, named with what was found.
import { describe, expect, it } from 'vitest';
import { type PickedFile, resolveModelFolder } from './folder.js';

const file = (path: string, text = '{}'): PickedFile => ({ path, file: new Blob([text]) });
const pointer = (checkpoint: string, step: number) => JSON.stringify({ checkpoint, step });

describe('resolveModelFolder', () => {
  it('takes a dropped Hugging Face folder by its top-level files, leaving subfolders out', async () => {
    const folder = await resolveModelFolder([
      file('gpt2/config.json'),
      file('gpt2/model.safetensors'),
      file('gpt2/tokenizer.json'),
      file('gpt2/onnx/model.onnx'),
    ]);
    expect(folder.kind).toBe('huggingface');
    expect(folder.label).toBe('gpt2');
    expect([...folder.files.keys()].sort()).toEqual(['config.json', 'model.safetensors', 'tokenizer.json']);
  });

  it('takes loose files by their names', async () => {
    const folder = await resolveModelFolder([file('config.json'), file('model.safetensors')]);
    expect([...folder.files.keys()].sort()).toEqual(['config.json', 'model.safetensors']);
  });

  it("takes a run folder's best checkpoint, else its latest", async () => {
    const run = [
      file('run/tensorlm-run.json'),
      file('run/latest.json', pointer('checkpoint-20', 20)),
      file('run/checkpoint-16/config.json', 'sixteen'),
      file('run/checkpoint-16/model.safetensors'),
      file('run/checkpoint-20/config.json', 'twenty'),
      file('run/checkpoint-20/model.safetensors'),
    ];
    const latest = await resolveModelFolder(run);
    expect(latest.kind).toBe('run');
    expect(latest.label).toBe('run/checkpoint-20');
    expect(await latest.files.get('config.json')!.text()).toBe('twenty');
    const best = await resolveModelFolder([...run, file('run/best.json', pointer('checkpoint-16', 16))]);
    expect(best.label).toBe('run/checkpoint-16');
    expect(await best.files.get('config.json')!.text()).toBe('sixteen');
  });

  it('refuses a pointer outside the run, and a pointer naming a checkpoint that was not dropped', async () => {
    await expect(
      resolveModelFolder([file('run/best.json', pointer('../elsewhere/checkpoint-1', 1))]),
    ).rejects.toThrow(/run\/best.json must name a checkpoint-<step> folder of its own run/);
    await expect(
      resolveModelFolder([
        file('run/best.json', pointer('checkpoint-9', 9)),
        file('run/checkpoint-1/config.json'),
      ]),
    ).rejects.toThrow(/names checkpoint-9, but the files hold no checkpoint-9\/config.json/);
  });

  it('names what it found when the folder is not a model', async () => {
    const error = await resolveModelFolder([file('photos/cat.jpg'), file('photos/notes.txt')]).catch(
      (e) => e,
    );
    expect(error.code).toBe('DEMO_NOT_A_MODEL_FOLDER');
    expect(error.message).toBe(
      'photos is not a model folder: it has no config.json (a Hugging Face folder) and no best.json / latest.json (a tensorlm run folder); found cat.jpg, notes.txt',
    );
    await expect(resolveModelFolder([])).rejects.toThrow(/no files were given/);
  });
});
