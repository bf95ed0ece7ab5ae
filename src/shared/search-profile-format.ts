/** How the CLI's --explain and the app's timings pane word a search's profile. */
import { formatDuration } from './format.js';
import type { SearchResult } from './types.js';

/** The profile's counts that apply to this search, as phrases. */
export function profileCountPhrases({ profile: { counts }, hits }: SearchResult): string[] {
  const plural = (n: number, one: string, many: string): string => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
  const phrases = [plural(counts.indexedChunks, 'chunk indexed', 'chunks indexed')];
  if (counts.phraseChunks !== null) phrases.push(plural(counts.phraseChunks, 'chunk holds the phrases', 'chunks hold the phrases'));
  if (counts.lexicalCandidates !== null) phrases.push(plural(counts.lexicalCandidates, 'lexical candidate', 'lexical candidates'));
  if (counts.regexChunksChecked !== null) phrases.push(plural(counts.regexChunksChecked, 'chunk checked by the regex', 'chunks checked by the regex'));
  if (counts.vectorsCompared !== null) phrases.push(plural(counts.vectorsCompared, 'vector compared', 'vectors compared'));
  phrases.push(
    `${plural(hits.length, 'hit', 'hits')} on this page; ranked hits span ${plural(counts.hitFolders, 'folder', 'folders')}, ` +
      plural(counts.hitLanguages, 'language', 'languages'),
  );
  return phrases;
}

/** How a regex search was narrowed, or null for other searches. */
export function regexScanPhrase({ profile: { regex } }: SearchResult): string | null {
  if (!regex) return null;
  const narrowed = regex.prefilter === 'none' ? 'no index prefilter' : `prefiltered by ${regex.prefilter} from the index`;
  return `${narrowed}; ${regex.re2 ? 'RE2 in the database, then JavaScript' : 'JavaScript only (RE2 cannot run it)'}`;
}

/** The dominant stage, its time and share, or null when no stage took measurable time. */
export function dominantStagePhrase({ profile, timings }: SearchResult): string | null {
  if (profile.dominantStage === null) return null;
  return `${profile.dominantStage} ${timings[profile.dominantStage].toFixed(1)} ms (${Math.round(profile.dominantShare * 100)}% of the stages)`;
}

/** For a cached result: that its figures are not this answer's, and how old they are; else null. */
export function cachedProfilePhrase({ profile, tookMs }: SearchResult): string | null {
  if (profile.cachedAgeMs === null) return null;
  return `from cache in ${tookMs.toFixed(1)} ms: the figures are of the search that ranked it ${formatDuration(profile.cachedAgeMs)} ago`;
}
