/**
 * Attention Lens: Set Hugging Face Token — an access token for gated or private Hub models, kept in
 * VS Code's SecretStorage per hub address (never in settings or logs) and sent only with downloads
 * from that address.
 */

import * as vscode from 'vscode';
import type { ModelService } from '../inference/modelService';
import { parseHubUrl } from '../common/settings';
import type { ApiKeyStore } from '../remote/apiKeyStore';
import { readVsCodeSettings } from './vscodeSettings';

/** The SecretStorage key part for a hub address: its origin (a mirror under a path shares its host's token). */
export function hubTokenOrigin(hubUrl: string): string {
  return new URL(parseHubUrl(hubUrl).url).origin;
}

/** Asks for the token and stores it (empty removes it); a load refused for want of one is tried again. */
export async function setHubToken(tokens: ApiKeyStore, models: ModelService, output: vscode.OutputChannel): Promise<void> {
  const hub = parseHubUrl(readVsCodeSettings('model').hubUrl);
  const token = await vscode.window.showInputBox({
    title: `Hugging Face access token for ${hub.host}`,
    prompt: `For gated or private models: a token with read access, from ${hub.host}'s settings (the model's terms accepted there). Kept in VS Code's secret storage, sent only to ${hub.host}. Leave empty to remove it.`,
    password: true,
    ignoreFocusOut: true,
    validateInput: (text) => (/^[\x21-\x7e]{0,512}$/.test(text.trim()) ? undefined : 'A token is one word of printable characters.'),
  });
  if (token === undefined) return;
  await tokens.set(hubTokenOrigin(hub.url), token.trim());
  output.appendLine(`[hub] access token for ${hub.host} ${token.trim() ? 'stored' : 'removed'}`);
  if (models.state.errorCode === 'DOWNLOAD_UNAUTHORIZED') await models.reload();
}
