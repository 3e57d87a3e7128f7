// Copies the sample workspace into a run's temp folder, so that settings the tests write never
// touch the repository, and points it at the model the run should load.
import fs from 'node:fs';
import path from 'node:path';
import { bundledModelPath, fixtureWorkspace, tinyModelPath } from './paths.mjs';

/**
 * Which model a run loads: ATTENTION_LENS_TEST_MODEL = `tiny` (test/fixtures/tiny-model),
 * `bundled` (models/lens-coder inside the extension) or an absolute folder; otherwise `fallback`.
 * Returns the `attentionLens.model` setting value ('' for the bundled model), a label, and the
 * model's folder (the repository's copy for the bundled one).
 */
export function chooseModel(fallback = 'tiny') {
  const choice = process.env.ATTENTION_LENS_TEST_MODEL || fallback;
  if (choice === 'bundled') {
    return { setting: '', label: 'bundled (models/lens-coder)', folder: bundledModelPath };
  }
  const folder = choice === 'tiny' ? tinyModelPath : path.resolve(choice);
  if (!fs.existsSync(path.join(folder, 'config.json'))) {
    throw new Error(`test model ${folder} has no config.json`);
  }
  return { setting: folder, label: folder, folder };
}

/**
 * The model an as-a-user run should load: the bundled one when the installed extension in
 * `extensionDir` carries it, else the tiny one (while the repository has no bundled model).
 * Throws when the repository has the model but the package lacks it: a stale or broken vsix.
 */
export function userModel(extensionDir) {
  const packaged = fs.existsSync(path.join(extensionDir, 'models', 'lens-coder', 'config.json'));
  const inRepository = fs.existsSync(path.join(bundledModelPath, 'config.json'));
  if (inRepository && !packaged && !process.env.ATTENTION_LENS_TEST_MODEL) {
    throw new Error('the repository has models/lens-coder but the installed .vsix does not; run `npm run package` (or check .vscodeignore)');
  }
  return chooseModel(packaged ? 'bundled' : 'tiny');
}

/** Copies the fixture workspace to `<root>/workspace` with `settings` merged into its settings.json. */
export function prepareWorkspace(root, settings) {
  const target = path.join(root, 'workspace');
  fs.cpSync(fixtureWorkspace, target, { recursive: true });
  const settingsFile = path.join(target, '.vscode', 'settings.json');
  const existing = fs.existsSync(settingsFile) ? JSON.parse(fs.readFileSync(settingsFile, 'utf8')) : {};
  fs.mkdirSync(path.dirname(settingsFile), { recursive: true });
  fs.writeFileSync(settingsFile, JSON.stringify({ ...existing, ...settings }, null, 2) + '\n');
  return target;
}

/** The model's context length (`n_positions` / `max_position_embeddings`), or undefined. */
export function modelContextLength(folder) {
  try {
    const config = JSON.parse(fs.readFileSync(path.join(folder, 'config.json'), 'utf8'));
    return config.n_positions ?? config.max_position_embeddings ?? config.n_ctx;
  } catch {
    return undefined;
  }
}

/**
 * Workspace settings for the e2e run. Completions: long requests (up to 256 new tokens,
 * multi-line, no debounce, a 30 s limit) so that a test can interrupt one while it generates, and
 * a context budget that leaves room for those tokens in the model's context (the pipeline does not
 * shrink the prompt for maxNewTokens). Attention: 256 tokens at most. No suggest widget on trigger
 * characters, so that Tab goes to the ghost text.
 */
export function e2eWorkspaceSettings(modelFolder) {
  const context = modelContextLength(modelFolder) ?? 512;
  const maxNewTokens = Math.min(256, Math.floor(context / 2));
  const contextTokens = Math.max(32, Math.min(384, context - maxNewTokens - 64));
  return {
    'attentionLens.completion.maxNewTokens': maxNewTokens,
    'attentionLens.completion.contextTokens': contextTokens,
    'attentionLens.completion.multiline': 'always',
    'attentionLens.completion.debounceMs': 0,
    'attentionLens.completion.timeoutMs': 30000,
    'attentionLens.attention.maxTokens': 256,
    'editor.suggestOnTriggerCharacters': false,
  };
}

/** Puts the fixture's files back into a run's workspace copy (its settings.json stays as the run wrote it). */
export function restoreWorkspaceFiles(workspace) {
  fs.cpSync(fixtureWorkspace, workspace, {
    recursive: true,
    filter: (source) => path.relative(fixtureWorkspace, source) !== path.join('.vscode', 'settings.json'),
  });
}
