#!/usr/bin/env python3
"""Generates Tests/TorchTests/Fixtures/convolution_sweep.json: the convolution family
(conv1d, conv2d, conv_transpose2d, max/avg/adaptive pooling, interpolate, pad, unfold, fold,
batch/group/layer norm; nn.Conv2d with each padding mode, nn.ConvTranspose2d with output_size) over a seeded sweep of random configurations: strides, paddings
('same' and 'valid' too), dilations, groups (depthwise too), output paddings, ceil modes,
count_include_pad, divisor_override, scale factors, align_corners, pad widths and modes, some
inputs non-contiguous (channels-last memory viewed as NCHW), some float64, some unbatched
[C, H, W] images, plus edge cases
a random draw is unlikely to reach. ConvolutionSweepTests rebuilds each case's inputs from
its seed (torch.manual_seed, then randn for input, weight, bias and running mean, rand for
running variance and the output gradient, in this order) and compares the output, the
pooling indices, the running statistics and every gradient. Tensors are stored as the base64
of their little-endian bytes (PyTorch's exact values). Run with PyTorch installed:

    python3 scripts/generate_convolution_sweep.py > Tests/TorchTests/Fixtures/convolution_sweep.json

The file records this script's MD5, which a test compares with the script.
"""
import base64
import hashlib
import json
import random
import sys

import torch
import torch.nn.functional as F

R = random.Random(15)


def conv2d_case():
    while True:
        g = R.choice([1, 1, 2, 3])
        depthwise = R.random() < 0.2
        ci = 1 if depthwise else R.randint(1, 3)
        co = R.randint(1, 3)
        cin, cout = g * ci, g * co
        k = [R.randint(1, 5), R.randint(1, 5)]
        stride = [R.randint(1, 3), R.randint(1, 3)]
        dil = [R.randint(1, 2), R.randint(1, 2)]
        r = R.random()
        if r < 0.15: pad = "same"; stride = [1, 1]
        elif r < 0.25: pad = "valid"
        else: pad = [R.randint(0, 3), R.randint(0, 3)]
        n = R.randint(1, 2); h, w = R.randint(3, 10), R.randint(3, 10)
        p = pad if isinstance(pad, list) else [0, 0]
        oh = (h + 2 * p[0] - dil[0] * (k[0] - 1) - 1) // stride[0] + 1
        ow = (w + 2 * p[1] - dil[1] * (k[1] - 1) - 1) // stride[1] + 1
        if pad != "same" and (oh < 1 or ow < 1): continue
        return dict(op="conv2d", input=[n, cin, h, w], weight=[cout, ci, k[0], k[1]], bias=R.random() < 0.6,
                    stride=stride, padding=pad, dilation=dil, groups=g)


