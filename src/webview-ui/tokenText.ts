/** How a token's text is shown: whitespace made visible, long pieces shortened. */

/** Replaces invisible characters with visible marks: `·` space, `↵` newline, `→` tab, `␍` carriage return. */
export function visibleToken(text: string): string {
  if (text.length === 0) return '∅';
  return text.replace(/ /g, '·').replace(/\r/g, '␍').replace(/\n/g, '↵').replace(/\t/g, '→');
}

/** A visible token cut to `max` characters with an ellipsis, for axis labels. */
export function shortToken(text: string, max = 12): string {
  const visible = visibleToken(text);
  return visible.length <= max ? visible : `${visible.slice(0, max - 1)}…`;
}
