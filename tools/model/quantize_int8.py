"""Dynamic int8 quantization of the exported ONNX graph, written with python3-onnx + numpy.

    /usr/bin/python3 tools/model/quantize_int8.py onnx/model.onnx onnx/model_quantized.onnx

Weights: int8, symmetric, one scale per output column. Activations: int8, symmetric, one scale
per token row, computed at run time. Each weight MatMul becomes

    s = max|x| / 127 per row;  x_q = uint8(clip(round(x / s)) + 128)
    MatMulInteger(x_q, W_q, zero_point=128) -> Cast(float) -> Mul(s) -> Mul(W_scale)

We first used ORT's per-tensor pattern (DynamicQuantizeLinear, uint8): its activation scale spans
every token of the call, so a decode step with the KV cache and a full recomputation quantized the
same token differently and greedy outputs could diverge. Per-row scales make the two identical
(the integer product is exact) and are also more accurate. Activation x activation MatMuls
(q.k, probs.v) stay fp32, so the attention probabilities keep their exact masking.

The tied token embedding is quantized too (per row), and shared: the embedding becomes
Gather(W_q) * Gather(scale) and the output head uses Transpose(W_q) in the pattern above. Keeping an
fp32 copy for the Gather would add vocab x d_model x 4 bytes (12.6 MB for the base model).
"""
from __future__ import annotations

import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def _quantize_columns(w: np.ndarray):
    """w [K, N] fp32 -> (int8 [K, N], scale [N]) symmetric per column."""
    amax = np.abs(w).max(axis=0)  # [N]
    scale = np.where(amax > 0, amax / 127.0, 1.0).astype(np.float32)  # [N]
    q = np.clip(np.rint(w / scale[None, :]), -127, 127).astype(np.int8)  # [K, N]
    return q, scale


