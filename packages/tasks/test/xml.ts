// A strict, small XML parser for tests: it accepts only well-formed markup (one root,
// balanced tags, quoted attributes, no duplicate attribute, `<` and `&` only as markup or
// entity) and returns the element tree, so a test can count what a page really holds
// without trusting the code that wrote it.

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  /** The element's own text (entities decoded), children's text left out. */
  text: string;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(text: string, where: string): string {
  return text.replace(/&([^;\s&<]*);?/g, (whole, body: string) => {
    if (!whole.endsWith(';')) throw new Error(`bare '&' in ${where}`);
    if (body.startsWith('#x')) return String.fromCodePoint(Number.parseInt(body.slice(2), 16));
    if (body.startsWith('#')) return String.fromCodePoint(Number.parseInt(body.slice(1), 10));
    const value = ENTITIES[body];
    if (value === undefined) throw new Error(`unknown entity &${body}; in ${where}`);
    return value;
  });
}

const NAME = /^[A-Za-z_][\w.:-]*/;

function parseAttributes(source: string, tag: string): Record<string, string> {
  const attrs: Record<string, string> = {};
  let rest = source.trim();
  while (rest.length > 0) {
    const m = /^([A-Za-z_][\w.:-]*)="([^"<]*)"(\s+|$)/.exec(rest);
    if (!m) throw new Error(`malformed attribute in <${tag}>: ${rest.slice(0, 40)}`);
    if (Object.hasOwn(attrs, m[1]!)) throw new Error(`duplicate attribute ${m[1]} in <${tag}>`);
    attrs[m[1]!] = decode(m[2]!, `<${tag} ${m[1]}>`);
    rest = rest.slice(m[0].length);
  }
  return attrs;
}

/** Parses `source` (an optional `<!DOCTYPE …>` first) into its root element; throws when not well-formed. */
export function parseXml(source: string): XmlElement {
  let i = 0;
  const doctype = /^\s*<!DOCTYPE [^<>]*>/.exec(source);
  if (doctype) i = doctype[0].length;
  const stack: XmlElement[] = [];
  let root: XmlElement | null = null;
  while (i < source.length) {
    const lt = source.indexOf('<', i);
    const text = source.slice(i, lt === -1 ? source.length : lt);
    if (stack.length === 0) {
      if (text.trim() !== '') throw new Error(`text outside the root: ${text.trim().slice(0, 40)}`);
    } else {
      if (text.includes('>')) throw new Error(`raw '>' in text: ${text.slice(0, 40)}`);
      stack.at(-1)!.text += decode(text, `<${stack.at(-1)!.name}>`);
    }
    if (lt === -1) break;
    const gt = source.indexOf('>', lt);
    if (gt === -1) throw new Error('unclosed tag at the end');
    const tag = source.slice(lt + 1, gt);
    i = gt + 1;
    if (tag.startsWith('!--')) {
      const end = source.indexOf('-->', lt);
      if (end === -1) throw new Error('unclosed comment');
      i = end + 3;
      continue;
    }
    if (tag.startsWith('/')) {
      const name = tag.slice(1).trim();
      const open = stack.pop();
      if (!open || open.name !== name) throw new Error(`</${name}> closes <${open?.name ?? 'nothing'}>`);
      continue;
    }
    const selfClosing = tag.endsWith('/');
    const body = selfClosing ? tag.slice(0, -1) : tag;
    const name = NAME.exec(body)?.[0];
    if (!name) throw new Error(`bad tag <${tag.slice(0, 40)}>`);
    const element: XmlElement = {
      name,
      attrs: parseAttributes(body.slice(name.length), name),
      children: [],
      text: '',
    };
    if (stack.length > 0) stack.at(-1)!.children.push(element);
    else if (root) throw new Error(`a second root <${name}>`);
    else root = element;
    if (!selfClosing) stack.push(element);
  }
  if (stack.length > 0) throw new Error(`<${stack.at(-1)!.name}> is never closed`);
  if (!root) throw new Error('no root element');
  return root;
}

/** Every element below `root` (itself included) that `match` accepts, in document order. */
export function findAll(root: XmlElement, match: (e: XmlElement) => boolean): XmlElement[] {
  const out: XmlElement[] = [];
  const visit = (e: XmlElement) => {
    if (match(e)) out.push(e);
    for (const child of e.children) visit(child);
  };
  visit(root);
  return out;
}

/** Elements of tag `name`, optionally with `cls` among their classes. */
export const byTag = (name: string, cls?: string) => (e: XmlElement) =>
  e.name === name && (cls === undefined || (e.attrs.class ?? '').split(/\s+/).includes(cls));
