// Copies the sample workspace into a run's temp folder, so that settings the tests write never
// touch the repository, and points it at the model the run should load.
import fs from 'node:fs';
import path from 'node:path';
import { bundledModelPath, fixtureWorkspace, tinyModelPath } from './paths.mjs';

/**
 * Which model a run loads: ATTENTION_LENS_TEST_MODEL = `tiny` (test/fixtures/tiny-model),
 * `bundled` (models/lens-coder inside the extension) or an absolute folder; otherwise `fallback`.
 * Returns the `attentionLens.model` setting value ('' for the bundled model) and a label.
 */
export function chooseModel(fallback = 'tiny') {
  const choice = process.env.ATTENTION_LENS_TEST_MODEL || fallback;
  if (choice === 'bundled') {
    return { setting: '', label: 'bundled (models/lens-coder)' };
  }
  const folder = choice === 'tiny' ? tinyModelPath : path.resolve(choice);
  if (!fs.existsSync(path.join(folder, 'config.json'))) {
    throw new Error(`test model ${folder} has no config.json`);
  }
  return { setting: folder, label: folder };
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
