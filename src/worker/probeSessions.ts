/**
 * The sessions probes run on, built the first time a probe asks (see onnxProbeGraph.ts): the
 * decoder with residual taps and a head-mask input, and the lens head. They live beside the
 * decoder that serves (which stays untouched, so generation pays nothing) until the model is
 * released. They cost a second copy of the weights in memory, taken only by a user who probes.
 */

import * as fs from 'fs';
import { optionsForGraphBytes } from './onnxExternalData';
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

/** Builds the probe sessions for `decoder`, a session transformers.js created during the model's load. */
export async function buildProbeSessions(decoder: object, layers: number): Promise<ProbeSessions> {
  const source = graphSourceOf(decoder);
  if (!source) throw new Error('the model graph this session was built from is not known');
  const bytes = source.bytes ?? new Uint8Array(await fs.promises.readFile(source.file!));
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
