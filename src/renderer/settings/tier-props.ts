import type { Models, Settings } from '../../shared/contract';

/** A tier's settings: they apply at once, apart from the form's Save. */
export type TierSettings = Partial<Pick<Settings, 'modelId' | 'fastModelId' | 'embedEverything'>>;

/** What a tier's section of Settings gets from the page. */
export interface TierProps {
  /** The models installed and in use per tier; null while loading. */
  models: Models | null;
  /** A change is under way: the tiers' controls wait for it. */
  busy: boolean;
  /** Switches the engine, saves the change and says `done`. */
  apply(changes: TierSettings, done: string): void;
  /** A download turned the tier on. */
  onDownloaded(message: string): void;
}
