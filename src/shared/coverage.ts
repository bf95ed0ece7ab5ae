/** Share of all chunks that have a vector, over folders (1 when there are no chunks). */
export function embeddedShare(folders: ReadonlyArray<{ chunks: number; embedded: number }>): number {
  let chunks = 0;
  let embedded = 0;
  for (const folder of folders) {
    chunks += folder.chunks;
    embedded += folder.embedded;
  }
  return chunks === 0 ? 1 : embedded / chunks;
}
