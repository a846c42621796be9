// The few ONNX messages an MLP needs, with onnx.proto's own field numbers, so the model file is
// written and read with protobufjs instead of a Python toolchain.
import protobuf from 'protobufjs'

const schema = `
syntax = "proto3";
package onnx;
message AttributeProto {
  enum AttributeType { UNDEFINED = 0; FLOAT = 1; INT = 2; STRING = 3; TENSOR = 4; GRAPH = 5; FLOATS = 6; INTS = 7; STRINGS = 8; }
  string name = 1;
  float f = 2;
  int64 i = 3;
  AttributeType type = 20;
}
message TensorProto {
  repeated int64 dims = 1;
  int32 data_type = 2;
  string name = 8;
  bytes raw_data = 9;
}
message TensorShapeProto {
  message Dimension {
    oneof value { int64 dim_value = 1; string dim_param = 2; }
  }
  repeated Dimension dim = 1;
}
message TypeProto {
  message Tensor { int32 elem_type = 1; TensorShapeProto shape = 2; }
  oneof value { Tensor tensor_type = 1; }
}
message ValueInfoProto { string name = 1; TypeProto type = 2; }
message NodeProto {
  repeated string input = 1;
  repeated string output = 2;
  string name = 3;
  string op_type = 4;
  repeated AttributeProto attribute = 5;
}
message GraphProto {
  repeated NodeProto node = 1;
  string name = 2;
  repeated TensorProto initializer = 5;
  repeated ValueInfoProto input = 11;
  repeated ValueInfoProto output = 12;
}
message OperatorSetIdProto { string domain = 1; int64 version = 2; }
message ModelProto {
  int64 ir_version = 1;
  string producer_name = 2;
  string producer_version = 3;
  GraphProto graph = 7;
  repeated OperatorSetIdProto opset_import = 8;
}
`

export const ModelProto = protobuf.parse(schema, { keepCase: true }).root.lookupType('onnx.ModelProto')

/** TensorProto.DataType.FLOAT */
export const FLOAT = 1
export const ATTRIBUTE_INT = 2

export interface Dim {
  dim_value?: number
  dim_param?: string
}

export interface ValueInfo {
  name: string
  type: { tensor_type: { elem_type: number; shape: { dim: Dim[] } } }
}

export interface Node {
  input: string[]
  output: string[]
  name: string
  op_type: string
  attribute?: { name: string; type: number; i?: number; f?: number }[]
}

export interface Model {
  ir_version: number
  producer_name: string
  producer_version?: string
  opset_import: { domain: string; version: number }[]
  graph: {
    name: string
    node: Node[]
    initializer: { name: string; dims: number[]; data_type: number; raw_data: Uint8Array }[]
    input: ValueInfo[]
    output: ValueInfo[]
  }
}

/** A float32 initializer, little-endian raw_data as ONNX requires. */
export function floatTensor(name: string, dims: number[], values: ArrayLike<number>) {
  const bytes = new Uint8Array(values.length * 4)
  const view = new DataView(bytes.buffer)
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i]!, true)
  return { name, dims, data_type: FLOAT, raw_data: bytes }
}

export function floatValueInfo(name: string, dims: (number | string)[]): ValueInfo {
  return {
    name,
    type: {
      tensor_type: {
        elem_type: FLOAT,
        shape: { dim: dims.map((d) => (typeof d === 'string' ? { dim_param: d } : { dim_value: d })) },
      },
    },
  }
}

export function encodeModel(model: Model): Uint8Array {
  return ModelProto.encode(ModelProto.fromObject(model)).finish()
}

export function decodeModel(bytes: Uint8Array): Model {
  return ModelProto.toObject(ModelProto.decode(bytes), { longs: Number, defaults: true, oneofs: false }) as Model
}
