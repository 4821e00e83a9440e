// The Tokenizer view: how GPT-2's byte-level BPE, bert-base-uncased's WordPiece, characters
// and words split a text — each token coloured with its id — and, as `tensorlm tokenize
// --explain` prints them, the merge steps of every word. The packaged vocabularies are
// fetched (Vite bundles them as assets) the first time they are needed.
import { Grammar, SEED_GRAMMAR } from '@tensorlm/datasets';
import {
  bertBaseUncased,
  CharTokenizer,
  type Explanation,
  gpt2,
  type Tokenizer,
  WordTokenizer,
} from '@tensorlm/tokenizers';
import { el, palette } from '../ui/dom.js';

export const TOKENIZER_KINDS = {
  gpt2: 'GPT-2 byte-level BPE (50,257 ids)',
  bert: 'BERT WordPiece, bert-base-uncased (30,522 ids)',
  chars: 'characters (a vocabulary of this text’s characters)',
  words: 'words (a vocabulary of this text’s words)',
  grammar: 'words of the demo grammar (the trained model’s 39 ids)',
} as const;
export type TokenizerKind = keyof typeof TOKENIZER_KINDS;

const grammar = new Grammar(SEED_GRAMMAR);

/** The tokenizer for `kind`; chars and words are built from the text itself. */
async function tokenizerFor(kind: TokenizerKind, text: string): Promise<Tokenizer> {
  switch (kind) {
    case 'gpt2':
      return gpt2();
    case 'bert':
      return bertBaseUncased();
    case 'chars':
      return CharTokenizer.fromCorpus(text);
    case 'words':
      return WordTokenizer.train(text);
    case 'grammar':
      return WordTokenizer.fromVocab(grammar.vocab, { specialTokens: { pad: '[Pad]', eos: '[End]' } });
  }
}

/** A token as it reads: GPT-2's byte alphabet shows a leading space as Ġ and a newline as Ċ. */
function shown(token: string): string {
  return token.replaceAll('Ġ', '␣').replaceAll('Ċ', '⏎');
}

function steps(explanation: Explanation): HTMLElement {
  const list = el('ol', { class: 'explain', 'data-testid': 'explain' });
  for (const part of explanation.parts) {
    const lines = [`start: ${part.initial.map(shown).join(' ')}`];
    for (const step of part.steps) {
      const rank = step.rank === undefined ? '' : ` (rank ${step.rank})`;
      lines.push(`merge ${step.merged.map(shown).join(' + ')}${rank} → ${step.symbols.map(shown).join(' ')}`);
    }
    lines.push(`tokens: ${part.tokens.map(shown).join(' ')} = [${part.ids.join(', ')}]`);
    list.append(
      el(
        'li',
        {},
        el('strong', { text: JSON.stringify(part.text) + (part.special ? ' (special token)' : '') }),
        el('pre', { text: lines.join('\n') }),
      ),
    );
  }
  return list;
}

export function tokenizerView(): HTMLElement {
  const kind = el('select', { name: 'tokenizer', 'data-testid': 'tokenizer-kind' });
  for (const [value, text] of Object.entries(TOKENIZER_KINDS)) kind.append(el('option', { value, text }));
  const input = el('textarea', { rows: 3, cols: 60, 'data-testid': 'tokenizer-text' });
  input.value = 'Hello world! Tokenizers split text into pieces.';
  const summary = el('p', { 'data-testid': 'tokenizer-summary' });
  const tokens = el('p', { class: 'tokens', 'data-testid': 'tokens' });
  const explainBox = el(
    'details',
    {},
    el('summary', { text: 'merge steps, word by word (tensorlm tokenize --explain)' }),
  );
  const error = el('p', { class: 'error', 'data-testid': 'tokenizer-error', role: 'alert' });
  let version = 0;

  async function update(): Promise<void> {
    const mine = ++version;
    const text = input.value;
    const which = kind.value as TokenizerKind;
    error.textContent = '';
    summary.textContent = 'loading the vocabulary…';
    let explanation: Explanation;
    let tokenizer: Tokenizer;
    try {
      tokenizer = await tokenizerFor(which, text);
      explanation = tokenizer.explain(text);
    } catch (e) {
      if (mine !== version) return;
      summary.textContent = '';
      tokens.replaceChildren();
      tokens.dataset.ids = '[]';
      error.textContent = `cannot encode the text: ${e instanceof Error ? e.message : String(e)}`;
      return;
    }
    if (mine !== version) return;
    const normalized =
      explanation.normalized !== text ? `; normalized: ${JSON.stringify(explanation.normalized)}` : '';
    summary.textContent = `${explanation.ids.length} tokens for ${[...text].length} characters (${tokenizer.vocabSize.toLocaleString('en-US')} ids in the vocabulary)${normalized}`;
    tokens.dataset.ids = JSON.stringify(explanation.ids);
    tokens.dataset.kind = which;
    tokens.replaceChildren(
      ...explanation.tokens.map((token, i) =>
        el(
          'span',
          { class: 'piece', style: `background: ${palette(i, 88)}`, title: `id ${explanation.ids[i]}` },
          el('span', { class: 'text', text: shown(token) }),
          el('sub', { text: String(explanation.ids[i]) }),
        ),
      ),
    );
    explainBox.replaceChildren(explainBox.firstChild!, steps(explanation));
  }

  let timer: ReturnType<typeof setTimeout> | undefined;
  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => void update(), 120);
  });
  kind.addEventListener('change', () => void update());
  void update();

  return el(
    'section',
    {},
    el('p', { class: 'intro' }, 'Type a text and see how each tokenizer cuts it into tokens and ids.'),
    el('div', { class: 'controls' }, el('label', {}, 'tokenizer ', kind)),
    input,
    summary,
    error,
    tokens,
    explainBox,
  );
}
