#!/usr/bin/env python3
"""Writes the small ONNX models sluice's inference tests, examples and benchmarks use.

    python3 testdata/models/make_models.py [outdir]   # default: this script's directory

Needs only numpy and onnx (`pip install onnx`). Weights come from fixed seeds, so running it
again rewrites byte-identical files. It writes:

  mlp100.onnx   the seed's TorchPredictor: Linear(100, 1) + Sigmoid. Input "data" float32
                [N, 100], output "output" float32 [N, 1]. Weights drawn like PyTorch's default
                init, uniform(-1/sqrt(100), 1/sqrt(100)).
  mlp100.json   the same weights for the pure-Go predictor (examples/internal/mlp):
                {"in": 100, "out": 1, "activation": "sigmoid", "weight": [out][in],
                 "bias": [out], "ones_output": [out]} where ones_output is the model's output
                for one row of ones (the seed's np.ones((1, 100))), computed here in float64.
  tiny_cnn.onnx a small image classifier with random weights: four 3x3 stride-2 convolutions
                with ReLU (3->16->32->64->128 channels), global average pooling, a linear layer
                to 10 classes and a softmax. Input "image" float32 [N, 3, 224, 224] (CHW,
                ImageNet-normalized), output "probs" float32 [N, 10].
"""
import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17
IR_VERSION = 8  # readable by any ONNX Runtime from 1.10 on


def save(model, path):
    onnx.checker.check_model(model)
    onnx.save(model, path)
    print(f"wrote {path} ({os.path.getsize(path)} bytes)")


def mlp100(outdir):
    rng = np.random.default_rng(100)
    bound = 1 / np.sqrt(100)
    weight = rng.uniform(-bound, bound, size=(1, 100)).astype(np.float32)
    bias = rng.uniform(-bound, bound, size=(1,)).astype(np.float32)

    graph = helper.make_graph(
        [
            helper.make_node("Gemm", ["data", "weight", "bias"], ["linear"], transB=1),
            helper.make_node("Sigmoid", ["linear"], ["output"]),
        ],
        "mlp100",
        [helper.make_tensor_value_info("data", TensorProto.FLOAT, ["N", 100])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["N", 1])],
        initializer=[numpy_helper.from_array(weight, "weight"), numpy_helper.from_array(bias, "bias")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="sluice")
    model.ir_version = IR_VERSION
    save(model, os.path.join(outdir, "mlp100.onnx"))

    z = weight.astype(np.float64) @ np.ones(100) + bias.astype(np.float64)
    ones_output = 1 / (1 + np.exp(-z))
    doc = {
        "in": 100,
        "out": 1,
        "activation": "sigmoid",
        # float32 values printed with repr round-trip exactly through Go's strconv.ParseFloat.
        "weight": [[float(v) for v in row] for row in weight],
        "bias": [float(v) for v in bias],
        "ones_output": [float(v) for v in ones_output],
    }
    path = os.path.join(outdir, "mlp100.json")
    with open(path, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    print(f"wrote {path} (ones_output {ones_output[0]:.7f})")


def tiny_cnn(outdir):
    rng = np.random.default_rng(224)
    nodes, inits = [], []
    prev, chans = "image", [3, 16, 32, 64, 128]
    for i in range(4):
        cin, cout = chans[i], chans[i + 1]
        # He init keeps activations from vanishing through four ReLU layers.
        w = (rng.standard_normal((cout, cin, 3, 3)) * np.sqrt(2 / (cin * 9))).astype(np.float32)
        b = np.zeros(cout, dtype=np.float32)
        inits += [numpy_helper.from_array(w, f"conv{i}.weight"), numpy_helper.from_array(b, f"conv{i}.bias")]
        nodes.append(helper.make_node(
            "Conv", [prev, f"conv{i}.weight", f"conv{i}.bias"], [f"conv{i}"],
            kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1]))
        nodes.append(helper.make_node("Relu", [f"conv{i}"], [f"relu{i}"]))
        prev = f"relu{i}"
    fw = (rng.standard_normal((10, 128)) * np.sqrt(1 / 128)).astype(np.float32)
    fb = np.zeros(10, dtype=np.float32)
    inits += [numpy_helper.from_array(fw, "fc.weight"), numpy_helper.from_array(fb, "fc.bias")]
    nodes += [
        helper.make_node("GlobalAveragePool", [prev], ["pool"]),
        helper.make_node("Flatten", ["pool"], ["flat"], axis=1),
        helper.make_node("Gemm", ["flat", "fc.weight", "fc.bias"], ["logits"], transB=1),
        helper.make_node("Softmax", ["logits"], ["probs"], axis=1),
    ]
    graph = helper.make_graph(
        nodes, "tiny_cnn",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["N", 3, 224, 224])],
        [helper.make_tensor_value_info("probs", TensorProto.FLOAT, ["N", 10])],
        initializer=inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="sluice")
    model.ir_version = IR_VERSION
    save(model, os.path.join(outdir, "tiny_cnn.onnx"))


def main():
    outdir = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    os.makedirs(outdir, exist_ok=True)
    mlp100(outdir)
    tiny_cnn(outdir)


if __name__ == "__main__":
    main()
