import { OnnxGraph } from './onnx-graph.js';
import { SeededRandom } from './seeded-random.js';

/** The shape of a BERT encoder, in the names of its config.json. */
export interface BertShape {
  vocabSize: number;
  hiddenSize: number;
  layers: number;
  heads: number;
  intermediateSize: number;
  maxPositions: number;
}

/** BERT's initializer range: random weights of the scale a trained model has. */
const INIT_STD = 0.02;
const LAYER_NORM_EPSILON = 1e-12;
/** Added to the attention scores of padding, so softmax gives them no weight. */
const MASKED_SCORE = -10_000;

interface Linear {
  weight: Float32Array; // [in, out]
  bias: Float32Array;
  inputs: number;
  outputs: number;
}

interface LayerWeights {
  query: Linear;
  key: Linear;
  value: Linear;
  attentionOut: Linear;
  intermediate: Linear;
  output: Linear;
}

interface BertWeights {
  words: Float32Array;
  positions: Float32Array;
  tokenTypes: Float32Array;
  layers: LayerWeights[];
}

function drawWeights(shape: BertShape, random: SeededRandom): BertWeights {
  const linear = (inputs: number, outputs: number): Linear => ({
    weight: random.normals(inputs * outputs, INIT_STD),
    bias: random.normals(outputs, INIT_STD),
    inputs,
    outputs,
  });
  const { hiddenSize: h, intermediateSize: ff } = shape;
  return {
    words: random.normals(shape.vocabSize * h, INIT_STD),
    positions: random.normals(shape.maxPositions * h, INIT_STD),
    tokenTypes: random.normals(2 * h, INIT_STD),
    layers: Array.from({ length: shape.layers }, () => ({
      query: linear(h, h),
      key: linear(h, h),
      value: linear(h, h),
      attentionOut: linear(h, h),
      intermediate: linear(h, ff),
      output: linear(ff, h),
    })),
  };
}

/** Symmetric per-tensor int8 quantization (zero point 0), as onnxruntime's quantize_dynamic does for weights. */
function quantize(values: Float32Array): { q: Int8Array; scale: number } {
  let max = 0;
  for (const v of values) max = Math.max(max, Math.abs(v));
  const scale = max > 0 ? max / 127 : 1;
  const q = new Int8Array(values.length);
  for (let i = 0; i < values.length; i++) q[i] = Math.max(-127, Math.min(127, Math.round(values[i]! / scale)));
  return { q, scale };
}

/**
 * The encoder's graph: embeddings, `layers` post-norm transformer blocks with GELU (erf), and
 * `last_hidden_state` out, as Hugging Face's BERT exports. `quantized` gives the q8 form:
 * int8 weights, activations quantized at run time (DynamicQuantizeLinear + MatMulInteger).
 */
