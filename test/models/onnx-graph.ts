import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
type NodeProto = InstanceType<typeof onnx.NodeProto>;
type TensorProto = InstanceType<typeof onnx.TensorProto>;

export const DataType = onnx.TensorProto.DataType;
type TypedArray = Float32Array | Int8Array | BigInt64Array;

/** An attribute value: a number is an int unless `float` wraps it; an array is a list of ints. */
export type AttributeValue = number | number[] | { float: number };

/**
 * Builds an ONNX graph node by node over the onnx-proto (protobufjs) message types, naming every
 * value uniquely, and encodes it as a model file.
 */
export class OnnxGraph {
  private readonly nodes: NodeProto[] = [];
  private readonly initializers: TensorProto[] = [];
  private counter = 0;

  /** A fresh value name with a readable stem. */
  private name(stem: string): string {
    return `${stem}_${++this.counter}`;
  }

  /** A stored tensor (weights or a constant); returns its name. */
  tensor(stem: string, dataType: number, dims: number[], values: TypedArray): string {
    const name = this.name(stem);
    // ONNX raw data is little-endian, as typed arrays are on every platform Quarry runs on.
    const rawData = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    this.initializers.push(onnx.TensorProto.create({ name, dataType, dims, rawData }));
    return name;
  }

  float(stem: string, dims: number[], values: Float32Array | number[]): string {
    return this.tensor(stem, DataType.FLOAT, dims, values instanceof Float32Array ? values : Float32Array.from(values));
  }

  int64(stem: string, dims: number[], values: number[]): string {
    return this.tensor(stem, DataType.INT64, dims, BigInt64Array.from(values.map(BigInt)));
  }

  int8(stem: string, dims: number[], values: Int8Array): string {
    return this.tensor(stem, DataType.INT8, dims, values);
  }

  /** Adds a node and returns its output names (`outputs` of them). */
  node(opType: string, inputs: string[], attributes: Record<string, AttributeValue> = {}, outputs = 1): string[] {
    const names = Array.from({ length: outputs }, () => this.name(opType));
    const attribute = Object.entries(attributes).map(([name, value]) => {
      if (Array.isArray(value)) return onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INTS, ints: value });
      if (typeof value === 'number') return onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.INT, i: value });
      return onnx.AttributeProto.create({ name, type: onnx.AttributeProto.AttributeType.FLOAT, f: value.float });
    });
    this.nodes.push(onnx.NodeProto.create({ opType, input: inputs, output: names, attribute }));
    return names;
  }

  /** One-output shorthand for `node`. */
  op(opType: string, inputs: string[], attributes: Record<string, AttributeValue> = {}): string {
    return this.node(opType, inputs, attributes)[0]!;
  }

  /**
   * The model file: `inputs` are int64 [batch_size, sequence_length] tensors, `output` is renamed
   * from the value `result` (through Identity) with the float shape given.
   */
  encode(options: { producer: string; inputs: string[]; result: string; output: string; outputDims: (string | number)[] }): Uint8Array {
    this.nodes.push(onnx.NodeProto.create({ opType: 'Identity', input: [options.result], output: [options.output] }));
    const valueInfo = (name: string, elemType: number, dims: (string | number)[]) =>
      onnx.ValueInfoProto.create({
        name,
        type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } } },
      });
    const model = onnx.ModelProto.create({
      irVersion: 8,
      opsetImport: [{ domain: '', version: 17 }],
      producerName: options.producer,
      graph: {
        name: 'main',
        node: this.nodes,
        initializer: this.initializers,
        input: options.inputs.map((name) => valueInfo(name, DataType.INT64, ['batch_size', 'sequence_length'])),
        output: [valueInfo(options.output, DataType.FLOAT, options.outputDims)],
      },
    });
    return onnx.ModelProto.encode(model).finish();
  }
}
