// VS Code user settings for every test run (code-server and desktop alike).

/** User settings that keep the workbench quiet and predictable under test. */
export const testUserSettings = {
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'workbench.startupEditor': 'none',
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.tips.enabled': false,
  'security.workspace.trust.enabled': false,
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'extensions.ignoreRecommendations': true,
  'editor.quickSuggestions': { other: false, comments: false, strings: false },
  'git.enabled': false,
  // Settings files are rewritten by typing (ui.editUserSettings): no auto-closed bracket or auto-indent may add to the text.
  '[jsonc]': { 'editor.autoClosingBrackets': 'never', 'editor.autoClosingQuotes': 'never', 'editor.autoIndent': 'none', 'editor.formatOnType': false },
  '[json]': { 'editor.autoClosingBrackets': 'never', 'editor.autoClosingQuotes': 'never', 'editor.autoIndent': 'none', 'editor.formatOnType': false },
};
