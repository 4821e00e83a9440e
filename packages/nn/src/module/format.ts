// Small formatting helpers for printing modules the way PyTorch does: Python's float
// repr (`1e-05`, `0.1`, `0.0`), its tuple repr (`(768,)`), and `_addindent`.

/** A number as Python's repr prints a float: `1e-05`, `0.1`, `1.0`, `inf`. */
export function pyFloat(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e16)) {
    // Python pads the exponent to two digits: 1e-05, 1.5e+20.
    const [mantissa, exponent] = value.toExponential().split('e') as [string, string];
    const sign = exponent.startsWith('-') ? '-' : '+';
    const digits = exponent.replace(/^[+-]/, '').padStart(2, '0');
    return `${mantissa}e${sign}${digits}`;
  }
  const text = String(value);
  return Number.isInteger(value) ? `${text}.0` : text;
}

/** A shape as a Python tuple: `(768,)`, `(2, 3)`. */
export function pyTuple(values: readonly number[]): string {
  return values.length === 1 ? `(${values[0]},)` : `(${values.join(', ')})`;
}

/** Indents every line but the first (PyTorch's `_addindent`). */
export function addIndent(text: string, spaces: number): string {
  const lines = text.split('\n');
  if (lines.length === 1) return text;
  const pad = ' '.repeat(spaces);
  return [lines[0], ...lines.slice(1).map((line) => pad + line)].join('\n');
}

/** 124439808 → `124,439,808`. */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}
