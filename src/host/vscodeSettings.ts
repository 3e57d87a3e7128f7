/**
 * The one place the extension asks VS Code for its configuration: hands it to the typed readers in
 * common/settings.ts (defaults and clamps live there), and writes a setting where it takes effect.
 */

import * as vscode from 'vscode';
import { scopeInEffect, sectionOf, SETTINGS_READERS, type GroupSettings, type SettingKey, type SettingScope, type SettingsGroup } from '../common/settings';

const TARGETS: Readonly<Record<SettingScope['target'], vscode.ConfigurationTarget>> = {
  global: vscode.ConfigurationTarget.Global,
  workspace: vscode.ConfigurationTarget.Workspace,
  workspaceFolder: vscode.ConfigurationTarget.WorkspaceFolder,
};

/**
 * Reads `group`'s settings now (never cached), validated by its reader. A document as `scope`
 * brings in its folder's values and its language's overrides; without one, the workspace's.
 */
export function readVsCodeSettings<G extends SettingsGroup>(group: G, scope?: vscode.ConfigurationScope): GroupSettings[G] {
  const config = vscode.workspace.getConfiguration(sectionOf(group), scope);
  const read: (get: (key: string) => unknown) => GroupSettings[G] = SETTINGS_READERS[group];
  // The remote engine decides where code is sent: only the user's own value counts, whatever a
  // workspace file says (package.json's `application` scope says the same to VS Code).
  if (USER_ONLY_GROUPS.has(group)) return read((key) => config.inspect(key)?.globalValue);
  return read((key) => config.get(key));
}

const USER_ONLY_GROUPS: ReadonlySet<SettingsGroup> = new Set(['remote']);

/** Writes `key` into the user's settings (for settings a workspace may not set, such as allowDownloads). */
export async function writeUserSetting<G extends SettingsGroup>(group: G, key: SettingKey<G>, value: unknown): Promise<void> {
  await vscode.workspace.getConfiguration(sectionOf(group)).update(key, value, vscode.ConfigurationTarget.Global);
}

/**
 * Writes `key` into the scope whose value is in effect for `scope` (a document: its folder and
 * language included), so a workspace or language override does not hide the change.
 */
export async function writeSettingInEffect<G extends SettingsGroup>(group: G, key: SettingKey<G>, value: unknown, scope?: vscode.ConfigurationScope): Promise<void> {
  const config = vscode.workspace.getConfiguration(sectionOf(group), scope);
  const where = scopeInEffect(config.inspect(key));
  await config.update(key, value, TARGETS[where.target], where.inLanguage);
}
