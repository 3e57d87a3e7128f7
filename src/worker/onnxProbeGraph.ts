/**
 * Builds, from a decoder's ONNX graph, the two graphs that probes run (see probeSessions.ts):
 *
 * - the probe graph: the decoder itself plus
 *   - `lens_residual.N` outputs, the residual stream straight after the embeddings (N = 0) and
 *     after each layer (N = l + 1): found by walking the chain of residual additions back from the
 *     final norm (an Add of two computed tensors, one of them the stream so far);
 *   - an input `attention_lens_head_mask` [layers, heads] multiplying each head's attention result
 *     (probs × V, or a fused GroupQueryAttention's output seen as [batch, T, heads, head_dim])
 *     before the output projection: 1 keeps a head, 0 knocks it out;
 * - the lens head: the nodes between the last residual and `logits` (final norm, unembedding,
 *   any quantization of them) alone, with that residual as its input, so each depth's residual
 *   goes through exactly the model's own final norm and unembedding (the logit lens).
 *
 * The decoder that serves is left alone: its session is not rebuilt and generation pays nothing.
 */

import type { GraphProto, ModelProto, NodeProto, TensorProto, ValueInfoProto } from 'onnx-buf';
import { findScoresMatMul, findValueMatMul, indexGraph, intAttribute, loadProtobuf, softmaxOverLastAxis, type GraphIndex } from './onnxTapInjector';

export const HEAD_MASK_INPUT = 'attention_lens_head_mask';
export const RESIDUAL_TAP_PREFIX = 'lens_residual.';
const FLOAT = 1;
const INT64 = 7;

export interface ProbeGraphs {
  /** The decoder with the residual taps and (when `knockout`) the head-mask input. */
  readonly probeGraph: Uint8Array;
  /** Residual taps in depth order (embeddings first); empty when the stream could not be found. */
  readonly residualTaps: readonly string[];
  /** The final norm and unembedding as a graph of its own; undefined with `lensUnavailable`. */
  readonly lensHead?: { readonly bytes: Uint8Array; readonly input: string };
  readonly lensUnavailable?: string;
  /** Heads the mask input has per layer; undefined with `knockoutUnavailable`. */
  readonly knockout?: { readonly layers: number; readonly heads: number };
  readonly knockoutUnavailable?: string;
}

/** One attention block: where its per-head result leaves it, and its query head count when fused. */
interface HeadOutput {
  readonly position: number;
  readonly tensor: string;
  /** 'heads-first': [batch, heads, T, head_dim]; 'packed': [batch, T, heads × head_dim] (GroupQueryAttention). */
  readonly layout: 'heads-first' | 'packed';
  readonly heads?: number;
}

/** Ops that pass a tensor on unchanged in value (exporters wrap norms' inputs in float casts). */
const PASS_THROUGH = new Set(['Cast', 'Identity']);
/** Ops a shape computation is made of (a Reshape's target built from Shape of the stream). */
const SHAPE_OPS = new Set(['Shape', 'Gather', 'Slice', 'Squeeze', 'Unsqueeze', 'Concat', 'Cast', 'Identity', 'Mul', 'Div', 'Add', 'Sub', 'Constant', 'ConstantOfShape', 'Reshape']);

/** The tensor behind pass-through ops. */
function beneath(index: GraphIndex, tensor: string): string {
  let current = tensor;
  for (let step = 0; step < 8; step++) {
    const node = index.producer.get(current);
    if (!node || !PASS_THROUGH.has(node.opType) || node.domain !== '' || node.input.length !== 1) return current;
    current = node.input[0];
  }
  return current;
}

function isTwoActivationAdd(index: GraphIndex, node: NodeProto | undefined): node is NodeProto {
  return Boolean(node && node.opType === 'Add' && node.domain === '' && node.input.length === 2 && node.input.every((t) => !index.constant.has(t)));
}

/** The tensor entering the final norm: the last residual, reached from `logits` through the head. */
function lastResidual(index: GraphIndex, logits: string): string | undefined {
  let frontier = [logits];
  const seen = new Set<string>();
  for (let depth = 0; depth < 64 && frontier.length; depth++) {
    const next: string[] = [];
    for (const tensor of frontier) {
      if (seen.has(tensor) || index.constant.has(tensor)) continue;
      seen.add(tensor);
      const node = index.producer.get(tensor);
      if (!node) continue;
      if (isTwoActivationAdd(index, node)) return tensor;
      next.push(...(node as NodeProto).input.filter(Boolean));
    }
    frontier = next;
  }
  return undefined;
}

