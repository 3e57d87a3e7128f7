/**
 * Adds attention taps to an ONNX decoder that has none, so third-party models can be shown too.
 *
 * The taps are extra graph outputs named exactly like the bundled model's (`decoder_attentions.N`,
 * `attn_q.N`, `attn_k.N`, `attn_v.N`), so the rest of the worker reads them unchanged. Two kinds of
 * attention are recognised:
 * - unfused: a Softmax whose input traces back (through scale, mask, Where, Cast, Reshape, …) to a
 *   MatMul of two activations, Q·Kᵀ. Its output is the probabilities; Q, K (before its transpose
 *   and before the concat with the past cache) and V (the other factor of probs × V) are tapped
 *   when the graph keeps them in [batch, heads, T, head_dim].
 * - fused `com.microsoft::GroupQueryAttention`: its `qk_output` attribute set to 2 (after softmax;
 *   1 would be the scores before it) makes ONNX Runtime's CPU kernel fill its fourth output.
 * Every tap is a Cast to float of the tensor (a no-op for fp32 graphs, and float32 data for the
 * capture whatever the model's precision), appended after the existing nodes. Nothing else in the
 * model changes; protobuf-es keeps fields it does not know. Weights kept in external data files stay
 * there: their tensors keep their relative `location`, and tappedSession.ts tells ONNX Runtime the
 * folder (onnxExternalData.ts).
 */

import type { GraphProto, ModelProto, NodeProto } from 'onnx-buf';

/** The taps added to a model, per layer in graph order. */
export interface InjectedTaps {
  /** How the probabilities are reached: an unfused Softmax or a fused GroupQueryAttention node. */
  readonly source: 'softmax' | 'group-query-attention';
  /** `decoder_attentions.N` for each layer: [batch, heads, T, total] after softmax. */
  readonly probs: readonly string[];
  /** `attn_q.N`, `attn_k.N`, `attn_v.N` ([batch, heads, T, head_dim]); absent when the graph does not hold them so. */
  readonly qkv?: { readonly q: readonly string[]; readonly k: readonly string[]; readonly v: readonly string[] };
  /** Why Q, K and V were left out, when they were. */
  readonly qkvMissingReason?: string;
}

export type TapInjection = { bytes: Uint8Array; taps: InjectedTaps } | { bytes: undefined; reason: string };

type OnnxModule = typeof import('onnx-buf');
type ProtobufModule = typeof import('@bufbuild/protobuf');

/** GroupQueryAttention's `qk_output` values (ONNX Runtime contrib op): 0 none, 1 before softmax, 2 after. */
const QK_OUTPUT_AFTER_SOFTMAX = 2n;
const FLOAT = 1; // TensorProto.DataType.FLOAT

/** Ops the scores may pass between Q·Kᵀ and the Softmax: scale, mask, softcap, casts and reshapes. */
const SCORE_PATH_OPS = new Set(['Mul', 'Div', 'Add', 'Sub', 'Where', 'Cast', 'Reshape', 'Identity', 'Tanh']);
/** Ops the probabilities may pass between the Softmax and probs × V without changing their layout. */
const PROBS_PATH_OPS = new Set(['Where', 'Cast', 'Identity', 'Dropout']);
/** How far back from a Softmax the Q·Kᵀ MatMul may be. */
const SCORE_PATH_DEPTH = 8;

/** The graph's wiring, looked up by tensor name. */
export interface GraphIndex {
  readonly producer: Map<string, NodeProto>;
  readonly consumers: Map<string, NodeProto[]>;
  /** Tensors computed from initializers and Constant nodes alone. */
  readonly constant: Set<string>;
  readonly graphInputs: Set<string>;
  /** Every tensor name in use (inputs, initializers, node outputs). */
  readonly names: Set<string>;
}

/** One attention block found in the graph. */
interface AttentionSite {
  readonly position: number;
  /** The tensor to tap as probabilities, or a GroupQueryAttention node to make produce it. */
  readonly probs: { readonly tensor: string } | { readonly gqa: NodeProto };
  readonly q?: string;
  readonly k?: string;
  readonly v?: string;
}

