/**
 * Gives transformers.js a model graph with attention taps when the model file has none.
 *
 * transformers.js reads model files itself (a local folder, or the Hub through its file cache)
 * and hands ONNX Runtime a path or bytes through `InferenceSession.create`. That call is the one
 * place where every source meets, so while a load runs it is wrapped: the session is created as
 * usual, kept when its graph already has `decoder_attentions.*` outputs (the bundled model: no
 * extra cost), and otherwise replaced by one created from the bytes that onnxTapInjector.ts makes.
 * When injection is impossible the original session stays and the reason is reported, so the
 * model still completes and summarises.
 */

import * as fs from 'fs';
import { injectAttentionTaps, type InjectedTaps } from './onnxTapInjector';

/** What a model graph needs for the attention view. */
export type TapDecision =
  | { readonly kind: 'built-in' }
  | { readonly kind: 'injected'; readonly bytes: Uint8Array; readonly taps: InjectedTaps }
  | { readonly kind: 'unavailable'; readonly reason: string };

interface Session {
  readonly outputNames: readonly string[];
  release(): Promise<void>;
}

interface SessionFactory {
  create(...args: unknown[]): Promise<Session>;
}

/** True for the output names the attention capture reads probabilities from. */
function isProbsTap(name: string): boolean {
  return /^decoder_attentions\.\d+$/.test(name);
}

/**
 * Decides for a model graph: nothing to do when its outputs (`outputNames`) include the taps,
 * otherwise the graph (read by `readModel` only then) with taps injected, or why that failed.
 * `cpuKernels` false (e.g. WebGPU) rules out GroupQueryAttention's probabilities: only the CPU kernel writes them.
 */
export async function decideTaps(outputNames: readonly string[], readModel: () => Promise<Uint8Array>, cpuKernels = true): Promise<TapDecision> {
  if (outputNames.some(isProbsTap)) return { kind: 'built-in' };
  try {
    const injected = await injectAttentionTaps(await readModel());
    if (!injected.bytes) return { kind: 'unavailable', reason: injected.reason };
    if (injected.taps.source === 'group-query-attention' && !cpuKernels) {
      return { kind: 'unavailable', reason: 'Its fused GroupQueryAttention gives attention probabilities only on the cpu or wasm device.' };
    }
    return { kind: 'injected', bytes: injected.bytes, taps: injected.taps };
  } catch (error) {
    return { kind: 'unavailable', reason: `Attention outputs could not be added (${error instanceof Error ? error.message : String(error)}).` };
  }
}

/** The ONNX Runtime that transformers.js uses: the one injected for WASM (see ortRuntime.ts), else onnxruntime-node. */
function sessionFactory(): SessionFactory {
  const injected = (globalThis as Record<symbol, unknown>)[Symbol.for('onnxruntime')] as { InferenceSession: SessionFactory } | undefined;
  return (injected ?? (require('onnxruntime-node') as { InferenceSession: SessionFactory })).InferenceSession;
}

/**
 * Runs `load` (a transformers.js `from_pretrained`) with every ONNX session it creates given
 * attention taps where its graph lacks them. `cpuKernels`: the backend's kernels run on the CPU
 * (its backend table record). Resolves with why attention is unavailable, if it is.
 */
export async function loadWithAttentionTaps<T>(cpuKernels: boolean, load: () => Promise<T>): Promise<{ loaded: T; attentionUnavailableReason?: string }> {
  const factory = sessionFactory();
  const original = factory.create;
  const reasons: string[] = [];
  factory.create = async function (this: unknown, model: unknown, ...rest: unknown[]): Promise<Session> {
    const session = await original.call(this, model, ...rest);
    if (typeof model !== 'string' && !(model instanceof Uint8Array)) return session;
    const decision = await decideTaps(
      session.outputNames,
      async () => (typeof model === 'string' ? new Uint8Array(await fs.promises.readFile(model)) : model),
      cpuKernels,
    );
    if (decision.kind === 'unavailable') reasons.push(decision.reason);
    if (decision.kind !== 'injected') return session;
    await session.release();
    return original.call(this, decision.bytes, ...rest);
  };
  try {
    const loaded = await load();
    return reasons.length ? { loaded, attentionUnavailableReason: reasons[0] } : { loaded };
  } finally {
    factory.create = original;
  }
}
