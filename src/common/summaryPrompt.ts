/**
 * Prompts that ask a model for a one-line summary of a piece of code (pure; no I/O).
 * The bundled model has its own trained format; chat models get their chat template; other
 * code models get a comment to complete, which base code models continue naturally.
 */

import { promptText, type PromptPart } from './promptParts';

export type SummaryFormat =
  | { readonly kind: 'trained'; readonly template: string }
  | { readonly kind: 'chat' }
  | { readonly kind: 'comment' };

/** Picks the format: the bundled model's `attention_lens.summarization.template`, else chat if the tokenizer has a template, else a comment. */
export function detectSummaryFormat(config: Record<string, unknown>, hasChatTemplate: boolean): SummaryFormat {
  const lens = config.attention_lens as { summarization?: { template?: unknown } } | undefined;
  const template = lens?.summarization?.template;
  if (typeof template === 'string' && template.includes('{code}')) return { kind: 'trained', template };
  return hasChatTemplate ? { kind: 'chat' } : { kind: 'comment' };
}

const HASH_COMMENT_LANGUAGES = new Set(['python', 'ruby', 'shellscript', 'perl', 'r', 'yaml', 'toml', 'makefile', 'dockerfile', 'powershell', 'elixir']);

/** The line-comment marker of a language. */
export function lineCommentMarker(languageId: string): string {
  if (HASH_COMMENT_LANGUAGES.has(languageId)) return '#';
  if (languageId === 'lua' || languageId === 'sql' || languageId === 'haskell') return '--';
  return '//';
}

/** The message for chat models: what to write and the code, in a fenced block. */
export function summaryChatMessages(code: string, languageId: string): { role: 'system' | 'user'; content: string }[] {
  return [
    {
      role: 'system',
      content: 'You write doc comments. Answer with one sentence that says what the code does, in the imperative or third person, without comment markers, quotes or code.',
    },
    { role: 'user', content: `Summarize this ${languageId} code in one sentence:\n\`\`\`${languageId}\n${code}\n\`\`\`` },
  ];
}

/** The prompt for the trained and comment formats as parts, the code literal (chat prompts are built by the tokenizer's template). */
export function summaryPromptParts(format: Exclude<SummaryFormat, { kind: 'chat' }>, code: string, languageId: string): PromptPart[] {
  if (format.kind === 'trained') {
    const at = format.template.indexOf('{code}');
    return [{ control: format.template.slice(0, at) }, { text: code }, { control: format.template.slice(at + '{code}'.length) }];
  }
  const marker = lineCommentMarker(languageId);
  return [{ text: code }, { control: `\n\n${marker} In one sentence, the code above:\n${marker}` }];
}

/** The summary prompt as one string (see summaryPromptParts). */
export function buildSummaryPrompt(format: Exclude<SummaryFormat, { kind: 'chat' }>, code: string, languageId: string): string {
  return promptText(summaryPromptParts(format, code, languageId));
}
