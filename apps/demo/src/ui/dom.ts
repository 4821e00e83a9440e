// A few DOM helpers: the views are plain TypeScript and DOM, no UI framework.

type Attrs = Record<string, string | number | boolean | undefined>;

/** An element with attributes (`text` sets textContent) and children. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (key === 'text') node.textContent = String(value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  node.append(...children);
  return node;
}

/** A labelled number input; `onChange` gets the parsed value. */
export function numberField(
  label: string,
  name: string,
  value: number,
  options: { min?: number; max?: number; step?: number | 'any'; title?: string },
  onChange: (value: number) => void,
): HTMLLabelElement {
  const input = el('input', {
    type: 'number',
    name,
    value,
    min: options.min,
    max: options.max,
    step: options.step ?? 1,
    'data-testid': `field-${name}`,
  });
  input.addEventListener('change', () => onChange(Number(input.value)));
  return el('label', { title: options.title }, `${label} `, input);
}

/** A colour per index, well apart on the hue circle. */
export function palette(i: number, lightness = 45): string {
  return `hsl(${(i * 137.508) % 360}, 65%, ${lightness}%)`;
}

export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}
