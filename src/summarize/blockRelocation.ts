/**
 * Finds a block of code again after its document changed (pure): Summarize Selection's Insert
 * button can be clicked long after the summary was written, while the user kept typing.
 */

import type { CodeBlock } from './functionLocator';

/**
 * The block moved to where its lines (`blockLines`, as they were) now stand in `currentLines`;
 * undefined when they are gone, changed, or found more than once (no place would be certain).
 */
export function relocateBlock(block: CodeBlock, blockLines: readonly string[], currentLines: readonly string[]): CodeBlock | undefined {
  if (blockLines.length === 0) return undefined;
  let found: number | undefined;
  const last = currentLines.length - blockLines.length;
  for (let start = 0; start <= last; start++) {
    if (currentLines[start] !== blockLines[0] || !blockLines.every((line, i) => currentLines[start + i] === line)) continue;
    if (found !== undefined) return undefined;
    found = start;
  }
  if (found === undefined) return undefined;
  const shift = found - block.startLine;
  return { ...block, startLine: block.startLine + shift, declarationLine: block.declarationLine + shift, endLine: block.endLine + shift };
}
