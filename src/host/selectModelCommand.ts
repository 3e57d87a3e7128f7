/**
 * Attention Lens: Select Model — one quick pick over the bundled model, the models already
 * downloaded, a few curated Hub code models, a typed Hub id and a local folder. Choosing one writes
 * `attentionLens.model` to the user settings; a Hub model while downloads are off asks first.
 */

import * as path from 'path';
import * as vscode from 'vscode';
import { CURATED_MODELS, curatedAbilities, curatedSizes, hubModelIdProblem } from '../common/curatedModels';
import { formatBytes, localModelFolderProblem, modelCacheDir, scanDownloadedModels, weightFileSizes, type DownloadedModel } from '../common/downloadedModels';
import { BUNDLED_MODEL_NAME } from '../common/modelSource';
import { DEFAULT_HUB_URL, parseHubUrl, type LensSettings } from '../common/settings';
import { COMMANDS } from './commandIds';
import { readVsCodeSettings, writeSettingInEffect, writeUserSetting } from './vscodeSettings';
import type { ModelService } from '../inference/modelService';
import type { ModelState } from '../inference/modelState';
import { downloadMessage } from './downloadText';

/** What choosing an item does. */
type PickAction =
  | { readonly kind: 'setModel'; readonly value: string; readonly hub: boolean }
  | { readonly kind: 'enterId' }
  | { readonly kind: 'openFolder' }
  | { readonly kind: 'showInfo' }
  | { readonly kind: 'cancelDownload' };

interface ModelPickItem extends vscode.QuickPickItem {
  readonly action?: PickAction;
}

const SHOW_INFO_BUTTON: vscode.QuickInputButton = { iconPath: new vscode.ThemeIcon('info'), tooltip: 'Show Model Info' };

/** Shows the picker and applies the choice; resolves once the picker is closed and the setting written (or not). */
export async function selectModel(context: vscode.ExtensionContext, models: ModelService): Promise<void> {
  const settings = readVsCodeSettings('model');
  const action = await pick(modelItems(context, settings, models.state));
  if (!action) return;
  switch (action.kind) {
    case 'setModel':
      await applyModel(action.value, action.hub);
      return;
    case 'enterId':
      await enterModelId();
      return;
    case 'openFolder':
      await openLocalFolder();
      return;
    case 'showInfo':
      await vscode.commands.executeCommand(COMMANDS.showModelInfo);
      return;
    case 'cancelDownload':
      models.cancelDownload();
      return;
    default: {
      const never: never = action;
      throw new Error(`unknown action ${JSON.stringify(never)}`);
    }
  }
}

/** The picker's items, in sections; the model in use is marked. */
function modelItems(context: vscode.ExtensionContext, settings: LensSettings, state: ModelState): ModelPickItem[] {
  const current = normalizedModel(settings.model);
  const mark = (value: string): string => (normalizedModel(value) === current ? '$(check) ' : '');
  const bundledFolder = path.join(context.extensionPath, 'models', BUNDLED_MODEL_NAME);
  const bundledSizes = [...weightFileSizes(bundledFolder)].map(([file, bytes]) => `${file.replace(/^model_?|\.onnx$/g, '').replace('quantized', 'q8') || 'fp32'} ${formatBytes(bytes)}`);
  const items: ModelPickItem[] = [];
  // A download under way comes first: where it stands, and a way to stop it.
  if (state.download) {
    items.push(
      { label: 'Downloading', kind: vscode.QuickPickItemKind.Separator },
      {
        label: `$(sync~spin) ${state.download.modelName}`,
        description: downloadMessage(state.download),
        detail: `Choose to cancel the download; what came is kept, and the next load resumes it.${state.state === 'ready' && state.modelName ? ` ${state.modelName} serves meanwhile.` : ''}`,
        action: { kind: 'cancelDownload' },
      },
    );
  }
  items.push(
    { label: 'Bundled', kind: vscode.QuickPickItemKind.Separator },
    {
      label: `${mark('')}$(package) ${BUNDLED_MODEL_NAME}`,
      description: `${bundledSizes.join(' · ')} · runs anywhere; small`,
      action: { kind: 'setModel', value: '', hub: false },
    },
  );
  // A local folder in use is listed too, so the picker always shows what serves now.
  if (path.isAbsolute(settings.model)) {
    items.push(
      { label: 'Local folder', kind: vscode.QuickPickItemKind.Separator },
      { label: `$(check) $(folder) ${path.basename(settings.model)}`, description: settings.model, action: { kind: 'setModel', value: settings.model, hub: false } },
    );
  }
  // As the worker spells them (parseHubUrl), since the cache folders are named by that spelling.
  const hubUrls = [...new Set([settings.hubUrl, DEFAULT_HUB_URL].map(normalizedHubUrl).filter((url): url is string => url !== undefined))];
  const downloaded = scanDownloadedModels(modelCacheDir(context.globalStorageUri.fsPath), hubUrls);
  if (downloaded.length > 0) items.push({ label: 'Downloaded', kind: vscode.QuickPickItemKind.Separator });
  for (const model of downloaded) items.push(downloadedItem(model, settings, mark));
  items.push({ label: 'From Hugging Face (not tested here)', kind: vscode.QuickPickItemKind.Separator });
  for (const model of CURATED_MODELS) {
    items.push({
      label: `${mark(model.id)}$(cloud) ${model.id}`,
      description: `${model.summary} · ${curatedAbilities(model)}`,
      detail: `Download: ${curatedSizes(model)}. Not tested here.`,
      action: { kind: 'setModel', value: model.id, hub: true },
    });
  }
  items.push(
    { label: 'Other', kind: vscode.QuickPickItemKind.Separator },
    { label: '$(edit) Enter a model id…', description: 'owner/name or owner/name@revision', action: { kind: 'enterId' } },
    { label: '$(folder-opened) Open a local folder…', description: 'a model in the Hugging Face layout with ONNX weights', action: { kind: 'openFolder' } },
    { label: '$(info) Show Model Info', description: 'the model that serves now', action: { kind: 'showInfo' } },
  );
  return items;
}

