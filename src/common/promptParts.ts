/** Prompts as parts: control markers the product writes, and text that came from the user (pure). */

/**
 * A piece of a prompt. `control` is written by the product (FIM markers, a template's frame) and
 * may hold special tokens; `text` came from the user's files and is always encoded literally.
 */
export type PromptPart = { readonly control: string } | { readonly text: string };

/** The prompt as one string, for logs, benchmarks and tests. */
export function promptText(parts: readonly PromptPart[]): string {
  return parts.map((part) => ('control' in part ? part.control : part.text)).join('');
}