function encoderGraph(shape: BertShape, weights: BertWeights, quantized: boolean): Uint8Array {
  const g = new OnnxGraph();
  const h = shape.hiddenSize;
  const headDims = h / shape.heads;

  const matMul = (x: string, w: Linear): string => {
    if (!quantized) return g.op('MatMul', [x, g.float('W', [w.inputs, w.outputs], w.weight)]);
    const { q, scale } = quantize(w.weight);
    const [xq, xScale, xZero] = g.node('DynamicQuantizeLinear', [x], {}, 3) as [string, string, string];
    const product = g.op('MatMulInteger', [xq, g.int8('Wq', [w.inputs, w.outputs], q), xZero, g.int8('Wzp', [], new Int8Array(1))]);
    const scales = g.op('Mul', [xScale, g.float('Ws', [], [scale])]);
    return g.op('Mul', [g.op('Cast', [product], { to: 1 }), scales]);
  };
  const dense = (x: string, w: Linear): string => g.op('Add', [matMul(x, w), g.float('b', [w.outputs], w.bias)]);
  const layerNorm = (x: string): string =>
    g.op('LayerNormalization', [x, g.float('ln_g', [h], new Float32Array(h).fill(1)), g.float('ln_b', [h], new Float32Array(h))], {
      axis: -1,
      epsilon: { float: LAYER_NORM_EPSILON },
    });

  // Embeddings: words + positions + token types, normalized.
  let words: string;
  if (quantized) {
    const { q, scale } = quantize(weights.words);
    const table = g.int8('word_emb_q', [shape.vocabSize, h], q);
    words = g.op('DequantizeLinear', [g.op('Gather', [table, 'input_ids']), g.float('word_emb_s', [], [scale]), g.int8('word_emb_zp', [], new Int8Array(1))]);
  } else {
    words = g.op('Gather', [g.float('word_emb', [shape.vocabSize, h], weights.words), 'input_ids']);
  }
  const length = g.op('Gather', [g.op('Shape', ['input_ids']), g.int64('i1', [], [1])]);
  const positionIds = g.op('Unsqueeze', [g.op('Range', [g.int64('zero', [], [0]), length, g.int64('one', [], [1])]), g.int64('axes', [1], [0])]);
  const positions = g.op('Gather', [g.float('pos_emb', [shape.maxPositions, h], weights.positions), positionIds]);
  const tokenTypes = g.op('Gather', [g.float('type_emb', [2, h], weights.tokenTypes), 'token_type_ids']);
  let hidden = layerNorm(g.op('Add', [g.op('Add', [words, positions]), tokenTypes]));

  // Padding mask, [batch, 1, 1, sequence]: 0 where attended, MASKED_SCORE where padding.
  const mask = g.op('Unsqueeze', [g.op('Cast', ['attention_mask'], { to: 1 }), g.int64('axes', [2], [1, 2])]);
  const maskScores = g.op('Mul', [g.op('Sub', [g.float('one', [], [1]), mask]), g.float('masked', [], [MASKED_SCORE])]);
  const splitHeads = g.int64('heads_shape', [4], [0, 0, shape.heads, headDims]);
  const mergeHeads = g.int64('hidden_shape', [3], [0, 0, h]);
  const scale = g.float('inv_sqrt_hd', [], [1 / Math.sqrt(headDims)]);

  for (const layer of weights.layers) {
    const heads = (w: Linear, perm: number[]) => g.op('Transpose', [g.op('Reshape', [dense(hidden, w), splitHeads])], { perm });
    const query = heads(layer.query, [0, 2, 1, 3]);
    const keyT = heads(layer.key, [0, 2, 3, 1]);
    const value = heads(layer.value, [0, 2, 1, 3]);
    const scores = g.op('Add', [g.op('Mul', [g.op('MatMul', [query, keyT]), scale]), maskScores]);
    const context = g.op('MatMul', [g.op('Softmax', [scores], { axis: -1 }), value]);
    const merged = g.op('Reshape', [g.op('Transpose', [context], { perm: [0, 2, 1, 3] }), mergeHeads]);
    const attended = layerNorm(g.op('Add', [dense(merged, layer.attentionOut), hidden]));
    // GELU(x) = x · ½ · (1 + erf(x / √2))
    const x = dense(attended, layer.intermediate);
    const erf = g.op('Erf', [g.op('Div', [x, g.float('sqrt2', [], [Math.SQRT2])])]);
    const gelu = g.op('Mul', [g.op('Mul', [x, g.op('Add', [erf, g.float('one', [], [1])])]), g.float('half', [], [0.5])]);
    hidden = layerNorm(g.op('Add', [dense(gelu, layer.output), attended]));
  }
  return g.encode({
    producer: 'quarry-test-models',
    inputs: ['input_ids', 'attention_mask', 'token_type_ids'],
    result: hidden,
    output: 'last_hidden_state',
    outputDims: ['batch_size', 'sequence_length', h],
  });
}

/** The fp32 and q8 ONNX files of one random-weight BERT encoder (the same weights in both). */
export function bertOnnx(shape: BertShape, seed: number): { fp32: Uint8Array; q8: Uint8Array } {
  if (shape.hiddenSize % shape.heads !== 0) throw new Error(`hidden size ${shape.hiddenSize} is not a multiple of ${shape.heads} heads`);
  const weights = drawWeights(shape, new SeededRandom(seed));
  return { fp32: encoderGraph(shape, weights, false), q8: encoderGraph(shape, weights, true) };
}

/** config.json for a BertModel of this shape. */
export function bertConfig(id: string, shape: BertShape): object {
  return {
    _name_or_path: id,
    architectures: ['BertModel'],
    attention_probs_dropout_prob: 0.1,
    hidden_act: 'gelu',
    hidden_dropout_prob: 0.1,
    hidden_size: shape.hiddenSize,
    initializer_range: INIT_STD,
    intermediate_size: shape.intermediateSize,
    layer_norm_eps: LAYER_NORM_EPSILON,
    max_position_embeddings: shape.maxPositions,
    model_type: 'bert',
    num_attention_heads: shape.heads,
    num_hidden_layers: shape.layers,
    pad_token_id: 0,
    position_embedding_type: 'absolute',
    type_vocab_size: 2,
    vocab_size: shape.vocabSize,
  };
}
