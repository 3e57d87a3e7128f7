/**
 * The ids of the extension's own commands, the one list that registration, status bar items,
 * CodeLenses and executeCommand use. test/unit/commandIds.test.ts holds package.json's
 * contributes.commands, menus and keybindings to it, both ways.
 */

export const COMMANDS = {
  showModelInfo: 'attentionLens.showModelInfo',
  selectModel: 'attentionLens.selectModel',
  reloadModel: 'attentionLens.reloadModel',
  showLog: 'attentionLens.showLog',
  toggleCompletions: 'attentionLens.toggleCompletions',
  showAttention: 'attentionLens.showAttention',
  explainLastCompletion: 'attentionLens.explainLastCompletion',
  showAttentionForDocComment: 'attentionLens.showAttentionForDocComment',
  toggleAttentionOverlay: 'attentionLens.toggleAttentionOverlay',
  exportAttentionPng: 'attentionLens.exportAttentionPng',
  exportAttentionJson: 'attentionLens.exportAttentionJson',
  generateDocComment: 'attentionLens.generateDocComment',
  summarizeSelection: 'attentionLens.summarizeSelection',
  setRemoteApiKey: 'attentionLens.setRemoteApiKey',
  allowRemoteServer: 'attentionLens.allowRemoteServer',
  setHubToken: 'attentionLens.setHubToken',
  deleteDownloadedModels: 'attentionLens.deleteDownloadedModels',
  // The walkthrough's buttons: each opens a sample file, then runs the product command on it.
  walkthroughTryCompletion: 'attentionLens.walkthrough.tryCompletion',
  walkthroughTryDocComment: 'attentionLens.walkthrough.tryDocComment',
  walkthroughTryAttention: 'attentionLens.walkthrough.tryAttention',
} as const;

/** One of the extension's command ids. */
export type CommandId = (typeof COMMANDS)[keyof typeof COMMANDS];
