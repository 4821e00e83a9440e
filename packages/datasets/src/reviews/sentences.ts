// A small rule-based sentence splitter for reviews: breaks after . ! ? (with closing
// quotes or brackets) followed by space, and at line breaks, including IMDB's <br />.
// It does not know abbreviations ("Mr. Smith" splits), which chunking tolerates.

const BREAK_TAG = /<br\s*\/?>/gi;
const BOUNDARY = /(?<=[.!?]['"’”)\]]*)\s+|\s*\n\s*/;

/** The sentences of `text`, trimmed, empty ones dropped. */
export function splitSentences(text: string): string[] {
  return text
    .replace(BREAK_TAG, '\n')
    .split(BOUNDARY)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
