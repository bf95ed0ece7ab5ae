/**
 * Versioned migrations: entry i moves the schema from version i to i + 1. Never edit a shipped
 * entry; append a new one. Large tables have no PRIMARY KEY or UNIQUE constraint, because DuckDB's
 * ART indexes slow bulk appends (the two plain id indexes are cheap and make point lookups fast);
 * ids are assigned by the single owner (Store).
 */
export const MIGRATIONS: readonly string[][] = [
  [
    `CREATE TABLE folders (
       id INTEGER PRIMARY KEY,
       name VARCHAR NOT NULL UNIQUE,
       root VARCHAR NOT NULL UNIQUE,
       added_at BIGINT NOT NULL,
       git_head VARCHAR,
       indexed_at BIGINT
     )`,
    // status: 'indexed' | 'skipped'. Skipped files keep size/mtime so an unchanged one is not re-read.
    `CREATE TABLE files (
       id INTEGER NOT NULL,
       folder_id INTEGER NOT NULL,
       path VARCHAR NOT NULL,
       size BIGINT NOT NULL,
       mtime_ms BIGINT NOT NULL,
       hash VARCHAR,
       language VARCHAR,
       status VARCHAR NOT NULL,
       skip_reason VARCHAR,
       skip_detail VARCHAR,
       chunk_count INTEGER NOT NULL DEFAULT 0
     )`,
    `CREATE TABLE chunks (
       id INTEGER NOT NULL,
       file_id INTEGER NOT NULL,
       folder_id INTEGER NOT NULL,
       start_line INTEGER NOT NULL,
       end_line INTEGER NOT NULL,
       kind VARCHAR NOT NULL,
       symbol VARCHAR,
       symbols VARCHAR NOT NULL,
       context VARCHAR,
       text VARCHAR NOT NULL,
       hash VARCHAR NOT NULL,
       length INTEGER NOT NULL
     )`,
    // One row per (term, chunk); term is termHash() of the lower-cased term.
    `CREATE TABLE postings (
       term INTEGER NOT NULL,
       chunk_id INTEGER NOT NULL,
       tf USMALLINT NOT NULL
     )`,
    // Point lookups of ranked chunks and their files (ART indexes; ids are not unique-constrained).
    'CREATE INDEX chunks_by_id ON chunks (id)',
    'CREATE INDEX files_by_id ON files (id)',
    // Content-addressed embeddings: one vector per (model key, chunk text hash), whatever file or
    // folder the text is in. model is "id:dims:dtype"; vector is the raw little-endian float32s.
    `CREATE TABLE vectors (
       model VARCHAR NOT NULL,
       chunk_hash VARCHAR NOT NULL,
       vector BLOB NOT NULL
     )`,
  ],
  [
    // Chunk texts the model could not embed (a crash or a stuck batch, twice): not retried until the text changes.
    `CREATE TABLE embedding_failures (
       model VARCHAR NOT NULL,
       chunk_hash VARCHAR NOT NULL,
       reason VARCHAR NOT NULL
     )`,
  ],
  [
    // Semantic hits are chunk texts (hashes): find their chunks by index, not by scanning.
    'CREATE INDEX chunks_by_hash ON chunks (hash)',
  ],
  [
    // Chunked by lines in the fast first pass of a large build; re-chunked along the syntax tree next.
    'ALTER TABLE files ADD COLUMN provisional BOOLEAN DEFAULT false',
  ],
  [
    // Semantic hits now find their chunks through the in-memory mirror (ScopeMirror.chunksWithText);
    // every other use of the hash is a join, which DuckDB answers by hashing, not by the index.
    // Keeping it up to date cost a share of every commit.
    'DROP INDEX chunks_by_hash',
  ],
  [
    // Chunking changed for every kind of file but Markdown: the syntax chunker now names a split
    // definition in the piece holding its signature, a definition behind a doc comment longer than
    // a chunk, functions defined as object properties or assigned to one (JavaScript) and
    // function-like macros (C); outside Markdown, a line opening with # is no longer taken for a
    // heading (a TOML or shell comment named its chunk). Forgotten stamps make the next full walk
    // (the start's catch-up is one while any remain) re-chunk those files.
    `UPDATE files SET mtime_ms = -1, hash = NULL WHERE status = 'indexed' AND language IS DISTINCT FROM 'markdown'`,
  ],
  [
    // Comments alone in a code file (a module's doc) are chunks of kind 'comment', which lend to
    // the code they name as docs do; they were blocks, so files with blocks are re-chunked.
    `UPDATE files SET mtime_ms = -1, hash = NULL WHERE status = 'indexed' AND id IN (SELECT file_id FROM chunks WHERE kind = 'block')`,
  ],
];
