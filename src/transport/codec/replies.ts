import { DomainError, ErrorCode, isErrorCode } from '../../domain/errors';
import { option, quoteWord, splitWords, Word } from './words';

export const PROTOCOL_VERSION = 1;

/** Builds reply lines; the socket writes are the session's business. */
export const reply = {
  /** `login=required` once the server has accounts (or serves no anonymous sessions at all). */
  greeting: (session: string, loginRequired: boolean) =>
    line(
      `OK ferry/${PROTOCOL_VERSION} ${option('session', session)} ${option('login', loginRequired ? 'required' : 'optional')} ready; type HELP`,
    ),
  ok: (...words: string[]) => line(['OK', ...words].join(' ')),
  error: (error: DomainError) => line(`ERR ${error.code} ${oneLine(error.message)}`),
  /** A reply followed by `lines.length` text lines, e.g. HELP and LIST; `fields` go on the OK line. */
  withLines: (key: string, lines: readonly string[], ...fields: string[]) =>
    [['OK', option(key, lines.length), ...fields].join(' '), ...lines].map(line).join(''),
};

export type Fields = ReadonlyMap<string, string>;

export type ReplyLine =
  | { readonly ok: true; readonly texts: readonly string[]; readonly fields: Fields }
  | { readonly ok: false; readonly code: ErrorCode; readonly message: string };

/** The client's half: reads one reply line. Throws on a line that is not a reply at all. */
export function parseReplyLine(text: string): ReplyLine {
  if (text.startsWith('ERR ')) {
    const [, code, ...message] = text.split(' ');
    return { ok: false, code: isErrorCode(code) ? code : 'INTERNAL', message: message.join(' ') };
  }
  if (text !== 'OK' && !text.startsWith('OK '))
    throw new Error(`not a reply: ${JSON.stringify(text.slice(0, 80))}`);
  return { ok: true, ...readWords(splitWords(text.slice(2))) };
}

/** Splits words into positional texts and key=value fields. */
export function readWords(words: readonly Word[]): { texts: string[]; fields: Map<string, string> } {
  const texts: string[] = [];
  const fields = new Map<string, string>();
  for (const word of words) {
    if (word.kind === 'text') texts.push(word.text);
    else fields.set(word.key, word.value);
  }
  return { texts, fields };
}

export function fileLine(name: string, fields: Readonly<Record<string, string | number>>): string {
  return [quoteWord(name), ...Object.entries(fields).map(([key, value]) => option(key, value))].join(' ');
}

function line(text: string): string {
  return `${text}\n`;
}

/** Messages may quote peer input; keep them on one line, with no control or bidi character left raw. */
function oneLine(text: string): string {
  return text
    .replace(/[\r\n]+/g, ' ')
    .replace(UNPRINTABLE, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

// eslint-disable-next-line no-control-regex -- finding control characters is the point
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