/** The residual stream from the embeddings to `last`, one tensor per addition into it. */
function residualChain(index: GraphIndex, positions: Map<NodeProto, number>, last: string): string[] {
  const chain = [last];
  let node = index.producer.get(last);
  while (isTwoActivationAdd(index, node)) {
    const stream = node.input.filter((t) => isTwoActivationAdd(index, index.producer.get(beneath(index, t))));
    if (stream.length !== 1) {
      // The first addition into the stream: the stream so far is the input computed earlier (the embeddings).
      if (stream.length === 0) {
        const [a, b] = node.input;
        const at = (t: string) => positions.get(index.producer.get(t)!) ?? -1;
        chain.push(at(a) <= at(b) ? a : b);
      }
      break;
    }
    chain.push(stream[0]);
    node = index.producer.get(beneath(index, stream[0]));
  }
  return chain.reverse();
}

/** Where each layer's per-head attention result leaves its block. */
function headOutputs(graph: GraphProto, index: GraphIndex, defaultOpset: bigint): HeadOutput[] {
  const outputs: HeadOutput[] = [];
  graph.node.forEach((node, position) => {
    if (node.opType === 'Softmax' && node.domain === '' && softmaxOverLastAxis(node, defaultOpset) && findScoresMatMul(index, node.input[0])) {
      const valueMatMul = findValueMatMul(index, node.output[0]);
      if (valueMatMul) outputs.push({ position, tensor: valueMatMul.output[0], layout: 'heads-first' });
    } else if (node.opType === 'GroupQueryAttention' && node.domain === 'com.microsoft') {
      outputs.push({ position, tensor: node.output[0], layout: 'packed', heads: Number(intAttribute(node, 'num_heads') ?? 0n) });
    }
  });
  return outputs;
}

/**
 * The nodes that compute `tensor` from Shape nodes alone (a Reshape target: batch, length, width),
 * each Shape then read off `residual` instead (same [batch, T, width] layout); undefined when
 * `tensor` depends on anything else.
 */
function shapeFromResidual(index: GraphIndex, tensor: string, residual: string, clone: (node: NodeProto) => NodeProto): NodeProto[] | undefined {
  const nodes = new Map<NodeProto, NodeProto>();
  const stack = [tensor];
  const seen = new Set<string>();
  while (stack.length) {
    const current = stack.pop()!;
    if (seen.has(current) || index.constant.has(current)) continue;
    seen.add(current);
    const node = index.producer.get(current);
    if (!node || node.domain !== '' || !SHAPE_OPS.has(node.opType)) return undefined;
    if (node.opType === 'Shape') {
      const copy = clone(node);
      copy.input = [residual];
      nodes.set(node, copy);
      continue;
    }
    nodes.set(node, node);
    stack.push(...node.input.filter(Boolean));
  }
  return [...nodes.values()];
}

/** Why the head stops being separable from the rest of the graph, or the nodes it is made of. */
function headNodes(graph: GraphProto, index: GraphIndex, residual: string, logits: string, clone: (node: NodeProto) => NodeProto): NodeProto[] | string {
  const needed = new Set<string>([logits]);
  for (let i = graph.node.length - 1; i >= 0; i--) {
    const node = graph.node[i];
    if (node.output.some((o) => needed.has(o))) node.input.filter(Boolean).forEach((t) => needed.add(t));
  }
  const fromResidual = new Set<string>([residual]);
  const nodes: NodeProto[] = [];
  for (const node of graph.node) {
    if (!node.output.some((o) => needed.has(o))) continue;
    const inputs = node.input.filter(Boolean);
    if (inputs.some((t) => fromResidual.has(t))) {
      node.output.forEach((o) => fromResidual.add(o));
      nodes.push(node);
    } else if (inputs.every((t) => index.constant.has(t)) && node.output.every((o) => index.constant.has(o))) {
      nodes.push(node); // constants the head reads (Constant nodes and what is folded from them)
    }
  }
  const made = new Set<string>([residual, ...nodes.flatMap((n) => n.output)]);
  const initializers = new Set(graph.initializer.map((t) => t.name));
  const missing = (list: NodeProto[]) => [...new Set(list.flatMap((n) => n.input.filter(Boolean)))].filter((t) => !made.has(t) && !initializers.has(t));
  for (const foreign of missing(nodes)) {
    const shape = shapeFromResidual(index, foreign, residual, clone);
    if (!shape) return `its final norm and unembedding also read ${foreign}, which is not part of the residual stream`;
    for (const n of shape) if (!nodes.includes(n)) nodes.push(n);
    shape.forEach((n) => n.output.forEach((o) => made.add(o)));
  }
  const still = missing(nodes);
  if (still.length) return `its final norm and unembedding also read ${still[0]}, which is not part of the residual stream`;
  if (!made.has(logits)) return 'its logits do not follow from the last residual';
  return topologicallyMerged(nodes, []);
}

