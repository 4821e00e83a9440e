// A strict little XML parser for tests: elements, attributes, text, the XML declaration
// and comments. It throws on anything malformed (unclosed or mismatched tags, bad
// attributes, stray '<' or '&'), which is what "well-formed" means for the SVG tests.

export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const NAME = /^[A-Za-z_:][\w:.-]*/;

function decodeEntities(text: string, at: number): string {
  return text.replace(/&([^;]*);?/g, (match, body: string) => {
    if (!match.endsWith(';')) throw new Error(`bare '&' near offset ${at}`);
    const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
    if (body in named) return named[body]!;
    if (/^#\d+$/.test(body)) return String.fromCodePoint(Number(body.slice(1)));
    if (/^#x[0-9a-f]+$/i.test(body)) return String.fromCodePoint(Number.parseInt(body.slice(2), 16));
    throw new Error(`unknown entity &${body}; near offset ${at}`);
  });
}

export function parseXml(source: string): XmlElement {
  let i = 0;
  const skipSpace = () => {
    while (i < source.length && /\s/.test(source[i]!)) i++;
  };
  const skipMisc = () => {
    for (;;) {
      skipSpace();
      if (source.startsWith('<?', i)) {
        const end = source.indexOf('?>', i);
        if (end < 0) throw new Error('unterminated processing instruction');
        i = end + 2;
      } else if (source.startsWith('<!--', i)) {
        const end = source.indexOf('-->', i);
        if (end < 0) throw new Error('unterminated comment');
        i = end + 3;
      } else return;
    }
  };
  const parseElement = (): XmlElement => {
    if (source[i] !== '<') throw new Error(`expected '<' at ${i}`);
    i++;
    const name = NAME.exec(source.slice(i))?.[0];
    if (!name) throw new Error(`bad element name at ${i}`);
    i += name.length;
    const attributes: Record<string, string> = {};
    for (;;) {
      const before = i;
      skipSpace();
      if (source.startsWith('/>', i)) {
        i += 2;
        return { name, attributes, children: [], text: '' };
      }
      if (source[i] === '>') {
        i++;
        break;
      }
      if (i === before) throw new Error(`expected whitespace before attribute at ${i}`);
      const attr = NAME.exec(source.slice(i))?.[0];
      if (!attr) throw new Error(`bad attribute name at ${i}`);
      i += attr.length;
      if (source[i] !== '=') throw new Error(`expected '=' after ${attr} at ${i}`);
      i++;
      const quote = source[i];
      if (quote !== '"' && quote !== "'") throw new Error(`unquoted attribute ${attr} at ${i}`);
      const end = source.indexOf(quote, i + 1);
      if (end < 0) throw new Error(`unterminated attribute ${attr}`);
      const raw = source.slice(i + 1, end);
      if (raw.includes('<')) throw new Error(`'<' in attribute ${attr}`);
      if (attr in attributes) throw new Error(`duplicate attribute ${attr}`);
      attributes[attr] = decodeEntities(raw, i);
      i = end + 1;
    }
    const children: XmlElement[] = [];
    let text = '';
    for (;;) {
      if (i >= source.length) throw new Error(`unclosed <${name}>`);
      if (source.startsWith('</', i)) {
        i += 2;
        const close = NAME.exec(source.slice(i))?.[0];
        if (close !== name) throw new Error(`</${close}> closes <${name}> at ${i}`);
        i += close.length;
        skipSpace();
        if (source[i] !== '>') throw new Error(`expected '>' at ${i}`);
        i++;
        return { name, attributes, children, text };
      }
      if (source.startsWith('<!--', i)) {
        const end = source.indexOf('-->', i);
        if (end < 0) throw new Error('unterminated comment');
        i = end + 3;
      } else if (source[i] === '<') {
        children.push(parseElement());
      } else {
        const next = source.indexOf('<', i);
        const chunk = source.slice(i, next < 0 ? source.length : next);
        text += decodeEntities(chunk, i);
        i += chunk.length;
      }
    }
  };
  skipMisc();
  const root = parseElement();
  skipMisc();
  if (i !== source.length) throw new Error(`content after the root element at ${i}`);
  return root;
}

/** Every element below (and including) `root`, depth first. */
export function allElements(root: XmlElement): XmlElement[] {
  return [root, ...root.children.flatMap(allElements)];
}

/** Text of an element and its descendants. */
export function textOf(el: XmlElement): string {
  return el.text + el.children.map(textOf).join('');
}
