// Where things are: the repository, the built artefacts the runners test, the tools they use.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Absolute path of the repository root. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The packaged extension (`npm run package`); ATTENTION_LENS_VSIX points the runners at another. */
export const vsixPath = path.resolve(process.env.ATTENTION_LENS_VSIX || path.join(repoRoot, 'dist-vsix', 'attention-lens.vsix'));

/** The extension's id, `<publisher>.<name>`. */
export const extensionId = 'attention-lens.attention-lens';

/** code-server's entry point, installed by scripts/install-code-server.sh. */
export const codeServerEntry = path.join(repoRoot, '.cache', 'code-server', 'node_modules', 'code-server', 'out', 'node', 'entry.js');

/** The sample workspace the tests open. */
export const fixtureWorkspace = path.join(repoRoot, 'test', 'fixtures', 'workspace');

/** The tiny test model that keeps loading fast. */
export const tinyModelPath = path.join(repoRoot, 'test', 'fixtures', 'tiny-model');

/** The bundled model's folder in the repository. */
export const bundledModelPath = path.join(repoRoot, 'models', 'lens-coder');

/** The integration suite's entry, compiled by `npm run compile:tests`. */
export const integrationTestsEntry = path.join(repoRoot, 'out', 'test', 'integration', 'index.js');

/** Screenshots and logs kept after a run (git-ignored). */
export const resultsDir = path.join(repoRoot, 'test-results');

/** Debian's chromium; CHROMIUM_PATH overrides. */
export const chromiumPath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** Mesa's lavapipe (software Vulkan) ICD, put there by scripts/install-lavapipe.sh when it could be fetched. */
export const lavapipeIcd = path.join(repoRoot, '.cache', 'lavapipe', 'lvp_icd.json');

/** Mesa's shader cache, kept between runs. */
export const mesaShaderCache = path.join(repoRoot, '.cache', 'mesa-shader-cache');
