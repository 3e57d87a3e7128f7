/**
 * The sessions probes run on, built the first time a probe asks (see onnxProbeGraph.ts): the
 * decoder with residual taps and a head-mask input, and the lens head. They live beside the
 * decoder that serves (which stays untouched, so generation pays nothing) until the model is
 * released. They cost a second copy of the weights in memory, taken only by a user who probes.
 */

import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { LensError } from '../common/errors';
import { formatBytes } from './memoryEstimate';
import { optionsForGraphBytes, readExternalDataLocations } from './onnxExternalData';
import { buildProbeGraphs, type ProbeGraphs } from './onnxProbeGraph';
import { graphSourceOf, sessionFactory, type Session } from './tappedSession';

/** An ONNX Runtime session as probes use it. */
export interface RunnableSession extends Session {
  readonly inputNames: readonly string[];
  run(feeds: Record<string, unknown>, fetches?: readonly string[], options?: unknown): Promise<Record<string, { data: unknown; dims: readonly number[] }>>;
}

export interface ProbeSessions {
  readonly probe: RunnableSession;
  readonly lensHead?: { readonly session: RunnableSession; readonly input: string };
  readonly graphs: Omit<ProbeGraphs, 'probeGraph' | 'lensHead'>;
  release(): Promise<void>;
}

/** A second copy of the weights, and ONNX Runtime's own allowance on top (as memoryEstimate.ts counts a load). */
const COPY_OVERHEAD = 1.25;

/** Bytes of weights a graph holds: its own bytes and its external data files. */
async function weightBytes(bytes: Uint8Array, file: string | undefined): Promise<number> {
  if (!file) return bytes.byteLength;
  const locations = await readExternalDataLocations(bytes);
  const sizes = await Promise.all(locations.map((l) => fs.promises.stat(path.join(path.dirname(file), l)).then((s) => s.size, () => 0)));
  return sizes.reduce((sum, size) => sum + size, bytes.byteLength);
}

/**
 * Builds the probe sessions for `decoder`, a session transformers.js created during the model's
 * load; refuses (NOT_ENOUGH_MEMORY) when the second copy would not fit in free memory.
 */
export async function buildProbeSessions(decoder: object, layers: number, freeBytes: () => number = os.freemem): Promise<ProbeSessions> {
  const source = graphSourceOf(decoder);
  if (!source) throw new Error('the model graph this session was built from is not known');
  const bytes = source.bytes ?? new Uint8Array(await fs.promises.readFile(source.file!));
  const needed = Math.round((await weightBytes(bytes, source.file)) * COPY_OVERHEAD);
  if (needed > freeBytes()) {
    throw new LensError('NOT_ENOUGH_MEMORY', `The logit lens and "what if" run on a second copy of the model, which needs about ${formatBytes(needed)}; ${formatBytes(freeBytes())} is free. Close other programs or use smaller weights (attentionLens.dtype).`);
  }
  const { probeGraph, lensHead, ...graphs } = await buildProbeGraphs(bytes, layers);
  const options = source.file ? optionsForGraphBytes(source.runtime, source.options, source.file) : source.options;
  const { factory } = sessionFactory();
  const probe = (await factory.create(probeGraph, options)) as RunnableSession;
  let head: ProbeSessions['lensHead'];
  try {
    head = lensHead ? { session: (await factory.create(lensHead.bytes, options)) as RunnableSession, input: lensHead.input } : undefined;
  } catch (error) {
    await probe.release();
    throw error;
  }
  return {
    probe,
    lensHead: head,
    graphs,
    async release() {
      await Promise.allSettled([probe.release(), head?.session.release()]);
    },
  };
}
