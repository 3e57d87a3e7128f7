/**
 * Attention Lens: Delete Downloaded Models — a multi-select quick pick over the Hub models in the
 * download cache and the downloads that never finished, each with its size; one modal confirmation
 * for the selection; the model in use handed back to the bundled model before its folder goes.
 */

import * as vscode from 'vscode';
import { formatBytes, modelCacheDir, scanDownloadedModels } from '../common/downloadedModels';
import { bytesOnDisk, deleteCachedModelFolder, isModelInUse, PartialDeletionError, scanIncompleteDownloads } from '../common/modelDeletion';
import { BUNDLED_MODEL_NAME } from '../common/modelSource';
import { DEFAULT_HUB_URL, parseHubUrl, SETTINGS_SECTION, type LensSettings } from '../common/settings';
import { readVsCodeSettings, writeUserSetting } from './vscodeSettings';

/** One folder the user may delete. */
interface CacheEntry {
  /** `owner/name@revision`, as the model setting would name it. */
  readonly name: string;
  readonly folder: string;
  /** What deleting it frees: every file in it, partial ones too. */
  readonly bytes: number;
  readonly incomplete: boolean;
}

interface EntryPickItem extends vscode.QuickPickItem {
  readonly entry?: CacheEntry;
}

/** Shows the picker, confirms, and deletes what was chosen; resolves once done (or dismissed). */
export async function deleteDownloadedModels(context: vscode.ExtensionContext): Promise<void> {
  const cacheDir = modelCacheDir(context.globalStorageUri.fsPath);
  const settings = readVsCodeSettings('model');
  const items = entryItems(cacheDir, settings);
  const entries = items.flatMap((item) => (item.entry ? [item.entry] : []));
  if (entries.length === 0) {
    void vscode.window.showInformationMessage(`Attention Lens: no models are downloaded. Hub models are kept in ${cacheDir}.`);
    return;
  }
  const chosen = await pick(items, sumBytes(entries));
  if (!chosen || chosen.length === 0) return;
  const inUse = chosen.filter((entry) => isModelInUse(entry.folder, cacheDir, readVsCodeSettings('model')));
  if (!(await confirm(chosen, inUse))) return;
  if (inUse.length > 0) {
    // Before any file goes: the worker reloads the bundled model rather than read a half-deleted folder.
    await writeUserSetting('model', 'model', '');
  }
  // A workspace setting outranks the user's, so one that names the model keeps it in use.
  const stillInUse = chosen.filter((entry) => isModelInUse(entry.folder, cacheDir, readVsCodeSettings('model')));
  const toDelete = chosen.filter((entry) => !stillInUse.includes(entry));
  const failures = stillInUse.map((entry) => `${entry.name} is kept: this workspace's ${SETTINGS_SECTION}.model setting names it; change that setting, then delete it`);
  const { deleted, freed } = await vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: 'Attention Lens: deleting downloaded models' },
    (progress) => deleteEach(cacheDir, toDelete, failures, progress),
  );
  report(deleted, freed, failures);
}