/** See the module comment. */
export async function buildProbeGraphs(modelBytes: Uint8Array, layers: number): Promise<ProbeGraphs> {
  const { onnx, protobuf } = await loadProtobuf();
  const model: ModelProto = protobuf.fromBinary(onnx.ModelProtoSchema, modelBytes);
  const graph = model.graph;
  if (!graph) throw new Error('The model file holds no graph.');
  const index = indexGraph(graph);
  const positions = new Map(graph.node.map((n, i) => [n, i] as const));
  const defaultOpset = model.opsetImport.find((o) => o.domain === '' || o.domain === 'ai.onnx')?.version ?? 0n;
  const logitsOutput = graph.output.find((o) => o.name === 'logits');
  const node = (fields: { name: string; opType: string; input: string[]; output: string[]; attribute?: NodeProto['attribute'] }) => protobuf.create(onnx.NodeProtoSchema, fields);
  const floatInfo = (name: string): ValueInfoProto => protobuf.create(onnx.ValueInfoProtoSchema, { name, type: { value: { case: 'tensorType', value: { elemType: FLOAT } } } });
  const int64s = (name: string, values: readonly number[]): TensorProto =>
    protobuf.create(onnx.TensorProtoSchema, { name, dataType: INT64, dims: [BigInt(values.length)], int64Data: values.map(BigInt) });

  // The residual stream and the head that reads it.
  let residualTaps: string[] = [];
  let lensHead: ProbeGraphs['lensHead'];
  let lensUnavailable: string | undefined;
  const last = logitsOutput ? lastResidual(index, 'logits') : undefined;
  if (!logitsOutput) lensUnavailable = 'The model graph has no logits output.';
  else if (logitsOutput.type?.value.case === 'tensorType' && logitsOutput.type.value.value.elemType !== FLOAT) {
    lensUnavailable = 'Its graph computes in reduced precision (its logits are not float32), which the logit lens does not read yet.';
  } else if (!last) lensUnavailable = 'No residual addition was found before its final norm.';
  else {
    const chain = residualChain(index, positions, last);
    // An embedding that is itself a sum (tokens + learned positions) looks like one more addition: its own input is not the stream.
    if (chain.length === 2 * layers + 2 || chain.length === layers + 2) chain.shift();
    // Sequential blocks add twice per layer (attention, then MLP); parallel ones once.
    const stride = chain.length === 2 * layers + 1 ? 2 : chain.length === layers + 1 ? 1 : 0;
    const head = headNodes(graph, index, last, 'logits', (n) => protobuf.clone(onnx.NodeProtoSchema, n));
    if (!stride) lensUnavailable = `Its residual stream did not split into ${layers} layers (${chain.length - 1} additions were found).`;
    else if (typeof head === 'string') lensUnavailable = `Its graph does not allow it: ${head}.`;
    else {
      const boundaries = chain.filter((_, i) => i % stride === 0);
      residualTaps = boundaries.map((_, depth) => `${RESIDUAL_TAP_PREFIX}${depth}`);
      boundaries.forEach((tensor, depth) => {
        graph.node.push(node({ name: `attention_lens_probe/${residualTaps[depth]}`, opType: 'Identity', input: [tensor], output: [residualTaps[depth]] }));
        graph.output.push(floatInfo(residualTaps[depth]));
      });
      const used = new Set(head.flatMap((n) => n.input));
      const headModel = protobuf.create(onnx.ModelProtoSchema, {
        irVersion: model.irVersion,
        opsetImport: model.opsetImport,
        producerName: 'attention-lens logit lens',
        functions: model.functions,
        graph: protobuf.create(onnx.GraphProtoSchema, {
          name: 'lens_head',
          node: head,
          initializer: graph.initializer.filter((t) => used.has(t.name)),
          input: [floatInfo(last)],
          output: [logitsOutput],
        }),
      });
      lensHead = { bytes: protobuf.toBinary(onnx.ModelProtoSchema, headModel), input: last };
    }
  }

  // The head mask: each head's result times its entry before the blocks mix the heads.
  const sites = headOutputs(graph, index, defaultOpset);
  let knockout: ProbeGraphs['knockout'];
  let knockoutUnavailable: string | undefined;
  if (sites.length !== layers) {
    knockoutUnavailable = `Each head's output could be found in ${sites.length} of its ${layers} layers, so heads cannot be knocked out.`;
  } else {
    const heads = sites[0].heads ?? 0;
    graph.input.push(floatInfo(HEAD_MASK_INPUT));
    graph.initializer.push(int64s('attention_lens_probe/heads_first_shape', [1, -1, 1, 1]), int64s('attention_lens_probe/packed_shape', [0, 0, -1, 1]));
    const added: NodeProto[] = [];
    sites.forEach((site, layer) => {
      const p = `attention_lens_probe/layer${layer}`;
      graph.initializer.push(int64s(`${p}/index`, [layer]));
      const masked = `${p}/masked`;
      added.push(node({ name: `${p}/gather`, opType: 'Gather', input: [HEAD_MASK_INPUT, `${p}/index`], output: [`${p}/row`], attribute: [protobuf.create(onnx.AttributeProtoSchema, { name: 'axis', type: onnx.AttributeProto_AttributeType.INT, i: 0n })] }));
      if (site.layout === 'heads-first') {
        added.push(node({ name: `${p}/shape`, opType: 'Reshape', input: [`${p}/row`, 'attention_lens_probe/heads_first_shape'], output: [`${p}/factor`] }));
        added.push(node({ name: `${p}/mul`, opType: 'Mul', input: [site.tensor, `${p}/factor`], output: [masked] }));
      } else {
        // [batch, T, heads × d] → [batch, T, heads, d] × [heads, 1] → back to its own shape.
        added.push(node({ name: `${p}/shape`, opType: 'Reshape', input: [`${p}/row`, 'attention_lens_probe/packed_shape'], output: [`${p}/factor`] }));
        added.push(node({ name: `${p}/own_shape`, opType: 'Shape', input: [site.tensor], output: [`${p}/own`] }));
        added.push(node({ name: `${p}/split`, opType: 'Reshape', input: [site.tensor, `${p}/split_shape`], output: [`${p}/split`] }));
        graph.initializer.push(int64s(`${p}/split_shape`, [0, 0, site.heads ?? 1, -1]));
        added.push(node({ name: `${p}/mul`, opType: 'Mul', input: [`${p}/split`, `${p}/factor`], output: [`${p}/split_masked`] }));
        added.push(node({ name: `${p}/join`, opType: 'Reshape', input: [`${p}/split_masked`, `${p}/own`], output: [masked] }));
      }
      // Everything that read the head results reads the masked ones (the graph's own outputs too).
      for (const consumer of index.consumers.get(site.tensor) ?? []) {
        consumer.input = consumer.input.map((t) => (t === site.tensor ? masked : t));
      }
    });
    // Inserted right after each producer would be tidier; ONNX needs only a topological order, so
    // the new nodes go where their input is made and before its first reader.
    graph.node = topologicallyMerged(graph.node, added);
    knockout = { layers, heads };
  }
  return { probeGraph: protobuf.toBinary(onnx.ModelProtoSchema, model), residualTaps, lensHead, lensUnavailable, knockout, knockoutUnavailable };
}

/** `nodes` with `added` placed in a valid topological order (each after what it reads, before what reads it). */
function topologicallyMerged(nodes: NodeProto[], added: NodeProto[]): NodeProto[] {
  const all = [...nodes, ...added];
  const producer = new Map<string, NodeProto>();
  for (const n of all) for (const o of n.output) if (o) producer.set(o, n);
  const order: NodeProto[] = [];
  const state = new Map<NodeProto, 1 | 2>();
  // Iterative depth-first order: graphs have tens of thousands of nodes, too deep for recursion.
  for (const root of all) {
    if (state.get(root) === 2) continue;
    const stack: { node: NodeProto; next: number }[] = [{ node: root, next: 0 }];
    state.set(root, 1);
    while (stack.length) {
      const top = stack[stack.length - 1];
      const inputs = top.node.input;
      if (top.next < inputs.length) {
        const dep = producer.get(inputs[top.next++]);
        if (dep && !state.has(dep)) {
          state.set(dep, 1);
          stack.push({ node: dep, next: 0 });
        }
        continue;
      }
      stack.pop();
      state.set(top.node, 2);
      order.push(top.node);
    }
  }
  return order;
}
