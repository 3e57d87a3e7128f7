/**
 * Fill-in-the-middle prompt formats per model family (pure; no I/O). The family is read from the
 * model's own files: the bundled model declares its format in `config.attention_lens`; other
 * families are recognised by their special tokens being in the tokenizer's vocabulary.
 */

import { promptText, type PromptPart } from './promptParts';

export type FimFamily = 'lens' | 'starcoder' | 'qwen' | 'deepseek' | 'codellama' | 'none';

export interface FimTokens { readonly prefix: string; readonly suffix: string; readonly middle: string }

export interface PromptFormat {
  readonly family: FimFamily;
  readonly fim?: FimTokens;            // absent for 'none' (plain left-to-right)
  /** Strings that end a completion when the model emits them (e.g. '<|endoftext|>', '<|file_separator|>', '<fim_pad>', '<|fim_pad|>', '<｜end▁of▁sentence｜>', ' <EOT>', '<EOT>'), only those in the vocabulary. */
  readonly stopStrings: readonly string[];
  /** Token ids never to generate in completion mode (e.g. the bundled model's summary markers). */
  readonly blockedTokenIds: readonly number[];
}

/** A special token as it is written in the prompt or the output, and the spellings a vocabulary may store it under. */
interface SpecialToken {
  readonly text: string;
  readonly spellings: readonly string[];
}

interface FamilySpec {
  readonly family: Exclude<FimFamily, 'lens' | 'none'>;
  readonly prefix: SpecialToken;
  readonly suffix: SpecialToken;
  readonly middle: SpecialToken;
  /** Texts that end a completion, each kept only when one of its spellings is in the vocabulary. */
  readonly stops: readonly SpecialToken[];
}

function token(text: string, ...otherSpellings: string[]): SpecialToken {
  return { text, spellings: [text, ...otherSpellings] };
}

// SentencePiece vocabularies store CodeLlama's markers with the word-boundary mark (`▁<PRE>`),
// which decodes to a leading space: hence the spaces in its prompt and the ' <EOT>' stop string.
const SENTENCEPIECE_SPACE = '\u2581';

// End-of-text markers that no real source line contains. Plain `</s>`, `<s>` and `<eos>` are left
// out on purpose: HTML and NLP code write them, and the worker already stops on the EOS id.
const COMMON_EOS: readonly SpecialToken[] = [
  token('<|endoftext|>'),
  token('<|end_of_text|>'),
  token('<|im_end|>'),
  token('<|EOT|>'),
  token('<｜end▁of▁sentence｜>'),
  token('<|file_separator|>'),
];

// Checked in this order; no known vocabulary holds two of these sets.
const FAMILIES: readonly FamilySpec[] = [
  {
    family: 'qwen',
    prefix: token('<|fim_prefix|>'),
    suffix: token('<|fim_suffix|>'),
    middle: token('<|fim_middle|>'),
    stops: [token('<|fim_pad|>'), token('<|file_sep|>'), token('<|repo_name|>'), token('<|fim_prefix|>'), token('<|fim_suffix|>'), token('<|fim_middle|>')],
  },
  {
    family: 'starcoder',
    prefix: token('<fim_prefix>'),
    suffix: token('<fim_suffix>'),
    middle: token('<fim_middle>'),
    stops: [token('<fim_pad>'), token('<file_sep>'), token('<filename>'), token('<reponame>'), token('<fim_prefix>'), token('<fim_suffix>'), token('<fim_middle>')],
  },
  {
    family: 'deepseek',
    prefix: token('<｜fim▁begin｜>'),
    suffix: token('<｜fim▁hole｜>'),
    middle: token('<｜fim▁end｜>'),
    stops: [token('<｜fim▁begin｜>'), token('<｜fim▁hole｜>'), token('<｜fim▁end｜>')],
  },
  {
    family: 'codellama',
    // Meta's reference infilling prompt: `<PRE> {prefix} <SUF>{suffix} <MID>`.
    prefix: { text: '<PRE> ', spellings: ['<PRE>', `${SENTENCEPIECE_SPACE}<PRE>`] },
    suffix: { text: ' <SUF>', spellings: ['<SUF>', `${SENTENCEPIECE_SPACE}<SUF>`] },
    middle: { text: ' <MID>', spellings: ['<MID>', `${SENTENCEPIECE_SPACE}<MID>`] },
    stops: [
      { text: ' <EOT>', spellings: ['<EOT>', `${SENTENCEPIECE_SPACE}<EOT>`] },
      { text: '<EOT>', spellings: ['<EOT>', `${SENTENCEPIECE_SPACE}<EOT>`] },
    ],
  },
];

