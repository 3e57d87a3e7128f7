// Bytes of weights in an ONNX file, read from its protobuf directly (initializers and Constant
// nodes), and how many of them one decode step reads: all but the position-embedding table, of
// which a step reads one row (the token embedding stays whole: the output head reads it).
import * as fs from 'fs';

// ONNX TensorProto.DataType -> bytes per element.
const ELEMENT_BYTES = { 1: 4, 2: 1, 3: 1, 4: 2, 5: 2, 6: 4, 7: 8, 9: 1, 10: 2, 11: 8, 12: 4, 13: 8, 16: 2 };

function varint(buf, pos) {
  let value = 0;
  let scale = 1;
  for (;;) {
    const byte = buf[pos++];
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) return [value, pos];
    scale *= 128;
  }
}

/** Calls visit(field, start, end, value) for each field of the message in buf[start, end). */
function fields(buf, start, end, visit) {
  let pos = start;
  while (pos < end) {
    let key;
    [key, pos] = varint(buf, pos);
    const field = Math.floor(key / 8);
    const wire = key & 7;
    if (wire === 0) {
      let value;
      [value, pos] = varint(buf, pos);
      visit(field, pos, pos, value);
    } else if (wire === 2) {
      let length;
      [length, pos] = varint(buf, pos);
      visit(field, pos, pos + length, length);
      pos += length;
    } else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else throw new Error(`onnxWeights: unexpected wire type ${wire}`);
  }
}

function tensor(buf, start, end) {
  const dims = [];
  let type = 0;
  let name = '';
  fields(buf, start, end, (field, s, e, value) => {
    if (field === 1) {
      if (e > s) for (let p = s; p < e; ) { let d; [d, p] = varint(buf, p); dims.push(d); } // packed
      else dims.push(value);
    } else if (field === 2) type = value;
    else if (field === 8) name = buf.toString('utf8', s, e);
  });
  const bytes = dims.reduce((n, d) => n * d, 1) * (ELEMENT_BYTES[type] ?? 4);
  return { name, dims, type, bytes };
}

/** The weight tensors of the ONNX file at `file` (name, dims, ONNX data type, bytes), and the bytes a decode step reads. */
export function onnxWeights(file) {
  const buf = fs.readFileSync(file);
  const tensors = [];
  fields(buf, 0, buf.length, (field, s, e) => {
    if (field !== 7) return; // ModelProto.graph
    fields(buf, s, e, (gField, gs, ge) => {
      if (gField === 5) tensors.push(tensor(buf, gs, ge)); // GraphProto.initializer
      if (gField === 1) {
        // NodeProto.attribute[].t: a Constant node's tensor.
        fields(buf, gs, ge, (nField, ns, ne) => {
          if (nField === 5) fields(buf, ns, ne, (aField, as, ae) => aField === 5 && tensors.push(tensor(buf, as, ae)));
        });
      }
    });
  });
  const totalBytes = tensors.reduce((n, t) => n + t.bytes, 0);
  const positions = tensors.filter((t) => /wpe|position_embed|embed_positions/.test(t.name) && t.dims.length === 2);
  const positionSavings = positions.reduce((n, t) => n + t.bytes - t.bytes / t.dims[0], 0);
  return { tensors, totalBytes, decodeBytes: totalBytes - positionSavings, positionTables: positions.map((t) => t.name) };
}
