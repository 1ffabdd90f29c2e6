#!/usr/bin/env python3
"""Writes Tests/TorchTests/Fixtures/transformer_goldens.json: PyTorch's seeded
TransformerDecoderLayer, TransformerDecoder and Transformer cases (TransformerDecoderTests):
each result, then the gradients of the inputs that require one and of every parameter,
flattened, for a loss that weighs every result element differently; the results' grad_fn
names; the modules' reprs and parameter names; generate_square_subsequent_mask. Without
dropout in training (PyTorch's MKL builds draw Bernoulli masks from their own stream on Intel
CPUs), so it runs on any machine.

    /work/venv-torch/bin/python3 scripts/generate_transformer_goldens.py
"""
import hashlib
import json
import os

import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "Tests", "TorchTests", "Fixtures", "transformer_goldens.json")


def weighted(t):
    return (t * (torch.arange(t.numel(), dtype=t.dtype).reshape(t.shape) % 7 - 3)).sum()


def run(build):
    torch.manual_seed(0)
    module, inputs, call = build()
    results = call()
    sum(weighted(r) for r in results).backward()
    tensors = results + [x.grad for x in inputs] + [p.grad for p in module.parameters()]
    return {"values": [v for t in tensors for v in t.flatten().tolist()],
            "nodes": ",".join(type(r.grad_fn).__name__ for r in results)}


def decoder_layer_training():
    layer = nn.TransformerDecoderLayer(8, 2, dim_feedforward=16, dropout=0.0)
    tgt = torch.randn(4, 3, 8, requires_grad=True)
    memory = torch.randn(5, 3, 8, requires_grad=True)
    causal = nn.Transformer.generate_square_subsequent_mask(4)
    padding = torch.tensor([[False] * 5, [False, False, False, False, True], [False, False, True, True, True]])
    return layer, [tgt, memory], lambda: [layer(tgt, memory, tgt_mask=causal, memory_key_padding_mask=padding)]


def decoder_layer_norm_first_eval():
    layer = nn.TransformerDecoderLayer(8, 2, dim_feedforward=16, activation="gelu", batch_first=True, norm_first=True)
    layer.eval()
    tgt = torch.randn(2, 4, 8, requires_grad=True)
    memory = torch.randn(2, 6, 8, requires_grad=True)
    causal = torch.ones(4, 4, dtype=torch.bool).triu(1)
    blocked = torch.zeros(4, 6, dtype=torch.bool)
    blocked[1, 2] = True
    tgt_padding = torch.tensor([[False] * 4, [False, False, False, True]])
    return layer, [tgt, memory], lambda: [layer(tgt, memory, tgt_mask=causal, memory_mask=blocked,
                                                tgt_key_padding_mask=tgt_padding, tgt_is_causal=True)]


def decoder_stack():
    decoder = nn.TransformerDecoder(nn.TransformerDecoderLayer(8, 2, dim_feedforward=16, dropout=0.0), 2, norm=nn.LayerNorm(8))
    tgt = torch.randn(3, 2, 8, requires_grad=True)
    memory = torch.randn(4, 2, 8, requires_grad=True)
    return decoder, [tgt, memory], lambda: [decoder(tgt, memory, tgt_mask=nn.Transformer.generate_square_subsequent_mask(3))]


def transformer():
    model = nn.Transformer(d_model=8, nhead=2, num_encoder_layers=2, num_decoder_layers=1, dim_feedforward=16, dropout=0.0)
    src = torch.randn(5, 2, 8, requires_grad=True)
    tgt = torch.randn(4, 2, 8, requires_grad=True)
    src_padding = torch.tensor([[False] * 5, [False, False, False, True, True]])
    return model, [src, tgt], lambda: [model(src, tgt, tgt_mask=model.generate_square_subsequent_mask(4),
                                             src_key_padding_mask=src_padding, memory_key_padding_mask=src_padding)]


def transformer_batch_first_norm_first():
    model = nn.Transformer(d_model=8, nhead=4, num_encoder_layers=1, num_decoder_layers=2, dim_feedforward=12, dropout=0.0,
                           activation="gelu", batch_first=True, norm_first=True)
    src = torch.randn(2, 3, 8, requires_grad=True)
    tgt = torch.randn(2, 5, 8, requires_grad=True)
    return model, [src, tgt], lambda: [model(src, tgt, tgt_mask=model.generate_square_subsequent_mask(5), tgt_is_causal=True)]


CASES = {"decoderLayerTraining": decoder_layer_training, "decoderLayerNormFirstEval": decoder_layer_norm_first_eval,
         "decoderStack": decoder_stack, "transformer": transformer,
         "transformerBatchFirstNormFirst": transformer_batch_first_norm_first}


def main():
    cases = {name: run(build) for name, build in CASES.items()}
    torch.manual_seed(0)
    model = nn.Transformer(d_model=8, nhead=2, num_encoder_layers=1, num_decoder_layers=1, dim_feedforward=16)
    layer = nn.TransformerDecoderLayer(8, 2, dim_feedforward=16)
    reprs = {"transformer": repr(model), "decoderLayer": repr(layer),
             "decoder": repr(nn.TransformerDecoder(layer, 3, norm=nn.LayerNorm(8))),
             "mask": repr(nn.Transformer.generate_square_subsequent_mask(3))}
    names = {"transformer": [n for n, _ in model.named_parameters()], "decoderLayer": [n for n, _ in layer.named_parameters()]}
    messages = {}
    for name, call in (("batchMismatch", lambda: model(torch.zeros(3, 2, 8), torch.zeros(3, 1, 8))),
                       ("featureMismatch", lambda: model(torch.zeros(3, 2, 8), torch.zeros(3, 2, 6)))):
        try:
            call()
        except RuntimeError as error:
            messages[name] = str(error)
    with open(__file__, "rb") as f:
        md5 = hashlib.md5(f.read()).hexdigest()
    with open(OUT, "w") as f:
        json.dump({"generatorMD5": md5, "torch": torch.__version__, "cases": cases, "reprs": reprs, "names": names,
                   "messages": messages}, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