/** Picks the format from config.json and the tokenizer's vocabulary/added tokens. */
export function detectPromptFormat(config: Record<string, unknown>, tokenId: (token: string) => number | undefined): PromptFormat {
  const lens = asRecord(config.attention_lens);
  if (lens) return lensFormat(lens, config, tokenId);
  const inVocabulary = (special: SpecialToken) => special.spellings.some((spelling) => typeof tokenId(spelling) === 'number');
  for (const spec of FAMILIES) {
    if (!inVocabulary(spec.prefix) || !inVocabulary(spec.suffix) || !inVocabulary(spec.middle)) continue;
    return {
      family: spec.family,
      fim: { prefix: spec.prefix.text, suffix: spec.suffix.text, middle: spec.middle.text },
      stopStrings: unique([...COMMON_EOS, ...spec.stops].filter(inVocabulary).map((stop) => stop.text)),
      blockedTokenIds: [],
    };
  }
  return { family: 'none', stopStrings: unique(COMMON_EOS.filter(inVocabulary).map((stop) => stop.text)), blockedTokenIds: [] };
}

/**
 * A named family's format without a vocabulary to check against (a model behind a server, whose
 * tokenizer the extension never sees): every marker and stop string the family defines. The
 * bundled family (`lens`) is read from the bundled model's config with detectPromptFormat.
 */
export function familyPromptFormat(family: Exclude<FimFamily, 'lens'>): PromptFormat {
  const spec = FAMILIES.find((candidate) => candidate.family === family);
  if (!spec) return { family: 'none', stopStrings: COMMON_EOS.map((stop) => stop.text), blockedTokenIds: [] };
  return {
    family: spec.family,
    fim: { prefix: spec.prefix.text, suffix: spec.suffix.text, middle: spec.middle.text },
    stopStrings: unique([...COMMON_EOS, ...spec.stops].map((stop) => stop.text)),
    blockedTokenIds: [],
  };
}

/** The prompt for a completion at the cursor as parts: FIM when the format has it, else the prefix alone. */
export function completionPromptParts(format: PromptFormat, prefix: string, suffix: string): PromptPart[] {
  const fim = format.fim;
  if (!fim) return [{ text: prefix }];
  return [{ control: fim.prefix }, { text: prefix }, { control: fim.suffix }, { text: suffix }, { control: fim.middle }];
}

/** The completion prompt as one string (see completionPromptParts). */
export function buildCompletionPrompt(format: PromptFormat, prefix: string, suffix: string): string {
  return promptText(completionPromptParts(format, prefix, suffix));
}

/**
 * The bundled model's own declaration wins over vocabulary sniffing: its template gives the FIM
 * markers and their order, and it lists the ids that must not appear in completions.
 */
function lensFormat(lens: Record<string, unknown>, config: Record<string, unknown>, tokenId: (token: string) => number | undefined): PromptFormat {
  const fimConfig = asRecord(lens.fim);
  const fim = fimConfig ? lensFimTokens(fimConfig) : undefined;
  const eosToken = typeof lens.eos_token === 'string' ? lens.eos_token : undefined;
  const stopStrings = unique([...(eosToken ? [eosToken] : []), ...stringList(fimConfig?.stop)].filter((stop) => stop !== ''));
  const completion = asRecord(lens.completion);
  const declared = completion ? blockedIdsFrom(completion) : [];
  // EOS must stay possible or a completion could only end at the length limit.
  const eosIds = new Set<number>([...idList(config.eos_token_id)]);
  const eosId = eosToken !== undefined ? tokenId(eosToken) : undefined;
  if (eosId !== undefined) eosIds.add(eosId);
  return {
    family: 'lens',
    ...(fim ? { fim } : {}),
    stopStrings,
    blockedTokenIds: unique(declared.filter((id) => !eosIds.has(id))),
  };
}

/** FIM markers from `template` ("<a>{prefix}<b>{suffix}<c>"), else from the `*_token` fields. */
function lensFimTokens(fimConfig: Record<string, unknown>): FimTokens | undefined {
  const template = fimConfig.template;
  if (typeof template === 'string') {
    const prefixAt = template.indexOf('{prefix}');
    const suffixAt = template.indexOf('{suffix}');
    if (prefixAt >= 0 && suffixAt > prefixAt) {
      return {
        prefix: template.slice(0, prefixAt),
        suffix: template.slice(prefixAt + '{prefix}'.length, suffixAt),
        middle: template.slice(suffixAt + '{suffix}'.length),
      };
    }
  }
  const { prefix_token: prefix, suffix_token: suffix, middle_token: middle } = fimConfig;
  if (typeof prefix === 'string' && typeof suffix === 'string' && typeof middle === 'string') return { prefix, suffix, middle };
  return undefined;
}

/** `blocked_token_ids`, or else the single-token entries of `bad_words_ids`. */
function blockedIdsFrom(completion: Record<string, unknown>): number[] {
  if (Array.isArray(completion.blocked_token_ids)) return idList(completion.blocked_token_ids);
  if (!Array.isArray(completion.bad_words_ids)) return [];
  return completion.bad_words_ids.flatMap((words) => (Array.isArray(words) && words.length === 1 ? idList(words) : []));
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/** The token ids a config field holds: one id or a list of them (anything else dropped). */
export function idList(value: unknown): number[] {
  const values = Array.isArray(value) ? value : [value];
  return values.filter((id): id is number => typeof id === 'number' && Number.isInteger(id) && id >= 0);
}

function stringList(value: unknown): string[] {
  const values = Array.isArray(value) ? value : [value];
  return values.filter((text): text is string => typeof text === 'string');
}

function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}
