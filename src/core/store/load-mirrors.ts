import type { ChunkKind } from '../../shared/types.js';
import { PostingsIndex } from '../lexical/postings-index.js';
import { chunkPostings } from '../lexical/tokenize.js';
import { selectFolders } from './folder-table.js';
import type { CommittedReads } from './rows.js';
import type { ScopeMirror } from './scope-mirror.js';

/** Fills `scope` from the committed tables and returns the postings index they hold: the in-memory mirrors as a Store opens. */
export async function loadMirrors(reads: CommittedReads, scope: ScopeMirror): Promise<PostingsIndex> {
  const [count] = await reads.all<{ n: bigint }>('SELECT count(*) AS n FROM postings');
  const n = Number(count!.n);
  const terms = new Int32Array(n);
  const chunks = new Int32Array(n);
  const tfs = new Uint16Array(n);
  let at = 0;
  await reads.readChunks('SELECT term, chunk_id, tf FROM postings ORDER BY term, chunk_id', ([t, c, f]) => {
    terms.set(t as number[], at);
    chunks.set(c as number[], at);
    tfs.set(f as number[], at);
    at += t!.length;
  });
  const ids: number[] = [];
  const files: number[] = [];
  const lengths: number[] = [];
  await reads.readChunks('SELECT id, file_id, length, hash, start_line, end_line, kind, symbol, symbols FROM chunks', (columns) => {
    const [i, f, l, hash, start, end, kind, symbol, symbols] = columns as [
      number[], number[], number[], string[], number[], number[], ChunkKind[], Array<string | null>, string[],
    ];
    ids.push(...i);
    files.push(...f);
    lengths.push(...l);
    i.forEach((id, k) =>
      scope.addChunk(id, { hash: hash[k]!, startLine: start[k]!, endLine: end[k]!, kind: kind[k]!, symbol: symbol[k]!, symbols: symbols[k]! }),
    );
  });
  await reads.readChunks("SELECT id, folder_id, path, language, provisional FROM files WHERE status = 'indexed'", ([i, d, p, l, v]) => {
    (i as number[]).forEach((id, k) =>
      scope.addFile(id, { folderId: (d as number[])[k]!, path: (p as string[])[k]!, language: (l as Array<string | null>)[k]!, provisional: (v as boolean[])[k]! }),
    );
  });
  for (const folder of await selectFolders(reads)) scope.folderNames.set(folder.id, folder.name);
  const postings = PostingsIndex.fromSorted({ terms: terms.subarray(0, at), chunks: chunks.subarray(0, at), tfs: tfs.subarray(0, at) }, { ids, files, lengths });
  // A run stopped between the fast pass and the syntax pass: its provisional chunks' postings
  // were never stored (see appendFiles in file-tables.ts), so they come from their text.
  await reads.readChunks('SELECT c.id, c.file_id, c.context, c.text FROM chunks c JOIN files f ON f.id = c.file_id WHERE f.provisional', ([i, f, context, text]) => {
    (i as number[]).forEach((id, k) => {
      const { terms: chunkTerms, counts, length } = chunkPostings({ context: (context as Array<string | null>)[k]!, text: (text as string[])[k]! });
      postings.add(id, (f as number[])[k]!, length, chunkTerms, counts);
    });
  });
  return postings;
}