export function indexGraph(graph: GraphProto): GraphIndex {
  const producer = new Map<string, NodeProto>();
  const consumers = new Map<string, NodeProto[]>();
  const constant = new Set<string>(graph.initializer.map((t) => t.name));
  const graphInputs = new Set(graph.input.map((v) => v.name).filter((name) => !constant.has(name)));
  const names = new Set<string>([...constant, ...graphInputs]);
  // Nodes are topologically sorted (an ONNX rule), so one pass settles which tensors are constant.
  for (const node of graph.node) {
    const inputs = node.input.filter(Boolean);
    const isConstant = inputs.every((name) => constant.has(name)) && node.opType !== 'RandomNormal' && node.opType !== 'RandomUniform';
    for (const name of inputs) {
      const list = consumers.get(name) ?? [];
      list.push(node);
      consumers.set(name, list);
    }
    for (const name of node.output.filter(Boolean)) {
      producer.set(name, node);
      names.add(name);
      if (isConstant) constant.add(name);
    }
  }
  return { producer, consumers, constant, graphInputs, names };
}

export function intAttribute(node: NodeProto, name: string): bigint | undefined {
  return node.attribute.find((a) => a.name === name)?.i;
}

function intsAttribute(node: NodeProto, name: string): bigint[] | undefined {
  return node.attribute.find((a) => a.name === name)?.ints;
}

/** True when the Softmax normalises over the last axis of [batch, heads, T, total] scores. */
export function softmaxOverLastAxis(node: NodeProto, defaultOpset: bigint): boolean {
  const axis = intAttribute(node, 'axis');
  if (axis === undefined) return defaultOpset >= 13n; // before opset 13 the default axis was 1
  return axis === -1n || axis === 3n;
}

/** Steps back over a multiplication or division by a constant (a scale), as often as there is one. */
function withoutScale(index: GraphIndex, tensor: string): string {
  let current = tensor;
  for (;;) {
    const node = index.producer.get(current);
    if (!node || (node.opType !== 'Mul' && node.opType !== 'Div') || node.domain !== '') return current;
    const [a, b] = node.input;
    if (index.constant.has(b)) current = a;
    else if (node.opType === 'Mul' && index.constant.has(a)) current = b;
    else return current;
  }
}

/** The new tokens' part of a `Concat(past_key_values.*, new)` on the sequence axis; the tensor itself otherwise. */
function withoutPast(index: GraphIndex, tensor: string): string {
  const node = index.producer.get(tensor);
  if (node?.opType === 'Concat' && node.input.length === 2 && index.graphInputs.has(node.input[0]) && !index.constant.has(node.input[1])) {
    return node.input[1];
  }
  return tensor;
}

/** The Q·Kᵀ MatMul that a Softmax's input traces back to: both factors are activations. */
export function findScoresMatMul(index: GraphIndex, scores: string): NodeProto | undefined {
  let frontier = [scores];
  const seen = new Set<string>();
  for (let depth = 0; depth <= SCORE_PATH_DEPTH && frontier.length; depth++) {
    const next: string[] = [];
    for (const tensor of frontier) {
      if (seen.has(tensor) || index.constant.has(tensor)) continue;
      seen.add(tensor);
      const node = index.producer.get(tensor);
      if (!node || node.domain !== '') continue;
      if (node.opType === 'MatMul') {
        if (!index.constant.has(node.input[0]) && !index.constant.has(node.input[1])) return node;
        continue;
      }
      if (!SCORE_PATH_OPS.has(node.opType)) continue;
      const inputs = node.opType === 'Where' ? node.input.slice(1) : node.opType === 'Reshape' ? node.input.slice(0, 1) : node.input;
      next.push(...inputs.filter(Boolean));
    }
    frontier = next;
  }
  return undefined;
}

