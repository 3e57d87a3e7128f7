/**
 * Turns prompts into token ids so that text from the user's files never becomes a control token.
 * The family's markers (`<fim_prefix>`, a chat template's `<|im_start|>`…) are encoded as the
 * special tokens they are; the user's text goes through a copy of the tokenizer that does not know
 * the special tokens, so a file that spells `<fim_middle>` or `<|endoftext|>` gives the model those
 * characters, never the marker (which would end a completion early or steer it).
 */

import type { PreTrainedTokenizer } from '@huggingface/transformers';
import type { PromptPart } from '../common/promptParts';

interface AddedTokenJson {
  readonly content: string;
  readonly special?: boolean;
}

type TokenizerClass = new (tokenizerJSON: unknown, tokenizerConfig: unknown) => PreTrainedTokenizer;

/** See the module comment. One encoder per loaded tokenizer. */
export class PromptEncoder {
  private readonly literal: PreTrainedTokenizer;
  private readonly specialIds: ReadonlySet<number>;

  constructor(private readonly tokenizer: PreTrainedTokenizer) {
    const json = tokenizer._tokenizerJSON as { added_tokens?: readonly AddedTokenJson[] };
    // The same tokenizer class and files, with the special tokens left out of the added tokens:
    // they stay in the vocabulary (decoding is unchanged) but no longer match in text.
    const Class = tokenizer.constructor as TokenizerClass;
    const plainJson = { ...json, added_tokens: (json.added_tokens ?? []).filter((token) => !token.special) };
    this.literal = new Class(plainJson, tokenizer._tokenizerConfig);
    this.specialIds = new Set(tokenizer.all_special_ids);
  }

  /** Ids of a prompt: control parts as their tokens, text parts literally. */
  encode(parts: readonly PromptPart[]): number[] {
    const ids: number[] = [];
    for (const part of parts) {
      if ('control' in part) {
        if (part.control) ids.push(...this.tokenizer.encode(part.control, { add_special_tokens: false }));
      } else {
        ids.push(...this.encodeText(part.text));
      }
    }
    return ids;
  }

  /** Ids of user text, in which no special token can appear. */
  encodeText(text: string): number[] {
    if (!text) return [];
    const ids = this.literal.encode(text, { add_special_tokens: false });
    if (!ids.some((id) => this.specialIds.has(id))) return ids;
    // The plain tokenizer's merges rebuilt a special token from its characters (a vocabulary that
    // keeps specials as ordinary entries): encode the two halves apart until none is left.
    const characters = [...text];
    if (characters.length < 2) return ids.filter((id) => !this.specialIds.has(id));
    const half = Math.floor(characters.length / 2);
    return [...this.encodeText(characters.slice(0, half).join('')), ...this.encodeText(characters.slice(half).join(''))];
  }
}

/**
 * Splits a rendered template around the one place `placeholder` stands in it: the text before and
 * after are control parts, `text` goes in between literally. Undefined when the placeholder does
 * not appear exactly once (a template that rewrote it).
 */
export function partsAroundPlaceholder(rendered: string, placeholder: string, text: string): PromptPart[] | undefined {
  const at = rendered.indexOf(placeholder);
  if (at < 0 || rendered.indexOf(placeholder, at + 1) >= 0) return undefined;
  return [{ control: rendered.slice(0, at) }, { text }, { control: rendered.slice(at + placeholder.length) }];
}