function downloadedItem(model: DownloadedModel, settings: LensSettings, mark: (value: string) => string): ModelPickItem {
  const value = model.revision === 'main' ? model.modelId : `${model.modelId}@${model.revision}`;
  const elsewhere = model.hubUrl === undefined ? 'from another hub address' : model.hubUrl !== normalizedHubUrl(settings.hubUrl) ? `from ${model.hubUrl}` : undefined;
  return {
    label: `${mark(value)}$(database) ${model.modelId}@${model.revision}`,
    description: `${formatBytes(model.bytes)} on disk · ${model.downloadedAt.toLocaleDateString()}`,
    detail: `${model.weightFiles.join(', ')}${elsewhere ? ` · ${elsewhere}; the hub setting now points elsewhere, so it may download again` : ''}`,
    action: { kind: 'setModel', value, hub: true },
  };
}

/** A hub address as the worker spells it (undefined for a bad one, which the load reports). */
function normalizedHubUrl(url: string): string | undefined {
  try {
    return parseHubUrl(url).url;
  } catch {
    return undefined;
  }
}

/** `owner/name@main` and `owner/name` are one model. */
function normalizedModel(value: string): string {
  return value.trim().replace(/@main$/, '');
}

/** Shows the quick pick; resolves with the chosen item's action, or undefined when it is dismissed. */
function pick(items: readonly ModelPickItem[]): Promise<PickAction | undefined> {
  const quickPick = vscode.window.createQuickPick<ModelPickItem>();
  quickPick.title = 'Attention Lens: Select Model';
  quickPick.placeholder = 'Choose the model for completions, doc comments and attention';
  quickPick.items = items;
  quickPick.buttons = [SHOW_INFO_BUTTON];
  quickPick.matchOnDescription = true;
  return new Promise((resolve) => {
    let chosen: PickAction | undefined;
    const subscriptions = [
      quickPick.onDidAccept(() => {
        chosen = quickPick.selectedItems[0]?.action;
        quickPick.hide();
      }),
      quickPick.onDidTriggerButton(() => {
        chosen = { kind: 'showInfo' };
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

/** Asks for a Hub id, checked as the model setting's parser checks it, and applies it. */
async function enterModelId(): Promise<void> {
  const value = await vscode.window.showInputBox({
    title: 'Attention Lens: Hugging Face model id',
    prompt: 'A transformers.js model with ONNX weights, optionally at a branch, tag or commit',
    placeHolder: 'owner/name or owner/name@revision',
    ignoreFocusOut: true,
    validateInput: (text) => hubModelIdProblem(text),
  });
  if (value === undefined) return;
  await applyModel(value.trim(), true);
}

/** Asks for a folder, checks its model files, and applies it; a bad folder leaves the setting as it was. */
async function openLocalFolder(): Promise<void> {
  const chosen = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: false, canSelectMany: false, openLabel: 'Use This Model', title: 'Attention Lens: model folder' });
  const folder = chosen?.[0]?.fsPath;
  if (!folder) return;
  const problem = localModelFolderProblem(folder);
  if (problem) {
    void vscode.window.showErrorMessage(`Attention Lens: that folder is not a model it can load, so the model is unchanged. ${problem}`);
    return;
  }
  await applyModel(folder, false);
}

/** Writes the model setting; for a Hub model with downloads off, only after the user allows them. */
async function applyModel(value: string, hub: boolean): Promise<void> {
  const settings = readVsCodeSettings('model');
  if (hub && !settings.allowDownloads) {
    let host: string;
    try {
      host = parseHubUrl(settings.hubUrl).host;
    } catch (error) {
      void vscode.window.showErrorMessage(`Attention Lens: ${error instanceof Error ? error.message : String(error)}`);
      return;
    }
    const allow = 'Allow Downloads';
    const answer = await vscode.window.showWarningMessage(
      `Allow downloads from ${host}?`,
      { modal: true, detail: `"${value}" is a Hugging Face model: its files are fetched from ${host} and kept in the extension's storage. This turns on attentionLens.allowDownloads in your user settings.` },
      allow,
    );
    if (answer !== allow) return;
    // Downloads first: the model setting written while they are off would fail to load once.
    await writeUserSetting('model', 'allowDownloads', true);
  }
  // Where the model setting is in effect: a workspace that names its own model gets the choice, so that it is not hidden.
  await writeSettingInEffect('model', 'model', value);
}
