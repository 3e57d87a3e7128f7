/**
 * Groups VS Code language ids by the syntax rules the doc-comment code reads (strings, comments,
 * how a function starts and where its body ends), so that every masker, scanner and formatter
 * switches on seven families instead of on dozens of ids.
 */

/** Languages grouped by the syntax rules that matter here; unknown ids get the C rules. */
export type LanguageFamily = 'python' | 'js' | 'go' | 'rust' | 'java' | 'csharp' | 'c';

/** The syntax family of a VS Code language id. */
export function languageFamily(languageId: string): LanguageFamily {
  switch (languageId) {
    case 'python': return 'python';
    case 'typescript': case 'typescriptreact': case 'javascript': case 'javascriptreact': return 'js';
    case 'go': return 'go';
    case 'rust': return 'rust';
    case 'java': return 'java';
    case 'csharp': return 'csharp';
    default: return 'c';
  }
}
