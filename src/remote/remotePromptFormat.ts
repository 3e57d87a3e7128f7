/**
 * The prompt format of a model behind a server (pure). The extension never sees that model's
 * tokenizer, so the family cannot be read off a vocabulary as for local models: it is set, or
 * guessed from the model name where the name leaves no doubt.
 */

import { detectPromptFormat, familyPromptFormat, type FimFamily, type PromptFormat } from '../common/promptFormats';
import type { RemoteFamilyChoice } from '../common/settings';

/** A family and how it was chosen, for Show Model Info. */
export interface ResolvedFormat {
  readonly format: PromptFormat;
  /** "set in attentionLens.remote.promptFamily", "guessed from the model name", or why neither. */
  readonly reason: string;
}

// Checked in order; each pattern names one family's models and no other's.
const NAME_PATTERNS: readonly (readonly [RegExp, Exclude<FimFamily, 'none'>])[] = [
  [/lens-coder/i, 'lens'],
  [/qwen[\w.-]*coder/i, 'qwen'],
  [/starcoder|star-coder/i, 'starcoder'],
  [/deepseek[\w.-]*coder/i, 'deepseek'],
  [/code-?llama/i, 'codellama'],
];

/** The family a model name leaves no doubt about, or undefined (a generic name, or a fine-tune named otherwise). */
export function guessFamilyFromName(modelName: string): Exclude<FimFamily, 'none'> | undefined {
  return NAME_PATTERNS.find(([pattern]) => pattern.test(modelName))?.[1];
}

/**
 * The format for `choice` and the model name. `lensConfig` is the bundled model's config.json
 * (its `attention_lens` block holds lens-coder's template, for a server that serves it).
 */
export function resolveRemoteFormat(choice: RemoteFamilyChoice, modelName: string, lensConfig: Record<string, unknown>): ResolvedFormat {
  const family = choice === 'auto' ? guessFamilyFromName(modelName) : choice;
  const reason =
    choice !== 'auto'
      ? 'set in attentionLens.remote.promptFamily'
      : family
        ? `guessed from the model name "${modelName}"`
        : `the model name "${modelName}" names no known family, so completions are left-to-right (set attentionLens.remote.promptFamily for fill-in-the-middle)`;
  if (family === 'lens') return { format: detectPromptFormat(lensConfig, () => undefined), reason };
  return { format: familyPromptFormat(family ?? 'none'), reason };
}

// A word joiner: invisible, and no tokenizer has it inside a special token.
const BREAK = '\u2060';

/**
 * User text with the format's marker and stop strings broken apart. A server tokenizes the whole
 * prompt string, special tokens included, so a file that spells `<fim_middle>` would otherwise
 * end the prefix early and steer the model (locally, user text is encoded literally instead).
 */
export function defuseMarkers(text: string, format: PromptFormat): string {
  const markers = [...(format.fim ? [format.fim.prefix, format.fim.suffix, format.fim.middle] : []), ...format.stopStrings]
    .map((marker) => marker.trim())
    .filter((marker) => marker.length >= 2);
  let result = text;
  for (const marker of markers) {
    if (!result.includes(marker)) continue;
    result = result.split(marker).join(`${marker[0]}${BREAK}${marker.slice(1)}`);
  }
  return result;
}
