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
 *
 * The same seam tells ONNX Runtime where a graph's external data is (onnxExternalData.ts): the
 * tapped session is built from bytes, which name no folder, and onnxruntime-web (WASM) opens no
 * files by itself even for a graph given by path, which is how transformers.js passes it in Node.
 */

import * as fs from 'fs';
import { mountedExternalData, optionsForGraphBytes, readExternalDataLocations, type ExternalDataRuntime, type ExternalDataSessionOptions } from './onnxExternalData';
import { injectAttentionTaps, type InjectedTaps } from './onnxTapInjector';

/** What a model graph needs for the attention view. */
export type TapDecision =
  | { readonly kind: 'built-in' }
  | { readonly kind: 'injected'; readonly bytes: Uint8Array; readonly taps: InjectedTaps }
  | { readonly kind: 'unavailable'; readonly reason: string };

export interface Session {
  readonly outputNames: readonly string[];
  release(): Promise<void>;
}

export interface SessionFactory {
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

/** Where a session's graph came from, so that probes can build their own sessions of it (see probeSessions.ts). */
export interface GraphSource {
  /** The graph's file, when it was given by path (its external data lies beside it). */
  readonly file?: string;
  /** The graph's bytes, only when there is no file. */
  readonly bytes?: Uint8Array;
  /** The session options transformers.js chose (device, threads, external data). */
  readonly options: ExternalDataSessionOptions;
  readonly runtime: ExternalDataRuntime;
}

const graphSources = new WeakMap<object, GraphSource>();

/** The graph source of a session created during loadWithAttentionTaps. */
export function graphSourceOf(session: object): GraphSource | undefined {
  return graphSources.get(session);
}

/** The ONNX Runtime that transformers.js uses: the one injected for WASM (see ortRuntime.ts), else onnxruntime-node. */
export function sessionFactory(): { factory: SessionFactory; runtime: ExternalDataRuntime } {
  const injected = (globalThis as Record<symbol, unknown>)[Symbol.for('onnxruntime')] as { InferenceSession: SessionFactory } | undefined;
  if (injected) return { factory: injected.InferenceSession, runtime: 'web' };
  return { factory: (require('onnxruntime-node') as { InferenceSession: SessionFactory }).InferenceSession, runtime: 'native' };
}

/** A graph as transformers.js hands it to ONNX Runtime: its file (Node) or its bytes, and the session options. */
interface GraphRequest {
  readonly file?: string;
  bytes?: Uint8Array;
  options: ExternalDataSessionOptions;
}

/**
 * onnxruntime-web cannot open a graph's external data files (it fails with "Module.MountedFiles is
 * not available"): a graph given by path gets them mounted from its folder. The graph is read here
 * to find them and handed over as bytes, so it is read once.
 */
async function mountExternalDataForWeb(request: GraphRequest): Promise<void> {
  if (!request.file || request.options.externalData) return;
  request.bytes = new Uint8Array(await fs.promises.readFile(request.file));
  const locations = await readExternalDataLocations(request.bytes);
  if (locations.length) request.options = { ...request.options, externalData: mountedExternalData(request.file, locations) };
}

/**
 * Runs `load` (a transformers.js `from_pretrained`) with every ONNX session it creates given
 * attention taps where its graph lacks them, and its external data files where the runtime would
 * not find them. `cpuKernels`: the backend's kernels run on the CPU (its backend table record).
 * Resolves with why attention is unavailable, if it is.
 */
export async function loadWithAttentionTaps<T>(cpuKernels: boolean, load: () => Promise<T>): Promise<{ loaded: T; attentionUnavailableReason?: string }> {
  const { factory, runtime } = sessionFactory();
  const original = factory.create;
  const reasons: string[] = [];
  factory.create = async function (this: unknown, model: unknown, ...rest: unknown[]): Promise<Session> {
    // transformers.js calls create(pathOrBytes, options); other shapes pass through untouched.
    if ((typeof model !== 'string' && !(model instanceof Uint8Array)) || rest.length > 1) return original.call(this, model, ...rest);
    const options = (rest[0] as ExternalDataSessionOptions | undefined) ?? {};
    const request: GraphRequest = typeof model === 'string' ? { file: model, options } : { bytes: model, options };
    if (runtime === 'web') await mountExternalDataForWeb(request);
    const session = await original.call(this, request.bytes ?? request.file, request.options);
    const decision = await decideTaps(
      session.outputNames,
      async () => (request.bytes ??= new Uint8Array(await fs.promises.readFile(request.file!))),
      cpuKernels,
    );
    if (decision.kind === 'unavailable') reasons.push(decision.reason);
    const source: GraphSource = request.file ? { file: request.file, options: request.options, runtime } : { bytes: request.bytes, options: request.options, runtime };
    if (decision.kind !== 'injected') {
      graphSources.set(session, source);
      return session;
    }
    await session.release();
    // The tapped graph is bytes: ONNX Runtime is told where the external data of its file lives
    // (onnxruntime-node then reads it as from a path: measured, the same peak memory; passing the
    // data as a buffer instead held it twice and took three times as long).
    const tapped = await original.call(this, decision.bytes, request.file ? optionsForGraphBytes(runtime, request.options, request.file) : request.options);
    graphSources.set(tapped, source);
    return tapped;
  };
  try {
    const loaded = await load();
    return reasons.length ? { loaded, attentionUnavailableReason: reasons[0] } : { loaded };
  } finally {
    factory.create = original;
  }
}
