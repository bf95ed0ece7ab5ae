import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeSource } from './decode.js';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('decodeSource', () => {
  it('decodes UTF-8 and normalises CRLF and CR to LF', () => {
    const result = decodeSource(bytes('a\r\nb\rc\n'));
    assert.deepEqual(result, { ok: true, text: 'a\nb\nc\n', encoding: 'utf-8' });
  });

  it('strips a UTF-8 byte order mark', () => {
    const result = decodeSource(Uint8Array.from([0xef, 0xbb, 0xbf, ...bytes('x = 1')]));
    assert.equal(result.ok && result.text, 'x = 1');
  });

  it('transcodes UTF-16 with a byte order mark', () => {
    const le = Buffer.from('\ufeffconst wide = 1;\r\n', 'utf16le');
    assert.deepEqual(decodeSource(le), { ok: true, text: 'const wide = 1;\n', encoding: 'utf-16le' });
    const be = Buffer.from(le).swap16();
    assert.deepEqual(decodeSource(be), { ok: true, text: 'const wide = 1;\n', encoding: 'utf-16be' });
  });

  it('calls NUL-bearing files binary', () => {
    const result = decodeSource(Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 13]));
    assert.equal(!result.ok && result.reason, 'binary');
  });

  it('rejects invalid UTF-8 with a reason', () => {
    const result = decodeSource(Uint8Array.from([0x63, 0x61, 0x66, 0xe9, 0x0a]));
    assert.equal(!result.ok && result.reason, 'invalid-encoding');
  });

  it('calls text made mostly of very long lines minified', () => {
    const result = decodeSource(bytes(`!function(){${'a=1;'.repeat(2000)}}()\n// tail\n`));
    assert.equal(!result.ok && result.reason, 'minified');
  });

  it('keeps ordinary code that has one long line among many short ones', () => {
    const code = Array.from({ length: 200 }, (_, i) => `const v${i} = ${i};`).join('\n');
    const result = decodeSource(bytes(`${code}\nconst table = "${'x'.repeat(1500)}";\n`));
    assert.equal(result.ok, true);
  });
});