def quantize(src: str, dst: str) -> dict:
    model = onnx.load(src)
    g = model.graph
    inits = {i.name: i for i in g.initializer}
    producer = {o: n for n in g.node for o in n.output}
    consumers = {}
    for n in g.node:
        for x in n.input:
            consumers.setdefault(x, []).append(n)

    new_nodes, new_inits, drop_nodes, drop_inits = [], [], set(), set()
    new_inits += [numpy_helper.from_array(np.array(v, dtype=np.float32), k)
                  for k, v in (("q8_eps", 1e-8), ("q8_127", 127.0), ("q8_m127", -127.0), ("q8_128", 128.0))]
    new_inits.append(numpy_helper.from_array(np.array(128, dtype=np.uint8), "q8_zp"))
    replaced = {}  # id(node) -> list of nodes to insert in its place
    tied = {}  # embedding initializer name -> (q name, scale name)
    count = 0

    def weight_of(matmul):
        """(initializer name, transposed?) when MatMul's B is a weight, else None."""
        b = matmul.input[1]
        if b in inits and len(inits[b].dims) == 2:
            return b, False
        t = producer.get(b)
        if t is not None and t.op_type == "Transpose" and t.input[0] in inits and len(inits[t.input[0]].dims) == 2:
            perm = [a.ints for a in t.attribute if a.name == "perm"]
            if not perm or list(perm[0]) == [1, 0]:
                return t.input[0], True
        return None

    for n in g.node:
        if n.op_type != "MatMul":
            continue
        w = weight_of(n)
        if w is None:
            continue
        name, transposed = w
        arr = numpy_helper.to_array(inits[name]).astype(np.float32)
        is_embedding = any(c.op_type == "Gather" and c.input[0] == name for c in consumers.get(name, []))
        p = f"{n.output[0]}_q8"
        # Per-row (per-token) symmetric int8 activations: each token's scale depends on that token
        # alone, so a step with the KV cache computes exactly what a full recomputation does.
        nodes = [
            helper.make_node("Abs", [n.input[0]], [p + "_abs"]),
            helper.make_node("ReduceMax", [p + "_abs"], [p + "_amax"], axes=[-1], keepdims=1),  # [B, T, 1]
            helper.make_node("Max", [p + "_amax", "q8_eps"], [p + "_amax1"]),
            helper.make_node("Div", [p + "_amax1", "q8_127"], [p + "_xs"]),  # [B, T, 1] scale
            helper.make_node("Div", [n.input[0], p + "_xs"], [p + "_xd"]),
            helper.make_node("Round", [p + "_xd"], [p + "_xr"]),
            helper.make_node("Clip", [p + "_xr", "q8_m127", "q8_127"], [p + "_xc"]),
            # Stored as uint8 with zero point 128 (same values): ORT's fast u8 x s8 kernel; its
            # s8 x s8 path was 4x slower here.
            helper.make_node("Add", [p + "_xc", "q8_128"], [p + "_xu"]),
            helper.make_node("Cast", [p + "_xu"], [p + "_x"], to=TensorProto.UINT8),
        ]
        if is_embedding and transposed:
            # Tied head: per-row quantization of the [V, C] table, shared with the Gather below.
            rq, rs = _quantize_columns(arr.T)  # rows of arr are columns of arr.T: [C, V], [V]
            qn, sn = name + "_int8", name + "_scale"
            new_inits += [numpy_helper.from_array(np.ascontiguousarray(rq.T), qn), numpy_helper.from_array(rs, sn)]
            tied[name] = (qn, sn)
            nodes.append(helper.make_node("Transpose", [qn], [p + "_wT"], perm=[1, 0]))
            wq, ws = p + "_wT", sn
        else:
            w_eff = arr.T if transposed else arr  # [K, N]
            q, s = _quantize_columns(w_eff)
            wq, ws = p + "_w", p + "_ws"
            new_inits += [numpy_helper.from_array(q, wq), numpy_helper.from_array(s, ws)]
        nodes += [
            helper.make_node("MatMulInteger", [p + "_x", wq, "q8_zp"], [p + "_i32"]),  # int32, exact
            helper.make_node("Cast", [p + "_i32"], [p + "_f"], to=TensorProto.FLOAT),
            helper.make_node("Mul", [p + "_f", p + "_xs"], [p + "_fx"]),  # row scales [B, T, 1]
            helper.make_node("Mul", [p + "_fx", ws], [n.output[0]]),  # column scales [N]
        ]
        replaced[id(n)] = nodes
        if transposed:
            drop_nodes.add(id(producer[n.input[1]]))
        count += 1

    # Embedding lookups on a quantized tied table: Gather int8 rows, dequantize with their scales.
    for n in g.node:
        if n.op_type == "Gather" and n.input[0] in tied:
            qn, sn = tied[n.input[0]]
            p = f"{n.output[0]}_q8"
            axes = p + "_axes"
            new_inits.append(numpy_helper.from_array(np.array([-1], dtype=np.int64), axes))
            replaced[id(n)] = [
                helper.make_node("Gather", [qn, n.input[1]], [p + "_rows"], axis=0),  # [B, T, C] int8
                helper.make_node("Cast", [p + "_rows"], [p + "_rowsf"], to=TensorProto.FLOAT),
                helper.make_node("Gather", [sn, n.input[1]], [p + "_s"], axis=0),  # [B, T]
                helper.make_node("Unsqueeze", [p + "_s", axes], [p + "_s3"]),  # [B, T, 1]
                helper.make_node("Mul", [p + "_rowsf", p + "_s3"], [n.output[0]]),  # [B, T, C]
            ]
    for name in tied:
        drop_inits.add(name)

    out_nodes = []
    for n in g.node:
        if id(n) in drop_nodes:
            continue
        out_nodes.extend(replaced.get(id(n), [n]))
    # Drop initializers nothing reads any more (weights now stored as int8).
    used = {x for n in out_nodes for x in n.input} | {o.name for o in g.output}
    kept_inits = [i for i in g.initializer if i.name in used and i.name not in drop_inits]
    del g.node[:]
    g.node.extend(out_nodes)
    del g.initializer[:]
    g.initializer.extend(kept_inits + new_inits)
    onnx.checker.check_model(model)
    onnx.save(model, dst)
    return {"matmuls": count, "tied": list(tied)}


if __name__ == "__main__":
    info = quantize(sys.argv[1], sys.argv[2])
    print(f"quantized {info['matmuls']} MatMuls (tied: {info['tied']}) -> {sys.argv[2]}")
