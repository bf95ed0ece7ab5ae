import { testModelsDir } from '../models/cache.js';

/**
 * The models folder tests load from: random-weight packs the project generates (see
 * test/models/), made once per generator version. Their vectors carry no meaning.
 */
export const TEST_MODELS_DIR = await testModelsDir();
/** Small enough to load in a test: 2 layers, 128 dimensions. */
export const TEST_MODEL = 'bert-tiny-random';
