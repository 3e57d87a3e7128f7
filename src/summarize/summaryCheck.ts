/** Tells a sentence from code: small models sometimes answer a summary request with code. */

const CODE_START = /^(def|function|class|return|const|let|var|import|from|export|async|await|if|for|while|public|private|fn|func)\b/i;

/** True when `summary` reads like a sentence: words, not a declaration, a call or a statement. */
export function looksLikeProse(summary: string): boolean {
  const text = summary.trim();
  const words = text.split(/\s+/).filter((w) => /[A-Za-z]{2,}/.test(w));
  if (words.length < 3) return false;
  if (CODE_START.test(text)) return false;
  if (/[{};]|=>|==|\w\(.*\)\.?$/.test(text)) return false;
  // Mostly identifiers with underscores or dots: code, not prose.
  const codeLike = words.filter((w) => /[_.]\w/.test(w) || /^[a-z]+[A-Z]/.test(w)).length;
  return codeLike / words.length < 0.5;
}
