/** The JSON export: the capture's numbers as plain JSON, tensors as dims plus a flat list. */

import type { AttentionCapture, TensorData } from '../common/attentionData';
import type { ViewSelection } from '../common/webviewProtocol';

/** The host rejects exports past 256 MiB; stay well under it by dropping the largest optional tensors first. */
const MAX_CHARS = 200 * 1024 * 1024;
/** About how many characters one float takes at 7 significant digits plus its comma. */
const CHARS_PER_FLOAT = 12;

/**
 * Serialises `capture` with the selection it was viewed with. Floats keep float32's ~7 digits;
 * q/k/v and embeddings are left out (and listed in `omitted`) when all of it would be too large.
 */
export function captureToJson(capture: AttentionCapture, selection: ViewSelection): string {
  const optional = ['q', 'k', 'v', 'embedTokens', 'embedPositions'] as const;
  const sizeOf = (t: TensorData | undefined) => (t ? t.data.length * CHARS_PER_FLOAT : 0);
  let budget = MAX_CHARS - sizeOf(capture.probs) - capture.text.length * 2;
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
  return `${head.slice(0, -1)},${parts.join(',')}}`;
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
