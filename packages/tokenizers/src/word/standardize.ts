// Text standardisation before word splitting, as the seeds' IMDB pipeline: lower-case,
// strip HTML, fix abbreviations, unify sentence ends and mark them with an EOS token,
// drop punctuation. Every step is an option; IMDB_STANDARDIZE is the seed's recipe.
import { z } from 'zod';

export const standardizeSchema = z.strictObject({
  lowercase: z.boolean().optional(),
  /** Replace HTML tags such as `<br />` with a space. */
  stripHtml: z.boolean().optional(),
  /** Literal replacements, in order, after lower-casing (e.g. `["mr.", "mr"]`). */
  replacements: z.array(z.tuple([z.string(), z.string()])).optional(),
  /** `!` and `?` end sentences too: turn them into `.`. */
  unifySentenceEnds: z.boolean().optional(),
  /** Replace each sentence-ending `.` run with this token (e.g. `<eos>`). */
  sentenceEndToken: z.string().min(1).optional(),
  /** Remove punctuation and symbols (Unicode P and S), as Keras' `lower_and_strip_punctuation`. */
  removePunctuation: z.boolean().optional(),
});

export type StandardizeOptions = z.infer<typeof standardizeSchema>;

/** The seeds' IMDB review standardisation. */
export const IMDB_STANDARDIZE: Readonly<StandardizeOptions> = Object.freeze<StandardizeOptions>({
  lowercase: true,
  stripHtml: true,
  replacements: [
    ['mr.', 'mr'],
    ['mrs.', 'mrs'],
    ['ms.', 'ms'],
    ['dr.', 'dr'],
  ],
  unifySentenceEnds: true,
  sentenceEndToken: '<eos>',
  removePunctuation: true,
});

const HTML_TAG = /<[^>]*>/g;
const PUNCTUATION = /[\p{P}\p{S}]/gu;
// A private-use character stands in for sentence ends while punctuation is removed.
const END_MARK = '\uE000';

export function standardize(text: string, options: StandardizeOptions): string {
  let out = text;
  if (options.lowercase) out = out.toLowerCase();
  if (options.stripHtml) out = out.replace(HTML_TAG, ' ');
  for (const [from, to] of options.replacements ?? []) out = out.replaceAll(from, to);
  if (options.unifySentenceEnds) out = out.replace(/[!?]/g, '.');
  if (options.sentenceEndToken !== undefined) out = out.replace(/\.+/g, ` ${END_MARK} `);
  if (options.removePunctuation) out = out.replace(PUNCTUATION, '');
  if (options.sentenceEndToken !== undefined) out = out.replaceAll(END_MARK, options.sentenceEndToken);
  return out;
}