def conv2d_medium_case():
    """Stride 1, few channels, images wide enough for the direct kernels' bands."""
    g = R.choice([1, 1, 2])
    ci, co = R.randint(1, 2), R.randint(1, 3)
    k = R.choice([[3, 3], [3, 3], [1, 1], [5, 5], [3, 5], [7, 7]])
    dil = R.choice([[1, 1], [1, 1], [2, 2]])
    pad = R.choice([[k[0] // 2 * dil[0], k[1] // 2 * dil[1]], [0, 0], [1, 2]])
    h, w = R.randint(16, 22), R.randint(16, 22)
    return dict(op="conv2d", input=[1, g * ci, h, w], weight=[g * co, ci, k[0], k[1]], bias=R.random() < 0.5,
                stride=[1, 1], padding=pad, dilation=dil, groups=g)


def conv2d_module_case():
    """nn.Conv2d with a padding mode (the module pads, then convolves without padding)."""
    while True:
        mode = R.choice(["zeros", "reflect", "replicate", "circular"])
        g = R.choice([1, 2]); ci, co = R.randint(1, 2), R.randint(1, 3)
        k = [R.randint(1, 4), R.randint(1, 4)]; stride = [R.randint(1, 2), R.randint(1, 2)]
        dil = [R.randint(1, 2), R.randint(1, 2)]
        n, h, w = R.randint(1, 2), R.randint(3, 9), R.randint(3, 9)
        pad = [R.randint(0, min(3, h - 1)), R.randint(0, min(3, w - 1))]
        if (h + 2 * pad[0] - dil[0] * (k[0] - 1) - 1) // stride[0] + 1 < 1: continue
        if (w + 2 * pad[1] - dil[1] * (k[1] - 1) - 1) // stride[1] + 1 < 1: continue
        return dict(op="conv2d_module", input=[n, g * ci, h, w], weight=[g * co, ci, k[0], k[1]], bias=R.random() < 0.6,
                    stride=stride, padding=pad, dilation=dil, groups=g, padding_mode=mode)


def conv_transpose2d_output_size_case():
    """nn.ConvTranspose2d called with output_size: any of the stride sizes the input allows."""
    case = conv_transpose2d_case()
    n, c, h, w = case["input"]
    k, s, p, d = case["weight"][2:], case["stride"], case["padding"], case["dilation"]
    smallest = [(size - 1) * s[i] - 2 * p[i] + d[i] * (k[i] - 1) + 1 for i, size in enumerate([h, w])]
    size = [smallest[i] + R.randint(0, s[i] - 1) for i in range(2)]
    if min(size) < 1:
        return conv_transpose2d_output_size_case()
    case.update(op="conv_transpose2d_output_size", output_size=size if R.random() < 0.5 else [n, case["weight"][1] * case["groups"]] + size)
    return case


def conv1d_case():
    while True:
        g = R.choice([1, 2]); ci = R.randint(1, 3); co = R.randint(1, 3)
        k = R.randint(1, 5); stride = R.randint(1, 3); dil = R.randint(1, 3); pad = R.randint(0, 3)
        n = R.randint(1, 2); L = R.randint(3, 16)
        if (L + 2 * pad - dil * (k - 1) - 1) // stride + 1 < 1: continue
        return dict(op="conv1d", input=[n, g * ci, L], weight=[g * co, ci, k], bias=R.random() < 0.6,
                    stride=[stride], padding=[pad], dilation=[dil], groups=g)


def conv_transpose2d_case():
    while True:
        g = R.choice([1, 1, 2]); ci = R.randint(1, 3); co = R.randint(1, 3)
        k = [R.randint(1, 4), R.randint(1, 4)]; stride = [R.randint(1, 3), R.randint(1, 3)]
        dil = [R.randint(1, 2), R.randint(1, 2)]; pad = [R.randint(0, 2), R.randint(0, 2)]
        op = [R.randint(0, max(stride[0], dil[0]) - 1), R.randint(0, max(stride[1], dil[1]) - 1)]
        n = R.randint(1, 2); h, w = R.randint(2, 7), R.randint(2, 7)
        oh = (h - 1) * stride[0] - 2 * pad[0] + dil[0] * (k[0] - 1) + op[0] + 1
        ow = (w - 1) * stride[1] - 2 * pad[1] + dil[1] * (k[1] - 1) + op[1] + 1
        if oh < 1 or ow < 1: continue
        return dict(op="conv_transpose2d", input=[n, g * ci, h, w], weight=[g * ci, co, k[0], k[1]], bias=R.random() < 0.6,
                    stride=stride, padding=pad, output_padding=op, dilation=dil, groups=g)


def max_pool2d_case():
    while True:
        k = [R.randint(1, 4), R.randint(1, 4)]
        stride = None if R.random() < 0.3 else [R.randint(1, 4), R.randint(1, 4)]
        pad = [R.randint(0, k[0] // 2), R.randint(0, k[1] // 2)]
        dil = [R.randint(1, 2), R.randint(1, 2)]
        ceil = R.random() < 0.5
        n, c, h, w = R.randint(1, 2), R.randint(1, 3), R.randint(2, 11), R.randint(2, 11)
        try:
            F.max_pool2d(torch.zeros(n, c, h, w), k, stride, pad, dil, ceil_mode=ceil)
        except RuntimeError:
            continue
        return dict(op="max_pool2d", input=[n, c, h, w], kernel=k, stride=stride, padding=pad, dilation=dil, ceil_mode=ceil)


def max_pool1d_case():
    while True:
        k = R.randint(1, 4); stride = None if R.random() < 0.3 else R.randint(1, 4)
        pad = R.randint(0, k // 2); dil = R.randint(1, 3); ceil = R.random() < 0.5
        n, c, L = R.randint(1, 2), R.randint(1, 3), R.randint(2, 14)
        try:
            F.max_pool1d(torch.zeros(n, c, L), k, stride, pad, dil, ceil_mode=ceil)
        except RuntimeError:
            continue
        return dict(op="max_pool1d", input=[n, c, L], kernel=[k], stride=None if stride is None else [stride], padding=[pad], dilation=[dil], ceil_mode=ceil)


def avg_pool2d_case():
    while True:
        k = [R.randint(1, 4), R.randint(1, 4)]
        stride = None if R.random() < 0.3 else [R.randint(1, 4), R.randint(1, 4)]
        pad = [R.randint(0, k[0] // 2), R.randint(0, k[1] // 2)]
        ceil = R.random() < 0.5; include = R.random() < 0.5
        div = R.choice([None, None, None, R.randint(1, 7)])
        n, c, h, w = R.randint(1, 2), R.randint(1, 3), R.randint(2, 11), R.randint(2, 11)
        try:
            F.avg_pool2d(torch.zeros(n, c, h, w), k, stride, pad, ceil_mode=ceil, count_include_pad=include, divisor_override=div)
        except RuntimeError:
            continue
        return dict(op="avg_pool2d", input=[n, c, h, w], kernel=k, stride=stride, padding=pad, ceil_mode=ceil,
                    count_include_pad=include, divisor_override=div)


def adaptive_case(op):
    n, c, h, w = R.randint(1, 2), R.randint(1, 3), R.randint(1, 11), R.randint(1, 11)
    return dict(op=op, input=[n, c, h, w], output_size=[R.randint(1, h + 3), R.randint(1, w + 3)])


def interpolate_case():
    mode = R.choice(["nearest", "bilinear"])
    n, c, h, w = R.randint(1, 2), R.randint(1, 2), R.randint(1, 9), R.randint(1, 9)
    case = dict(op="interpolate", input=[n, c, h, w], mode=mode)
    if R.random() < 0.5:
        case["size"] = [R.randint(1, 14), R.randint(1, 14)]
    else:
        while True:
            s = R.choice([0.5, 0.6, 0.75, 1.0, 1.3, 1.5, 1.7, 2.0, 2.5, 3.0])
            if int(h * s) >= 1 and int(w * s) >= 1: break
        case["scale_factor"] = s
    if mode == "bilinear":
        case["align_corners"] = R.choice([None, False, True])
    return case


def pad_case():
    mode = R.choice(["constant", "reflect", "replicate", "circular"])
    n, c, h, w = R.randint(1, 2), R.randint(1, 2), R.randint(2, 7), R.randint(2, 7)
    dims = R.choice([1, 2])
    sizes = [w, h][:dims]
    pads = []
    for s in sizes:
        for _ in range(2):
            if mode == "constant": pads.append(R.randint(-1, 3))
            elif mode == "reflect": pads.append(R.randint(0, s - 1))
            elif mode == "circular": pads.append(R.randint(0, s))
            else: pads.append(R.randint(0, 4))
    inp = [n, c, h, w] if dims == 2 else [n, c, w]
    return dict(op="pad", input=inp, pad=pads, mode=mode, value=round(R.uniform(-2, 2), 2) if mode == "constant" else 0.0)


def unfold_case():
    while True:
        k = [R.randint(1, 3), R.randint(1, 3)]; d = [R.randint(1, 2), R.randint(1, 2)]
        p = [R.randint(0, 2), R.randint(0, 2)]; s = [R.randint(1, 3), R.randint(1, 3)]
        n, c, h, w = R.randint(1, 2), R.randint(1, 3), R.randint(2, 8), R.randint(2, 8)
        oh = (h + 2 * p[0] - d[0] * (k[0] - 1) - 1) // s[0] + 1
        ow = (w + 2 * p[1] - d[1] * (k[1] - 1) - 1) // s[1] + 1
        if oh < 1 or ow < 1: continue
        if R.random() < 0.5:
            return dict(op="unfold", input=[n, c, h, w], kernel=k, dilation=d, padding=p, stride=s)
        return dict(op="fold", input=[n, c * k[0] * k[1], oh * ow], output_size=[h, w], kernel=k, dilation=d, padding=p, stride=s)


def with_variant(make, permuted=0.0, double=0.0, unbatched=0.0):
    """A case maker whose input is sometimes a non-contiguous view (channels moved last and
    permuted back), sometimes float64, and sometimes one unbatched image [C, H, W]."""
    def wrapped():
        case = make()
        if len(case["input"]) == 4 and R.random() < unbatched:
            case["input"] = case["input"][1:]
            if "output_size" in case and len(case["output_size"]) == 4:
                case["output_size"] = case["output_size"][1:]
        case["permuted"] = len(case["input"]) == 4 and R.random() < permuted
        case["dtype"] = "float64" if R.random() < double else "float32"
        return case
    return wrapped


def encode(t, dtype):
    return base64.b64encode(t.detach().to(dtype).contiguous().numpy().tobytes()).decode()


def norm_case():
    op = R.choice(["batch_norm", "batch_norm", "group_norm", "layer_norm"])
    n, c = R.randint(1, 4), R.choice([1, 2, 3, 4, 6])
    spatial = R.choice([[], [R.randint(1, 7)], [R.randint(1, 5), R.randint(1, 5)]])
    case = dict(op=op, input=[n, c] + spatial, affine=R.random() < 0.6, eps=R.choice([1e-5, 1e-3]))
    if op == "batch_norm":
        case.update(training=R.random() < 0.6, momentum=R.choice([0.1, 0.3]), running=R.random() < 0.8)
        if not case["running"]: case["training"] = True
    elif op == "group_norm":
        if not spatial: case["input"] = [n, c, R.randint(1, 6)]
        case["groups"] = R.choice([g for g in range(1, c + 1) if c % g == 0])
    else:
        shape = case["input"]
        case["normalized_shape"] = shape[-R.randint(1, min(2, len(shape) - 1)):]
    # Normalizing a single element gives x - mean = 0 exactly: its input gradient is rounding
    # noise amplified by 1/sqrt(eps), not a value to compare.
    count = {"batch_norm": lambda: case["input"][0] * prod(case["input"][2:]),
             "group_norm": lambda: case["input"][1] // case.get("groups", 1) * prod(case["input"][2:]),
             "layer_norm": lambda: prod(case.get("normalized_shape", []))}[op]()
    return case if count >= 2 else norm_case()


def prod(values):
    result = 1
    for v in values: result *= v
    return result


# Cases a random draw is unlikely to reach, each once.
EDGE_CASES = [
    # nearest in float32 arithmetic even for float64 tensors (20 · 2.6: float and double differ at column 41)
    dict(op="interpolate", input=[1, 1, 2, 20], mode="nearest", scale_factor=2.6, dtype="float64"),
    # bilinear axis whose size the scale factor keeps (3 · 1.3 → 3): copied, not resampled
    dict(op="interpolate", input=[1, 2, 3, 7], mode="bilinear", scale_factor=1.3, align_corners=None),
    dict(op="interpolate", input=[1, 1, 3, 3], mode="bilinear", scale_factor=1.3, align_corners=True),
]


def run(case, seed):
    case.setdefault("permuted", False); case.setdefault("dtype", "float32")
    dtype = torch.float64 if case["dtype"] == "float64" else torch.float32
    torch.manual_seed(seed)
    if case["permuted"]:
        n, c, h, w = case["input"]
        x = torch.randn([n, h, w, c], dtype=dtype).permute(0, 3, 1, 2).requires_grad_()
    else:
        x = torch.randn(case["input"], dtype=dtype, requires_grad=True)
    op = case["op"]
    extra = []
    if op in ("conv2d_module", "conv_transpose2d_output_size"):
        w_shape = case["weight"]
        if op == "conv2d_module":
            module = torch.nn.Conv2d(w_shape[1] * case["groups"], w_shape[0], tuple(w_shape[2:]), tuple(case["stride"]), tuple(case["padding"]),
                                     tuple(case["dilation"]), case["groups"], case["bias"], case["padding_mode"], dtype=dtype)
        else:
            module = torch.nn.ConvTranspose2d(w_shape[0], w_shape[1] * case["groups"], tuple(w_shape[2:]), tuple(case["stride"]),
                                              tuple(case["padding"]), 0, case["groups"], case["bias"], tuple(case["dilation"]), dtype=dtype)
        # Drawn after the input, as for the functional cases (the module's own init drew before the seed).
        with torch.no_grad():
            module.weight.copy_(torch.randn(w_shape, dtype=dtype))
            if case["bias"]:
                module.bias.copy_(torch.randn(module.bias.shape, dtype=dtype))
        extra += [module.weight] + ([module.bias] if case["bias"] else [])
        y = module(x) if op == "conv2d_module" else module(x, output_size=case["output_size"])
        outs = [y]
    elif op in ("conv2d", "conv1d", "conv_transpose2d"):
        wt = torch.randn(case["weight"], dtype=dtype, requires_grad=True); extra.append(wt)
        b = None
        if case["bias"]:
            nb = case["weight"][0] if op != "conv_transpose2d" else case["weight"][1] * case["groups"]
            b = torch.randn(nb, dtype=dtype, requires_grad=True); extra.append(b)
        if op == "conv2d":
            pad = case["padding"] if isinstance(case["padding"], str) else tuple(case["padding"])
            y = F.conv2d(x, wt, b, tuple(case["stride"]), pad, tuple(case["dilation"]), case["groups"])
        elif op == "conv1d":
            y = F.conv1d(x, wt, b, case["stride"][0], case["padding"][0], case["dilation"][0], case["groups"])
        else:
            y = F.conv_transpose2d(x, wt, b, tuple(case["stride"]), tuple(case["padding"]), tuple(case["output_padding"]), case["groups"], tuple(case["dilation"]))
        outs = [y]
    elif op in ("batch_norm", "group_norm", "layer_norm"):
        c = case["input"][1]
        shape = case.get("normalized_shape", [c])
        w = b = None
        if case["affine"]:
            w = torch.randn(shape, dtype=dtype, requires_grad=True); b = torch.randn(shape, dtype=dtype, requires_grad=True)
            extra += [w, b]
        if op == "batch_norm":
            mean = var = None
            if case["running"]:
                mean = torch.randn(c, dtype=dtype); var = torch.rand(c, dtype=dtype) + 0.5
            y = F.batch_norm(x, mean, var, w, b, case["training"], case["momentum"], case["eps"])
            if case["running"]:
                case["running_mean"] = encode(mean, dtype); case["running_var"] = encode(var, dtype)
        elif op == "group_norm":
            y = F.group_norm(x, case["groups"], w, b, case["eps"])
        else:
            y = F.layer_norm(x, shape, w, b, case["eps"])
        outs = [y]
    elif op == "max_pool2d":
        y, idx = F.max_pool2d(x, tuple(case["kernel"]), None if case["stride"] is None else tuple(case["stride"]), tuple(case["padding"]), tuple(case["dilation"]), ceil_mode=case["ceil_mode"], return_indices=True)
        outs = [y, idx]
    elif op == "max_pool1d":
        y, idx = F.max_pool1d(x, case["kernel"][0], None if case["stride"] is None else case["stride"][0], case["padding"][0], case["dilation"][0], ceil_mode=case["ceil_mode"], return_indices=True)
        outs = [y, idx]
    elif op == "avg_pool2d":
        y = F.avg_pool2d(x, tuple(case["kernel"]), None if case["stride"] is None else tuple(case["stride"]), tuple(case["padding"]), case["ceil_mode"], case["count_include_pad"], case["divisor_override"])
        outs = [y]
    elif op == "adaptive_avg_pool2d":
        y = F.adaptive_avg_pool2d(x, tuple(case["output_size"])); outs = [y]
    elif op == "adaptive_max_pool2d":
        y, idx = F.adaptive_max_pool2d(x, tuple(case["output_size"]), return_indices=True); outs = [y, idx]
    elif op == "interpolate":
        kw = {}
        if "size" in case: kw["size"] = tuple(case["size"])
        else: kw["scale_factor"] = case["scale_factor"]
        if case["mode"] == "bilinear" and case["align_corners"] is not None: kw["align_corners"] = case["align_corners"]
        y = F.interpolate(x, mode=case["mode"], **kw); outs = [y]
    elif op == "pad":
        y = F.pad(x, case["pad"], mode=case["mode"], value=case["value"] if case["mode"] == "constant" else None); outs = [y]
    elif op == "unfold":
        y = F.unfold(x, tuple(case["kernel"]), tuple(case["dilation"]), tuple(case["padding"]), tuple(case["stride"])); outs = [y]
    elif op == "fold":
        y = F.fold(x, tuple(case["output_size"]), tuple(case["kernel"]), tuple(case["dilation"]), tuple(case["padding"]), tuple(case["stride"])); outs = [y]
    y = outs[0]
    g = torch.rand(y.shape, dtype=dtype)
    grads = torch.autograd.grad([y], [x] + extra, [g])
    case = dict(case, seed=seed, output_shape=list(y.shape), output=encode(y, dtype), grads=[encode(t, dtype) for t in grads])
    if len(outs) > 1: case["indices"] = [int(v) for v in outs[1].reshape(-1)]
    case["input_sum"] = float(x.detach().double().sum())
    return case


def main():
    makers = ([with_variant(conv2d_case, 0.2, 0.1, 0.1)] * 60 + [with_variant(conv2d_medium_case, 0.2)] * 12 + [conv1d_case] * 20
              + [with_variant(conv_transpose2d_case, 0.2, 0.1, 0.1)] * 40 + [with_variant(max_pool2d_case, 0.2, 0.1, 0.1)] * 30
              + [max_pool1d_case] * 15 + [with_variant(avg_pool2d_case, 0.2, 0.1, 0.1)] * 30
              + [with_variant(lambda: adaptive_case("adaptive_avg_pool2d"), 0, 0, 0.2)] * 15
              + [with_variant(lambda: adaptive_case("adaptive_max_pool2d"), 0, 0, 0.2)] * 15
              + [with_variant(interpolate_case, 0.2, 0.1)] * 40 + [pad_case] * 30 + [unfold_case] * 20
              + [with_variant(norm_case, 0.0, 0.1)] * 40
              + [with_variant(conv2d_module_case, 0.2, 0.1, 0.1)] * 30
              + [with_variant(conv_transpose2d_output_size_case, 0.0, 0.1, 0.2)] * 20)
    cases = [run(make(), seed) for seed, make in enumerate(makers)]
    cases += [run(dict(case), len(cases) + i) for i, case in enumerate(EDGE_CASES)]
    with open(__file__, "rb") as f:
        md5 = hashlib.md5(f.read()).hexdigest()
    json.dump({"generatorMD5": md5, "torchVersion": torch.__version__, "cases": cases}, sys.stdout)
    print()


if __name__ == "__main__":
    main()
