import type { SkipReason } from '../../shared/types.js';

/** Thresholds that decide whether a file's text is worth indexing. */
export interface DecodeLimits {
  /** Lines longer than this count as machine-written. */
  longLineChars: number;
  /** Skip as minified when long lines hold more than this share of the text. */
  maxLongLineShare: number;
}

export const DEFAULT_DECODE_LIMITS: DecodeLimits = { longLineChars: 1000, maxLongLineShare: 0.5 };

export type DecodedFile =
  | { ok: true; text: string; encoding: 'utf-8' | 'utf-16le' | 'utf-16be' }
  | { ok: false; reason: SkipReason; detail: string };

const BINARY_SNIFF_BYTES = 8192;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Turns raw bytes into indexable text with LF line endings, or says why not.
 * UTF-16 with a byte order mark is transcoded (as ripgrep does); other NUL-bearing files are binary.
 */
export function decodeSource(bytes: Uint8Array, limits: DecodeLimits = DEFAULT_DECODE_LIMITS): DecodedFile {
  let text: string;
  let encoding: 'utf-8' | 'utf-16le' | 'utf-16be' = 'utf-8';
  if (bytes[0] === 0xff && bytes[1] === 0xfe) encoding = 'utf-16le';
  else if (bytes[0] === 0xfe && bytes[1] === 0xff) encoding = 'utf-16be';

  if (encoding === 'utf-8') {
    const sniff = bytes.subarray(0, BINARY_SNIFF_BYTES);
    if (sniff.includes(0)) return { ok: false, reason: 'binary', detail: 'NUL byte in the first 8 KiB' };
    try {
      text = utf8.decode(bytes); // strips a UTF-8 BOM
    } catch {
      return { ok: false, reason: 'invalid-encoding', detail: 'not valid UTF-8' };
    }
  } else {
    try {
      text = new TextDecoder(encoding, { fatal: true }).decode(bytes);
    } catch {
      return { ok: false, reason: 'invalid-encoding', detail: `not valid ${encoding.toUpperCase()}` };
    }
  }

  if (text.includes('\r')) text = text.replace(/\r\n?/g, '\n');
  const minified = minifiedShare(text, limits.longLineChars);
  if (minified > limits.maxLongLineShare) {
    return {
      ok: false,
      reason: 'minified',
      detail: `${Math.round(minified * 100)}% of the text is in lines over ${limits.longLineChars} characters`,
    };
  }
  return { ok: true, text, encoding };
}

/** Share of characters that sit in lines longer than `longLineChars`. */
function minifiedShare(text: string, longLineChars: number): number {
  if (text.length <= longLineChars) return 0;
  let longChars = 0;
  let lineStart = 0;
  while (lineStart < text.length) {
    let lineEnd = text.indexOf('\n', lineStart);
    if (lineEnd === -1) lineEnd = text.length;
    const length = lineEnd - lineStart;
    if (length > longLineChars) longChars += length;
    lineStart = lineEnd + 1;
  }
  return longChars / text.length;
}
