#!/usr/bin/env python3
"""Real-valued timestep inputs for the ONNX networks of Diffusion.Functional.Onnx (docs/network.md), with Debian's
python3-onnx (`apt-get install -y python3-onnx`; tools only, never needed to build, test or run the library).

Stages (run `python3 float_timestep.py --help`):
  unet      rewrites models/mnist-unet.onnx so that its `timestep` input is float32 instead of int64. The exported graph
            casts the int64 timestep to float32 before the sinusoidal embedding, and nothing else reads it; the
            rewrite removes that Cast and feeds the input straight to its readers. Weights, every other node and the
            graph's other inputs and outputs are untouched (the script checks it), so at an integer t the network is
            the same function, and between integers it is the embedding's continuous extension that k-diffusion
            evaluates. Updates provenance-unet.json (the new hash, the old one, this step).
  fixtures  the tiny 1×4×4 test models with a real timestep input, built node by node: timestep-echo-float.onnx
            (float32 timestep) and timestep-echo-double.onnx (float64), whose out_sample is the input sample except
            pixel 0, which is the timestep the network was handed, and pixel 1, which is its class label; and
            bad-timestep-dtype.onnx, whose timestep is float16 (a type the runner refuses); and
            timestep-echo-int64-28.onnx, the class-conditional echo on 1×28×28 with an int64 timestep (the shipped
            UNet's shape and an integer timestep: what `diffusion sample --model` refuses for off-grid samplers).
            Writes provenance-float-fixtures.json.
"""
import argparse
import hashlib
import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def fail(message):
    sys.exit(f"float_timestep.py: {message}")


# -------------------------------------------------------------------------------------------------------------- unet
def float_timestep_model(model, name="timestep"):
    """A copy of the model whose int64 input `name` is float32, its one Cast-to-float32 reader removed."""
    converted = onnx.ModelProto()
    converted.CopyFrom(model)
    graph = converted.graph
    inputs = [i for i in graph.input if i.name == name]
    if len(inputs) != 1:
        fail(f"the model has no input '{name}'")
    tensor = inputs[0].type.tensor_type
    if tensor.elem_type == TensorProto.FLOAT:
        return None  # already converted
    if tensor.elem_type != TensorProto.INT64:
        fail(f"input '{name}' is {TensorProto.DataType.Name(tensor.elem_type)}, not INT64")
    readers = [n for n in graph.node if name in n.input]
    casts = [n for n in readers if n.op_type == "Cast"
             and any(a.name == "to" and a.i == TensorProto.FLOAT for a in n.attribute)]
    if len(readers) != 1 or len(casts) != 1:
        fail(f"input '{name}' is read by {[n.op_type for n in readers]}; expected exactly one Cast to FLOAT "
             "(the embedding's), the only node whose meaning is unchanged by a float32 input")
    cast = casts[0]
    cast_output = cast.output[0]
    graph.node.remove(cast)
    for node in graph.node:
        for k, value in enumerate(node.input):
            if value == cast_output:
                node.input[k] = name
    for output in graph.output:
        if output.name == cast_output:
            fail(f"the Cast's output '{cast_output}' is a graph output")
    tensor.elem_type = TensorProto.FLOAT
    # The cast's value-info, if the exporter wrote one, would now name a tensor that no node makes.
    for info in list(graph.value_info):
        if info.name == cast_output:
            graph.value_info.remove(info)
    onnx.checker.check_model(converted)
    return converted


def require_same_weights(before, after):
    a = {t.name: t.SerializeToString() for t in before.graph.initializer}
    b = {t.name: t.SerializeToString() for t in after.graph.initializer}
    if a != b:
        fail("the initializers changed; the conversion must leave the weights untouched")
    kept = [n.SerializeToString() for n in before.graph.node if not (n.op_type == "Cast" and "timestep" in n.input)]
    if len(kept) != len(after.graph.node):
        fail("the conversion removed or added a node other than the timestep's Cast")


def command_unet(args):
    path = args.model
    before = onnx.load(path)
    old_hash = sha256(path)
    after = float_timestep_model(before)
    if after is None:
        print(f"{path}: timestep is already float32; nothing to do")
        return
    require_same_weights(before, after)
    onnx.save(after, path)
    new_hash = sha256(path)
    record_path = os.path.join(args.provenance, "provenance-unet.json")
    with open(record_path) as f:
        record = json.load(f)
    relative = os.path.relpath(path, args.repo)
    record["files"][relative] = new_hash
    record["timestep_conversion"] = {
        "command": "python3 float_timestep.py unet",
        "onnx": onnx.__version__,
        "what": "timestep input int64 -> float32; the Cast(timestep, to=FLOAT) before the sinusoidal embedding "
                "removed and its readers fed the input; initializers and all other nodes unchanged",
        "before": old_hash,
        "after": new_hash,
    }
    with open(record_path, "w") as f:
        json.dump(record, f, indent=1)
    print(f"{relative}: {old_hash} -> {new_hash}; {record_path} updated")


