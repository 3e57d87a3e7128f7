/** The JSON export: the capture's numbers as plain JSON, tensors as dims plus a flat list. */

import type { AttentionCapture, TensorData } from '../common/attentionData';
import { MAX_EXPORT_JSON_CHARS, type ViewSelection } from '../common/webviewProtocol';

/** Stay well under the host's limit (floats vary in length) by dropping the largest optional tensors first. */
const MAX_CHARS = Math.floor(MAX_EXPORT_JSON_CHARS * 0.78);
/** About how many characters one float takes at 7 significant digits plus its comma. */
const CHARS_PER_FLOAT = 12;

/** The JSON text, or why there is none: the probabilities alone would not fit one message to the host. */
export type CaptureJson = { readonly json: string } | { readonly tooLarge: string };

/**
 * Serialises `capture` with the selection it was viewed with. Floats keep float32's ~7 digits;
 * q/k/v and embeddings are left out (and listed in `omitted`) when all of it would be too large.
 */
export function captureToJson(capture: AttentionCapture, selection: ViewSelection): CaptureJson {
  const optional = ['q', 'k', 'v', 'embedTokens', 'embedPositions'] as const;
  const sizeOf = (t: TensorData | undefined) => (t ? t.data.length * CHARS_PER_FLOAT : 0);
  const required = sizeOf(capture.probs) + capture.text.length * 2;
  if (required > MAX_CHARS) {
    const megabytes = (chars: number) => Math.round(chars / (1024 * 1024));
    return {
      tooLarge: `This capture is too large to export as JSON: its ${capture.tokens.length} tokens' probabilities alone come to about ${megabytes(required)} MB of text, over the ${megabytes(MAX_CHARS)} MB one export can carry. Show attention for fewer tokens (a smaller selection, or attentionLens.attention.maxTokens) and export again.`,
    };
  }
  let budget = MAX_CHARS - required;
  const omitted: string[] = [];
  const tensors: [string, TensorData][] = [['probs', capture.probs]];
  for (const name of optional) {
    const tensor = capture[name];
    if (!tensor) continue;
    if (sizeOf(tensor) <= budget) {
      tensors.push([name, tensor]);
      budget -= sizeOf(tensor);
    } else {
      omitted.push(name);
    }
  }
  const head = JSON.stringify({
    format: 'attention-lens-capture',
    version: 1,
    modelName: capture.modelName,
    origin: capture.origin,
    layers: capture.layers,
    heads: capture.heads,
    headDim: capture.headDim,
    positionKind: capture.positionKind,
    cut: capture.cut ?? null,
    selection,
    text: capture.text,
    tokens: capture.tokens,
    tokenIds: capture.tokenIds,
    offsets: capture.offsets,
    omitted,
  });
  // Tensors are written by hand: JSON.stringify(Array.from(data)) would build a second copy of
  // every number as a JS array before the string.
  const parts = tensors.map(([name, t]) => `${JSON.stringify(name)}:{"dims":${JSON.stringify(t.dims)},"data":[${floatList(t.data)}]}`);
  return { json: `${head.slice(0, -1)},${parts.join(',')}}` };
}

function floatList(data: Float32Array): string {
  const chunk = 65536;
  const pieces: string[] = [];
  for (let start = 0; start < data.length; start += chunk) {
    const end = Math.min(data.length, start + chunk);
    const texts = new Array<string>(end - start);
    for (let n = start; n < end; n++) {
      const x = data[n];
      texts[n - start] = Number.isFinite(x) ? String(Number(x.toPrecision(7))) : 'null';
    }
    pieces.push(texts.join(','));
  }
  return pieces.join(',');
}
