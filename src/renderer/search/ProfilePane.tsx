import type { SearchResult } from '../../shared/types';
import { cachedProfilePhrase, dominantStagePhrase, profileCountPhrases, regexScanPhrase } from '../../shared/search-profile-format';

/** The timings pane: stage times, the dominant stage, what each stage handled, caches, and the engine's advice. */
export function ProfilePane({ result }: { result: SearchResult }) {
  const { profile, timings, cache } = result;
  const cached = cachedProfilePhrase(result);
  const dominant = dominantStagePhrase(result);
  const regex = regexScanPhrase(result);
  return (
    <>
      <div className="explain" aria-label="Timings">
        {cached && <span className="badge">{cached}</span>}
        {Object.entries(timings).map(([stage, ms]) => <span key={stage}>{stage} {ms.toFixed(2)} ms</span>)}
        {dominant && <strong>dominant: {dominant}</strong>}
        <span>results cache {cache.results ? 'hit' : 'miss'}</span>
        {cache.queryVector !== null && <span>query vector cache {cache.queryVector ? 'hit' : 'miss'}</span>}
        {profileCountPhrases(result).map((phrase) => <span key={phrase}>{phrase}</span>)}
        {regex && <span>regex: {regex}</span>}
      </div>
      {profile.advice.length > 0 && (
        <ul className="explain" aria-label="Search advice">
          {profile.advice.map((advice) => <li key={advice.code} data-code={advice.code}>{advice.message}</li>)}
        </ul>
      )}
    </>
  );
}