/** The probs × V MatMul fed by the probabilities (through masking or casts): V is its second factor. */
export function findValueMatMul(index: GraphIndex, probs: string): NodeProto | undefined {
  let tensor = probs;
  for (let step = 0; step < 4; step++) {
    const consumers = index.consumers.get(tensor) ?? [];
    const matMul = consumers.find((n) => n.opType === 'MatMul' && n.domain === '' && n.input[0] === tensor && !index.constant.has(n.input[1]));
    if (matMul) return matMul;
    const pass = consumers.filter((n) => PROBS_PATH_OPS.has(n.opType) && n.domain === '');
    if (pass.length !== 1) return undefined;
    tensor = pass[0].output[0];
  }
  return undefined;
}

/** An unfused attention block around `softmax`, or undefined when the Softmax is not attention. */
function softmaxSite(index: GraphIndex, softmax: NodeProto, position: number): AttentionSite | undefined {
  const qk = findScoresMatMul(index, softmax.input[0]);
  if (!qk) return undefined;
  const probs = softmax.output[0];
  // K enters Q·Kᵀ through a Transpose of its last two axes: then K, and so Q, are [batch, heads, T, head_dim].
  const transpose = index.producer.get(withoutScale(index, qk.input[1]));
  const perm = transpose?.opType === 'Transpose' ? intsAttribute(transpose, 'perm')?.join(',') : undefined;
  if (!transpose || perm !== '0,1,3,2') return { position, probs: { tensor: probs } };
  const valueMatMul = findValueMatMul(index, probs);
  return {
    position,
    probs: { tensor: probs },
    q: withoutScale(index, qk.input[0]),
    k: withoutPast(index, withoutScale(index, transpose.input[0])),
    v: valueMatMul ? withoutPast(index, valueMatMul.input[1]) : undefined,
  };
}

function fusedAttentionProblem(node: NodeProto): string | undefined {
  if (node.domain === 'com.microsoft' && node.opType !== 'GroupQueryAttention' && /Attention$/.test(node.opType)) {
    return `fused com.microsoft.${node.opType} nodes, which cannot output their attention probabilities`;
  }
  if ((node.domain === '' || node.domain === 'ai.onnx') && node.opType === 'Attention') {
    return 'the fused ONNX Attention operator, which Attention Lens cannot tap yet';
  }
  return undefined;
}

export async function loadProtobuf(): Promise<{ onnx: OnnxModule; protobuf: ProtobufModule }> {
  // onnx-buf is ESM only. tsc (module commonjs) turns these imports into require(), which loads ESM
  // on Node >= 20.19; webpack bundles both for the worker. Loaded on demand: most models need neither.
  const [onnx, protobuf] = await Promise.all([import('onnx-buf'), import('@bufbuild/protobuf')]);
  return { onnx, protobuf };
}

