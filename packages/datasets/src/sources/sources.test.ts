import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSentiment } from './sentiment.js';
import { loadTable, readTable } from './table.js';
import { readLines, readTextFile } from './text-file.js';

const dir = mkdtempSync(join(tmpdir(), 'tensorlm-sources-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe('readTable', () => {
  it('parses CSV quoting: delimiters, doubled quotes, newlines, CRLF, BOM', async () => {
    const path = file(
      'reviews.csv',
      '\uFEFFid,review,sentiment\r\n1,"Great, really ""great"" film",positive\r\n2,"two\nlines",negative\r\n\r\n3,plain,positive',
    );
    const rows = await loadTable(path, { columns: { text: 'review', label: 'sentiment' } });
    expect(rows).toEqual([
      { text: 'Great, really "great" film', label: 'positive' },
      { text: 'two\nlines', label: 'negative' },
      { text: 'plain', label: 'positive' },
    ]);
  });

  it('maps columns by index for header-less files, and reads JSONL with a mapping', async () => {
    const tsv = file('pairs.tsv', 'a\tb\tc\nd\te\tf\n');
    expect(await loadTable(tsv, { header: false, columns: { first: 0, last: 2 } })).toEqual([
      { first: 'a', last: 'c' },
      { first: 'd', last: 'f' },
    ]);
    const jsonl = file('items.jsonl', '{"body":"x","stars":5}\n\n{"body":"y","stars":1}\n');
    expect(await loadTable(jsonl, { columns: { text: 'body', label: 'stars' } })).toEqual([
      { text: 'x', label: '5' },
      { text: 'y', label: '1' },
    ]);
  });

  it('names the file and the missing column', async () => {
    const path = file('sst.csv', 'sentence,label\nfine,1\n');
    await expect(loadTable(path, { columns: { text: 'text', label: 'label' } })).rejects.toThrow(
      /sst\.csv: column 'text' \(field 'text'\) is not in the header \(columns: sentence, label\)/,
    );
    const ragged = file('ragged.csv', 'sentence,label\nfine,1\nbroken\n');
    await expect(loadTable(ragged, { columns: { text: 'sentence', label: 'label' } })).rejects.toThrow(
      /ragged\.csv:3: column 'label' \(field 'label'\) is missing \(the row has 1 fields, the header 2\)/,
    );
    const jsonl = file('missing.jsonl', '{"body":"x"}\n{"text":"y"}\n');
    await expect(loadTable(jsonl, { columns: { text: 'body' } })).rejects.toThrow(
      /missing\.jsonl:2: column 'body' \(field 'text'\) is missing \(keys: text\)/,
    );
    await expect(loadTable(join(dir, 'nope.csv'), { columns: { a: 'a' } })).rejects.toThrow(
      /nope\.csv: no such file/,
    );
    await expect(loadTable(file('x.txt', 'a'), { columns: { a: 'a' } })).rejects.toThrow(
      /cannot tell the format/,
    );
    await expect(loadTable(file('open.csv', 'a\n"never closed\n'), { columns: { a: 'a' } })).rejects.toThrow(
      /open\.csv: line 2: a quoted field is never closed/,
    );
    await expect(loadTable(file('empty.csv', 'a,b\n'), { columns: { a: 'a' } })).rejects.toThrow(
      /no data rows/,
    );
  });

  it('streams: stopping early stops reading', async () => {
    const path = file('big.tsv', `x\n${'row\n'.repeat(10_000)}`);
    let n = 0;
    for await (const _row of readTable(path, { columns: { x: 'x' } })) if (++n === 3) break;
    expect(n).toBe(3);
  });
});

describe('sentiment files', () => {
  it('reads the GLUE SST-2 dev set: 872 rows, 444 positive and 428 negative', async () => {
    const rows = await loadSentiment('/work/shared/data/sst2/glue_dev.tsv');
    expect(rows).toHaveLength(872);
    expect(rows.filter((r) => r.label === 1)).toHaveLength(444);
    expect(rows.filter((r) => r.label === 0)).toHaveLength(428);
    expect(rows[0]!.text.length).toBeGreaterThan(0);
  });

  it('names a label that is not 0 or 1', async () => {
    const path = file('bad.csv', 'text,label\nok,1\nhmm,positive\n');
    await expect(loadSentiment(path, { columns: { text: 'text', label: 'label' } })).rejects.toThrow(
      /bad\.csv: data row 2: label "positive" is not 0 or 1/,
    );
  });
});

describe('text files', () => {
  it('reads a corpus, streams lines, and calls an empty corpus an error', async () => {
    expect(await readTextFile(file('c.txt', '\uFEFFhello'))).toBe('hello');
    await expect(readTextFile(file('e.txt', ''))).rejects.toThrow(/e\.txt: the corpus is empty/);
    await expect(readTextFile(join(dir, 'none.txt'))).rejects.toThrow(/none\.txt: no such file/);
    const lines = [];
    for await (const line of readLines(file('l.txt', 'one\r\n\ntwo\nthree'))) lines.push(line);
    expect(lines).toEqual(['one', 'two', 'three']);
  });
});
