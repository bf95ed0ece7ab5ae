import hljs from 'highlight.js/lib/common';

/** Quarry's language names to highlight.js's, where they differ. */
const HLJS_NAMES: Record<string, string> = { tsx: 'typescript', shell: 'bash', dockerfile: 'bash', make: 'makefile', cmake: 'cmake', vue: 'xml', svelte: 'xml', html: 'xml', toml: 'ini' };

/**
 * Highlights source and splits it into one HTML string per line. highlight.js escapes the text;
 * spans that cross a line break are closed at its end and reopened on the next line.
 */
export function highlightLines(code: string, language: string): string[] {
  const name = HLJS_NAMES[language] ?? language;
  const html = hljs.getLanguage(name) ? hljs.highlight(code, { language: name, ignoreIllegals: true }).value : escapeHtml(code);
  const lines: string[] = [];
  const open: string[] = [];
  for (const raw of html.split('\n')) {
    let line = open.join('') + raw;
    for (const tag of raw.matchAll(/<span[^>]*>|<\/span>/g)) {
      if (tag[0] === '</span>') open.pop();
      else open.push(tag[0]);
    }
    line += '</span>'.repeat(open.length);
    lines.push(line);
  }
  return lines;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
