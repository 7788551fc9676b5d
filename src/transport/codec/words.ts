/**
 * The words of a header line. A word is bare (no space, tab, quote or backslash) or quoted with "..."
 * where \" and \\ are the only escapes, so any name, spaces, quotes and UTF-8 included, can be written.
 * A bare `key=` at the start of a word makes it an option; its value may be bare or quoted.
 */
export type Word =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'option'; readonly key: string; readonly value: string };

export class WordSyntaxError extends Error {}

const OPTION_KEY = /^[a-z][a-z0-9-]*=/;
const NEEDS_QUOTES = /[\s"\\]/u;

export function splitWords(line: string): Word[] {
  const words: Word[] = [];
  let i = 0;
  while (i < line.length) {
    if (line[i] === ' ' || line[i] === '\t') {
      i++;
      continue;
    }
    const key = OPTION_KEY.exec(line.slice(i, i + 64))?.[0];
    if (key) i += key.length;
    let text = '';
    while (i < line.length && line[i] !== ' ' && line[i] !== '\t') {
      if (line[i] === '"') {
        const quoted = readQuoted(line, i);
        text += quoted.text;
        i = quoted.end;
      } else if (line[i] === '\\') {
        throw new WordSyntaxError('a backslash outside quotes');
      } else {
        text += line[i];
        i++;
      }
    }
    words.push(key ? { kind: 'option', key: key.slice(0, -1), value: text } : { kind: 'text', text });
  }
  return words;
}

function readQuoted(line: string, start: number): { text: string; end: number } {
  let text = '';
  let i = start + 1;
  while (i < line.length) {
    const ch = line[i];
    if (ch === '"') return { text, end: i + 1 };
    if (ch === '\\') {
      const next = line[i + 1];
      if (next !== '"' && next !== '\\')
        throw new WordSyntaxError('only \\" and \\\\ may follow a backslash');
      text += next;
      i += 2;
    } else {
      text += ch;
      i++;
    }
  }
  throw new WordSyntaxError('a quote is not closed');
}

/** Writes a value so that `splitWords` reads it back as one text word, quoting only when needed. */
export function quoteWord(value: string): string {
  if (value !== '' && !NEEDS_QUOTES.test(value) && !OPTION_KEY.test(value)) return value;
  return `"${value.replace(/["\\]/g, (ch) => `\\${ch}`)}"`;
}

export function option(key: string, value: string | number): string {
  return `${key}=${quoteWord(String(value))}`;
}