/** Deletes one folder at a time, each on its own: a file in use in one leaves the others to be deleted. Failures are appended to `failures`. */
async function deleteEach(cacheDir: string, entries: readonly CacheEntry[], failures: string[], progress: vscode.Progress<{ message?: string; increment?: number }>): Promise<{ deleted: number; freed: number }> {
  let freed = 0;
  let deleted = 0;
  for (const entry of entries) {
    progress.report({ message: entry.name, increment: 100 / entries.length });
    try {
      freed += await deleteCachedModelFolder(cacheDir, entry.folder);
      deleted++;
    } catch (error) {
      if (error instanceof PartialDeletionError) freed += error.bytesFreed;
      failures.push(`${entry.name}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return { deleted, freed };
}

/** The picker's items: the whole models, then the incomplete downloads; the model in use is marked. */
function entryItems(cacheDir: string, settings: LensSettings): EntryPickItem[] {
  const hubUrls = hubAddresses(settings);
  const inUse = (folder: string): string => (isModelInUse(folder, cacheDir, settings) ? ' · in use' : '');
  const items: EntryPickItem[] = [];
  const whole = scanDownloadedModels(cacheDir, hubUrls);
  if (whole.length > 0) items.push({ label: 'Downloaded', kind: vscode.QuickPickItemKind.Separator });
  for (const model of whole) {
    const name = `${model.modelId}@${model.revision}`;
    const bytes = bytesOnDisk(model.folder);
    const unfinished = bytes - model.bytes;
    const details = [model.weightFiles.join(', ')];
    if (unfinished > 0) details.push(`and ${formatBytes(unfinished)} of unfinished downloads`);
    if (model.hubUrl !== hubUrls[0]) details.push(`from ${model.hubUrl ?? 'another hub address'}`);
    items.push({
      label: `$(database) ${name}`,
      description: `${formatBytes(bytes)} on disk · ${model.downloadedAt.toLocaleDateString()}${inUse(model.folder)}`,
      detail: details.join(' · '),
      entry: { name, folder: model.folder, bytes, incomplete: false },
    });
  }
  const incomplete = scanIncompleteDownloads(cacheDir, hubUrls);
  if (incomplete.length > 0) items.push({ label: 'Incomplete downloads', kind: vscode.QuickPickItemKind.Separator });
  for (const download of incomplete) {
    const name = `${download.modelId}@${download.revision ?? '(unknown revision)'}`;
    const partial = download.partialFiles === 1 ? '1 unfinished file' : `${download.partialFiles} unfinished files`;
    items.push({
      label: `$(cloud-download) ${name}`,
      description: `${formatBytes(download.bytes)} on disk · ${download.changedAt.toLocaleDateString()}${inUse(download.folder)}`,
      detail: `Incomplete download (cancelled or cut off): ${partial}, no whole model${download.hubUrl !== undefined && download.hubUrl !== hubUrls[0] ? ` · from ${download.hubUrl}` : ''}`,
      entry: { name, folder: download.folder, bytes: download.bytes, incomplete: true },
    });
  }
  return items;
}

/** The hub address the settings name (as the worker normalises it), then the default: the addresses cache folders are matched to. */
function hubAddresses(settings: LensSettings): string[] {
  let configured = settings.hubUrl;
  try {
    configured = parseHubUrl(settings.hubUrl).url;
  } catch {
    // A bad address downloads nothing; its folders, if any, are matched as written.
  }
  return [...new Set([configured, DEFAULT_HUB_URL])];
}

/** Shows the multi-select picker; resolves with the chosen entries, or undefined when it is dismissed. */
function pick(items: readonly EntryPickItem[], totalBytes: number): Promise<CacheEntry[] | undefined> {
  const quickPick = vscode.window.createQuickPick<EntryPickItem>();
  quickPick.title = `Attention Lens: Delete Downloaded Models (${formatBytes(totalBytes)} on disk)`;
  quickPick.canSelectMany = true;
  quickPick.matchOnDescription = true;
  quickPick.matchOnDetail = true;
  quickPick.items = items;
  const placeholder = (selected: readonly EntryPickItem[]): string => {
    const entries = selected.flatMap((item) => (item.entry ? [item.entry] : []));
    return entries.length === 0 ? 'Choose the models to delete' : `${countOf(entries.length)} selected: ${formatBytes(sumBytes(entries))} to free`;
  };
  quickPick.placeholder = placeholder([]);
  return new Promise((resolve) => {
    let chosen: CacheEntry[] | undefined;
    const subscriptions = [
      quickPick.onDidChangeSelection((selected) => {
        quickPick.placeholder = placeholder(selected);
      }),
      quickPick.onDidAccept(() => {
        chosen = quickPick.selectedItems.flatMap((item) => (item.entry ? [item.entry] : []));
        quickPick.hide();
      }),
      quickPick.onDidHide(() => {
        for (const subscription of subscriptions) subscription.dispose();
        quickPick.dispose();
        resolve(chosen);
      }),
    ];
    quickPick.show();
  });
}

/** One modal for the whole selection, naming the count and the bytes, and the model in use if it is among them. */
async function confirm(chosen: readonly CacheEntry[], inUse: readonly CacheEntry[]): Promise<boolean> {
  const lines = chosen.map((entry) => `${entry.name} (${formatBytes(entry.bytes)})${entry.incomplete ? ', incomplete' : ''}`);
  if (inUse.length > 0) {
    lines.push(
      '',
      `${inUse.map((entry) => entry.name).join(', ')} ${inUse.length === 1 ? 'is' : 'are'} the model in use: ${SETTINGS_SECTION}.model goes back to the bundled model (${BUNDLED_MODEL_NAME}) in your user settings first.`,
    );
  }
  const action = inUse.length > 0 ? 'Delete and Use the Bundled Model' : 'Delete';
  const answer = await vscode.window.showWarningMessage(
    `Delete ${countOf(chosen.length)} (${formatBytes(sumBytes(chosen))})?`,
    { modal: true, detail: `${lines.join('\n')}\n\nA deleted model is downloaded again when it is chosen again.` },
    action,
  );
  return answer === action;
}

/** Says what was freed, and each model that could not be deleted and why. */
function report(deleted: number, freed: number, failures: readonly string[]): void {
  const freedText = `${formatBytes(freed)} freed`;
  if (failures.length === 0) {
    void vscode.window.showInformationMessage(`Attention Lens: deleted ${countOf(deleted)}, ${freedText}.`);
    return;
  }
  const done = deleted > 0 || freed > 0 ? `deleted ${countOf(deleted)}, ${freedText}; ` : '';
  void vscode.window.showErrorMessage(`Attention Lens: ${done}${failures.length === 1 ? 'one was' : `${failures.length} were`} not deleted. ${failures.join(' ')}`);
}

function countOf(n: number): string {
  return n === 1 ? '1 model' : `${n} models`;
}

function sumBytes(entries: readonly CacheEntry[]): number {
  return entries.reduce((sum, entry) => sum + entry.bytes, 0);
}