# ---------------------------------------------------------------------------------------------------------- fixtures
SIDE = 4


def echo_model(timestep_type, class_conditional=True, side=SIDE):
    """out_sample = sample·keep + timestep·at0 + float(class_labels)·at1, per image: the sample with pixel 0 replaced by
    the timestep and pixel 1 by the label. Multiplying by 0 or 1 and adding 0 are exact in float32 (for finite
    values), so every output pixel is exactly the value it echoes (the timestep rounded to float32 when it is float64)."""
    keep = np.ones((1, 1, side, side), dtype=np.float32)
    keep[0, 0, 0, 0] = 0.0
    keep[0, 0, 0, 1] = 0.0
    at0 = np.zeros((1, 1, side, side), dtype=np.float32)
    at0[0, 0, 0, 0] = 1.0
    at1 = np.zeros((1, 1, side, side), dtype=np.float32)
    at1[0, 0, 0, 1] = 1.0
    column = numpy_helper.from_array(np.array([-1, 1, 1, 1], dtype=np.int64), "column")
    nodes = [
        helper.make_node("Mul", ["sample", "keep"], ["kept"]),
        helper.make_node("Cast", ["timestep"], ["t32"], to=TensorProto.FLOAT),
        helper.make_node("Reshape", ["t32", "column"], ["t4"]),
        helper.make_node("Mul", ["t4", "at0"], ["t_pixel"]),
        helper.make_node("Add", ["kept", "t_pixel"], ["with_t"]),
    ]
    initializers = [numpy_helper.from_array(keep, "keep"), numpy_helper.from_array(at0, "at0"), column]
    inputs = [helper.make_tensor_value_info("sample", TensorProto.FLOAT, ["batch", 1, side, side]),
              helper.make_tensor_value_info("timestep", timestep_type, ["batch"])]
    if class_conditional:
        nodes += [
            helper.make_node("Cast", ["class_labels"], ["y32"], to=TensorProto.FLOAT),
            helper.make_node("Reshape", ["y32", "column"], ["y4"]),
            helper.make_node("Mul", ["y4", "at1"], ["y_pixel"]),
            helper.make_node("Add", ["with_t", "y_pixel"], ["out_sample"]),
        ]
        initializers.append(numpy_helper.from_array(at1, "at1"))
        inputs.append(helper.make_tensor_value_info("class_labels", TensorProto.INT64, ["batch"]))
    else:
        nodes.append(helper.make_node("Identity", ["with_t"], ["out_sample"]))
    graph = helper.make_graph(nodes, "timestep_echo", inputs,
                              [helper.make_tensor_value_info("out_sample", TensorProto.FLOAT, ["batch", 1, side, side])],
                              initializer=initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 14)], producer_name="float_timestep.py")
    model.ir_version = 7
    onnx.checker.check_model(model)
    return model


def command_fixtures(args):
    os.makedirs(args.fixtures, exist_ok=True)
    written = []
    for name, model in [("timestep-echo-float.onnx", echo_model(TensorProto.FLOAT)),
                        ("timestep-echo-double.onnx", echo_model(TensorProto.DOUBLE, class_conditional=False)),
                        ("bad-timestep-dtype.onnx", echo_model(TensorProto.FLOAT16, class_conditional=False)),
                        ("timestep-echo-int64-28.onnx", echo_model(TensorProto.INT64, side=28))]:
        path = os.path.join(args.fixtures, name)
        onnx.save(model, path)
        written.append(path)
    record = {"stage": "float-fixtures", "command": "python3 float_timestep.py fixtures", "onnx": onnx.__version__,
              "numpy": np.__version__,
              "files": {os.path.relpath(p, args.repo): sha256(p) for p in written}}
    with open(os.path.join(args.provenance, "provenance-float-fixtures.json"), "w") as f:
        json.dump(record, f, indent=1)
    print(json.dumps(record, indent=1))


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    repo = os.path.normpath(os.path.join(here, "..", ".."))
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("stage", choices=["unet", "fixtures"])
    parser.add_argument("--model", default=os.path.join(repo, "models", "mnist-unet.onnx"))
    parser.add_argument("--fixtures", default=os.path.join(repo, "tests", "Diffusion.Functional.Onnx.Tests", "Fixtures"))
    parser.add_argument("--provenance", default=here)
    args = parser.parse_args()
    args.repo = repo
    {"unet": command_unet, "fixtures": command_fixtures}[args.stage](args)


if __name__ == "__main__":
    main()
