// joinPath: one separator between folder and name, on either separator style.
import { describe, expect, it } from 'vitest';
import { joinPath } from './path.js';

describe('joinPath', () => {
  it('puts exactly one separator between folder and name', () => {
    expect(joinPath('runs/a', 'config.json')).toBe('runs/a/config.json');
    expect(joinPath('runs/a/', 'config.json')).toBe('runs/a/config.json');
    expect(joinPath('C:\\runs\\a\\', 'config.json')).toBe('C:\\runs\\a\\config.json');
    expect(joinPath('/', 'tmp')).toBe('/tmp');
  });

  it('treats an empty folder as the current one', () => {
    expect(joinPath('', 'config.json')).toBe('config.json');
  });

  it('appends the name as given (no normalisation)', () => {
    expect(joinPath('runs', 'checkpoint-3/model.safetensors')).toBe('runs/checkpoint-3/model.safetensors');
    expect(joinPath('runs', '../x')).toBe('runs/../x');
  });
});