/** Adds `decoder_attentions.N` (and `attn_q/k/v.N` where the layout allows) outputs to a model without taps. */
export async function injectAttentionTaps(modelBytes: Uint8Array): Promise<TapInjection> {
  const { onnx, protobuf } = await loadProtobuf();
  let model: ModelProto;
  try {
    model = protobuf.fromBinary(onnx.ModelProtoSchema, modelBytes);
  } catch (error) {
    return { bytes: undefined, reason: `The model file could not be read as ONNX (${error instanceof Error ? error.message : String(error)}).` };
  }
  const graph = model.graph;
  if (!graph) return { bytes: undefined, reason: 'The model file holds no graph.' };
  if (graph.output.some((o) => o.name.startsWith('decoder_attentions.'))) {
    return { bytes: undefined, reason: 'The model already has attention outputs.' };
  }

  const index = indexGraph(graph);
  const defaultOpset = model.opsetImport.find((o) => o.domain === '' || o.domain === 'ai.onnx')?.version ?? 0n;
  const sites: AttentionSite[] = [];
  const problems = new Set<string>();
  graph.node.forEach((node, position) => {
    if (node.opType === 'Softmax' && node.domain === '' && softmaxOverLastAxis(node, defaultOpset)) {
      const site = softmaxSite(index, node, position);
      if (site) sites.push(site);
    } else if (node.opType === 'GroupQueryAttention' && node.domain === 'com.microsoft') {
      sites.push({ position, probs: { gqa: node } });
    } else {
      const problem = fusedAttentionProblem(node);
      if (problem) problems.add(problem);
    }
  });
  if (problems.size) {
    return { bytes: undefined, reason: `The model uses ${[...problems].join(' and ')}, so its attention cannot be shown.` };
  }
  if (!sites.length) {
    const nested = graph.node.some((n) => n.attribute.some((a) => a.g || a.graphs.length));
    return {
      bytes: undefined,
      reason: nested
        ? 'No attention block (Softmax over Q·Kᵀ) was found in the main graph; it may sit inside a control-flow subgraph, which Attention Lens cannot tap.'
        : 'No attention block (Softmax over Q·Kᵀ, or GroupQueryAttention) was found in the model graph, so its attention cannot be shown.',
    };
  }
  if (sites.some((s) => 'gqa' in s.probs) && sites.some((s) => 'tensor' in s.probs)) {
    return { bytes: undefined, reason: 'The model mixes fused and unfused attention blocks, which Attention Lens cannot tap.' };
  }
  sites.sort((a, b) => a.position - b.position);

  const taps: { name: string; tensor: string }[] = [];
  const probs: string[] = [];
  sites.forEach((site, layer) => {
    const name = `decoder_attentions.${layer}`;
    probs.push(name);
    if ('tensor' in site.probs) {
      taps.push({ name, tensor: site.probs.tensor });
      return;
    }
    // GroupQueryAttention outputs: output, present_key, present_value, output_qk.
    const node = site.probs.gqa;
    const qkName = `${name}/qk_output`;
    while (node.output.length < 4) node.output.push('');
    node.output[3] = qkName;
    node.attribute = node.attribute.filter((a) => a.name !== 'qk_output');
    node.attribute.push(protobuf.create(onnx.AttributeProtoSchema, { name: 'qk_output', type: onnx.AttributeProto_AttributeType.INT, i: QK_OUTPUT_AFTER_SOFTMAX }));
    index.names.add(qkName);
    taps.push({ name, tensor: qkName });
  });

  const fused = 'gqa' in sites[0].probs;
  const complete = sites.every((s) => s.q && s.k && s.v);
  let qkv: InjectedTaps['qkv'];
  let qkvMissingReason: string | undefined;
  if (fused) {
    qkvMissingReason = 'GroupQueryAttention takes Q, K and V packed as [batch, T, heads × head_dim], so they are not shown per head.';
  } else if (!complete) {
    qkvMissingReason = 'The graph does not hold Q, K and V in [batch, heads, T, head_dim] in every layer, so only the probabilities are shown.';
  } else {
    const names = (prefix: string) => sites.map((_, layer) => `${prefix}.${layer}`);
    qkv = { q: names('attn_q'), k: names('attn_k'), v: names('attn_v') };
    sites.forEach((site, layer) => {
      taps.push({ name: `attn_q.${layer}`, tensor: site.q! }, { name: `attn_k.${layer}`, tensor: site.k! }, { name: `attn_v.${layer}`, tensor: site.v! });
    });
  }

  const taken = taps.find((tap) => index.names.has(tap.name));
  if (taken) return { bytes: undefined, reason: `The model already uses the name ${taken.name} for something else, so taps cannot be added.` };
  for (const tap of taps) {
    graph.node.push(
      protobuf.create(onnx.NodeProtoSchema, {
        name: `attention_lens_tap/${tap.name}`,
        opType: 'Cast',
        input: [tap.tensor],
        output: [tap.name],
        attribute: [protobuf.create(onnx.AttributeProtoSchema, { name: 'to', type: onnx.AttributeProto_AttributeType.INT, i: BigInt(FLOAT) })],
      }),
    );
    graph.output.push(
      protobuf.create(onnx.ValueInfoProtoSchema, {
        name: tap.name,
        type: { value: { case: 'tensorType', value: { elemType: FLOAT } } },
      }),
    );
  }
  return {
    bytes: protobuf.toBinary(onnx.ModelProtoSchema, model),
    taps: { source: fused ? 'group-query-attention' : 'softmax', probs, qkv, qkvMissingReason },
  };
}
