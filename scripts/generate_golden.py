"""Generates Tests/TorchTests/PyTorchGolden.swift: PyTorch's exact output for the cases the
Swift tests rebuild by name. Run with PyTorch installed:

    python3 scripts/generate_golden.py > Tests/TorchTests/PyTorchGolden.swift
"""
import hashlib
import os

import torch
import torch.nn.functional as F
from torch import nn


def reprs():
    """name -> tensor; the Swift side builds the same tensor under the same name."""
    cases = {}
    cases["arange30"] = torch.arange(30.)
    cases["arange1001"] = torch.arange(1001)
    cases["blocks3d"] = torch.arange(24.).reshape(2, 3, 4)
    cases["blocks4d"] = torch.arange(16.).reshape(2, 2, 2, 2)
    cases["sci1200"] = torch.arange(1200.).reshape(30, 40)
    cases["summarized3d"] = torch.arange(2000.).reshape(10, 10, 20) / 7
    cases["intFloats"] = torch.tensor([1., 2., 3., -4.])
    cases["mixed"] = torch.tensor([-0.5, 1.25, 3.])
    cases["ints"] = torch.tensor([1, -20, 300])
    cases["bigInts"] = torch.tensor([1000000000000, -5])
    cases["bools"] = torch.tensor([True, False])
    cases["uint8"] = torch.tensor([1, 2, 255], dtype=torch.uint8)
    cases["small"] = torch.tensor([1e-4, 1.0])
    cases["ratio999"] = torch.tensor([0.001, 1.0])
    cases["ratio1000"] = torch.tensor([1000., 1.])
    cases["ratio1001"] = torch.tensor([1001., 1.])
    cases["e8"] = torch.tensor([1e8])
    cases["e8plus"] = torch.tensor([123456789.])
    cases["tie"] = torch.tensor([0.03125, 0.12345])
    cases["nanInf"] = torch.tensor([float("nan"), float("inf"), -float("inf"), 1.5])
    cases["nanInfInt"] = torch.tensor([float("nan"), float("inf"), 1.])
    cases["allNan"] = torch.tensor([float("nan"), float("nan")])
    cases["negZero"] = torch.tensor([-0.0, 1.5])
    cases["negZeroInt"] = torch.tensor([-0.0, 1.0])
    cases["zeros"] = torch.zeros(3)
    cases["sciZeros"] = torch.tensor([0., 1e-5, 2.5e-3])
    cases["sciNan"] = torch.tensor([1e-5, float("nan"), float("inf")])
    cases["sciNeg"] = torch.tensor([-1e-5, 1.0])
    cases["scalar"] = torch.tensor(3.5)
    cases["scalarInt"] = torch.tensor(3.)
    cases["scalarNegZero"] = torch.tensor(-0.)
    cases["scalarSci"] = torch.tensor(1e-5)
    cases["scalarLong"] = torch.tensor(3)
    cases["scalarBool"] = torch.tensor(True)
    cases["empty"] = torch.tensor([])
    cases["empty03"] = torch.zeros(0, 3)
    cases["emptyLong"] = torch.tensor([], dtype=torch.int64)
    cases["empty20Long"] = torch.zeros(2, 0, dtype=torch.int64)
    cases["float64"] = torch.tensor([1.5, 2.0], dtype=torch.float64)
    cases["requiresGrad"] = torch.tensor([1.5, 2.0], requires_grad=True)
    cases["float64Grad"] = torch.tensor([1.5], dtype=torch.float64, requires_grad=True)
    cases["scalarGrad"] = torch.tensor(1.5, requires_grad=True)
    cases["scalarMul"] = torch.tensor([1., 2., 3.], requires_grad=True).sum() * 1
    cases["wrap5"] = torch.full((5,), 0.5, requires_grad=True) + 0
    cases["wrap6"] = torch.full((6,), 0.5, requires_grad=True) + 0
    cases["noWrap6"] = torch.full((6,), 0.5, requires_grad=True)
    hidden = torch.full((2000,), 0.5)
    hidden[1000] = 1e10
    cases["summarizedHidden"] = hidden
    torch.manual_seed(0)
    cases["rand345"] = torch.rand(3, 4, 5)
    torch.manual_seed(0)
    cases["randn2x600"] = torch.randn(2, 600)
    torch.manual_seed(3)
    cases["randn4x30"] = torch.randn(4, 30)
    torch.manual_seed(0)
    cases["randint"] = torch.randint(0, 10, (12,))
    torch.manual_seed(0)
    cases["randperm20"] = torch.randperm(20)
    torch.manual_seed(5)
    cases["randDouble"] = torch.rand(4, dtype=torch.float64)
    torch.manual_seed(5)
    cases["randnDouble"] = torch.randn(3, dtype=torch.float64)
    torch.manual_seed(5)
    cases["randnDouble20"] = torch.randn(20, dtype=torch.float64)
    cases["linspace"] = torch.linspace(-1, 1, 7)
    cases["eye"] = torch.eye(3)
    cases["promoteInt"] = torch.tensor([1, 2]) + 0.5
    cases["divInt"] = torch.tensor([3, 4]) / 2
    cases["sumInt"] = torch.tensor([3, 4]).sum()
    cases["argmax"] = torch.tensor([[1., 5., 2.], [7., 0., 1.]]).argmax(1)
    cases["softmaxLarge"] = torch.softmax(torch.tensor([[1000., 1001., 1002.]]), dim=1)
    cases["ce"] = F.cross_entropy(torch.tensor([[2., 1., 0.1], [0.5, 2.5, 0.3]], requires_grad=True), torch.tensor([0, 1]))
    cases["ceNone"] = F.cross_entropy(torch.tensor([[2., 1., 0.1], [0.5, 2.5, 0.3]], requires_grad=True), torch.tensor([0, 1]), reduction="none")
    cases["ceIgnore"] = F.cross_entropy(torch.tensor([[2., 1., 0.1], [0.5, 2.5, 0.3]], requires_grad=True), torch.tensor([0, 1]), ignore_index=1)
    cases["ceSmooth"] = F.cross_entropy(torch.tensor([[2., 1., 0.1], [0.5, 2.5, 0.3]], requires_grad=True), torch.tensor([0, 1]), label_smoothing=0.2)
    cases["ceWeighted"] = F.cross_entropy(torch.tensor([[2., 1., 0.1], [0.5, 2.5, 0.3]], requires_grad=True), torch.tensor([0, 1]), weight=torch.tensor([1., 2., 3.]))
    cases["ceLarge"] = F.cross_entropy(torch.tensor([[1e4, -1e4, 0.], [0., 0., 5e4]]), torch.tensor([1, 2]))
    cases["mse"] = F.mse_loss(torch.tensor([1., 2., 3.], requires_grad=True), torch.tensor([1.5, 2., 2.]))
    cases["l1"] = F.l1_loss(torch.tensor([1., 2., 3.]), torch.tensor([1.5, 2., 2.]))
    cases["bce"] = F.binary_cross_entropy_with_logits(torch.tensor([0.3, -2., 40.]), torch.tensor([1., 0., 1.]))
    return cases


def op_reprs():
    """name -> tensor for the op tests outside PrintingTests (each Swift test builds its own)."""
    return {**integer_power_reprs(), **division_reprs(), **sorting_reprs(), **cumsum_flip_reprs(), **triangular_reprs(), **einsum_reprs(), **embedding_reprs(),
            **loss_reprs()}


def loss_reprs():
    """Binary cross entropy (both gradients, the clamp at 100), smooth L1 and Huber (LossTests)."""
    torch.manual_seed(0)
    x = torch.rand(6, requires_grad=True)
    y = torch.rand(6, requires_grad=True)
    w = torch.rand(6)
    bce = F.binary_cross_entropy(x, y, weight=w)
    bce.backward()
    d = torch.tensor([-2., -0.5, 0., 0.3, 1.0, 3.], requires_grad=True)
    smooth = F.smooth_l1_loss(d, torch.zeros(6), beta=0.7)
    smooth.backward()
    smooth_grad = d.grad.clone()
    d.grad = None
    huber = F.huber_loss(d, torch.zeros(6), delta=0.7, reduction="sum")
    huber.backward()
    return {
        "bce": bce, "bceInputGradient": x.grad, "bceTargetGradient": y.grad,
        "bceSaturated": F.binary_cross_entropy(torch.tensor([0., 1., 0.5]), torch.tensor([1., 0., 1.]), reduction="none"),
        "smoothL1": smooth, "smoothL1Gradient": smooth_grad, "huber": huber, "huberGradient": d.grad,
        "smoothL1Beta0": F.smooth_l1_loss(d, torch.zeros(6), beta=0.0),
    }


def embedding_reprs():
    """nn.Embedding's seeded table, a lookup and its gradient; F.normalize (EmbeddingTests)."""
    torch.manual_seed(0)
    table = nn.Embedding(10, 3, padding_idx=2)
    out = table(torch.tensor([[1, 2, 4], [4, 3, 2]]))
    (out * torch.arange(18.).view(2, 3, 3)).sum().backward()
    x = torch.tensor([[3., 4.], [0., 0.]], requires_grad=True)
    return {
        "embeddingWeight": table.weight, "embeddingOutput": out, "embeddingGradient": table.weight.grad,
        "normalize": F.normalize(x, dim=1), "normalizeL1": F.normalize(torch.tensor([[1., 2., 2.]]), p=1, dim=1),
    }


def integer_power_reprs():
    """Integer tensors to whole powers stay integers and wrap (WrappedNumberTests)."""
    return {
        "powInt": torch.tensor([4, 7, -3]) ** 2,
        "powUint8": torch.tensor([250, 3, 7], dtype=torch.uint8) ** 3,
        "powWrap": torch.tensor([3, -2]) ** 41,
        "powFraction": torch.tensor([4, 7]) ** 2.5,
        "powZero": torch.tensor([2, 3]) ** 0,
    }


def division_reprs():
    """%, fmod, rounded division and ~ (DivisionTests)."""
    x, y = torch.tensor([7, -7, 7, -7]), torch.tensor([2, 2, -2, -2])
    f = torch.tensor([5.5, -5.5, 0.0, -0.0, 3.0, 7.0])
    g = torch.tensor([2.0, 2.0, -2.0, 2.0, 0.0, float("inf")])
    a = torch.tensor([5.5], requires_grad=True)
    return {
        "remainderInt": x % y, "fmodInt": torch.fmod(x, y), "floorDivideInt": torch.floor_divide(x, y),
        "truncDivideInt": torch.div(x, y, rounding_mode="trunc"), "remainderIntByFloat": torch.tensor([7, -7]) % 2.5,
        "scalarRemainderInt": 7 % torch.tensor([2, -2]),
        "remainderFloat": f % g, "fmodFloat": torch.fmod(f, g), "floorDivideFloat": torch.div(f, g, rounding_mode="floor"),
        "invertBool": ~torch.tensor([True, False]), "invertUint8": ~torch.tensor([5, 0], dtype=torch.uint8),
        "remainderGrad": a % 2, "floorDivideGrad": torch.floor_divide(a, torch.tensor([2.0])), "scalarRemainderGrad": 2 % a,
    }


def sorting_reprs():
    """sort, argsort and topk (SortingTests)."""
    torch.manual_seed(0)
    x = torch.randn(2, 3, 4)
    nan = float("nan")
    t = torch.tensor([3., nan, 1., 3., -2., nan, 1.])
    ints = torch.tensor([5, 1, 5, 0, 1])
    low = x.topk(2, dim=0, largest=False)
    small = torch.tensor([[3, 1, 2]], dtype=torch.uint8).sort(descending=True)
    y = torch.randn(3, 5, requires_grad=True)
    values = y.topk(2).values
    (values * torch.tensor([[1., 2.], [3., 4.], [5., 6.]])).sum().backward()
    return {
        "sortDim1Values": x.sort(dim=1).values, "sortDim1Indices": x.sort(dim=1).indices,
        "sortDescendingIndices": x.sort(descending=True).indices,
        "topkSmallestValues": low.values, "topkSmallestIndices": low.indices,
        "sortNaNValues": t.sort().values, "sortNaNIndices": t.sort().indices,
        "sortNaNDescendingValues": t.sort(descending=True).values, "sortNaNDescendingIndices": t.sort(descending=True).indices,
        "argsortInt": ints.argsort(), "topkIntValues": ints.topk(3).values,
        "sortUint8Values": small.values, "sortUint8Indices": small.indices,
        "sortScalar": torch.tensor(2.5).sort().values,
        "topkValues": values, "topkGradient": y.grad,
    }


def triangular_reprs():
    """tril, triu and repeat (TriangularTests)."""
    x = torch.arange(12.).view(3, 4).requires_grad_()
    r = x.repeat(2, 1, 2)
    (r * torch.arange(48.).view(2, 3, 8)).sum().backward()
    return {
        "tril": torch.arange(12.).view(3, 4).requires_grad_().tril(), "trilBelow": torch.arange(12).view(3, 4).tril(-1),
        "triuAbove": torch.arange(12.).view(3, 4).triu(1), "triuBatched": torch.ones(2, 3, 3, dtype=torch.int64).triu(),
        "repeat": torch.tensor([1, 2]).repeat(2, 2), "repeatShape": torch.tensor(list(r.shape)), "repeatGradient": x.grad,
    }


def einsum_reprs():
    """torch.einsum's values and result nodes (EinsumTests)."""
    a, b = torch.arange(6.).view(2, 3).requires_grad_(), torch.arange(12.).view(3, 4)
    return {
        "einsumMatmul": torch.einsum("ij,jk->ik", a, b),
        "einsumBatched": torch.einsum("bij,bjk->bik", torch.arange(12.).view(2, 2, 3).requires_grad_(), torch.arange(24.).view(2, 3, 4)),
        "einsumTrace": torch.einsum("ii", torch.arange(9.).view(3, 3).requires_grad_()),
        "einsumImplicit": torch.einsum("ba,a", torch.arange(6).view(2, 3), torch.tensor([1, 10, 100])),
        "einsumOuter": torch.einsum("i,j->ji", torch.tensor([1., 2.]), torch.tensor([1., 10., 100.])),
    }


def cumsum_flip_reprs():
    """cumsum and flip (CumsumFlipTests)."""
    torch.manual_seed(0)
    x = torch.randn(2, 3, 4, requires_grad=True)
    c = x.cumsum(1)
    (c * torch.arange(24.).view(2, 3, 4)).sum().backward()
    grid = torch.arange(6).view(2, 3)
    return {
        "cumsum": c, "cumsumGradient": x.grad,
        "cumsumUint8": torch.tensor([1, 2, 3], dtype=torch.uint8).cumsum(0), "cumsumBool": torch.tensor([True, False, True]).cumsum(0),
        "flip0": grid.flip(0), "flip01": grid.flip([0, 1]),
        "flipGrad": torch.arange(6.).view(2, 3).requires_grad_().flip(-1),
    }


PLATEAU_METRICS = [1.0, 0.9, 0.95, 0.95, 0.95, 0.8, 0.8, 0.795, 0.8, 0.8, 0.85, 0.7, 0.7, 0.71, 0.72, 0.9, 0.92, 0.93]


def scheduler_rates():
    """get_last_lr() before and after each of 8 steps, SGD at lr 0.5 (OptimizerTests);
    ReduceLROnPlateau's after each of PLATEAU_METRICS."""
    from torch.optim import lr_scheduler as schedulers

    def plateau(options):
        optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.5)
        scheduler = schedulers.ReduceLROnPlateau(optimizer, **options)
        rates = [scheduler.get_last_lr()[0]]
        for metric in PLATEAU_METRICS:
            scheduler.step(metric)
            rates.append(scheduler.get_last_lr()[0])
        return rates

    def run(make):
        optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.5)
        scheduler = make(optimizer)
        rates = [scheduler.get_last_lr()[0]]
        for _ in range(8):
            optimizer.step()
            scheduler.step()
            rates.append(scheduler.get_last_lr()[0])
        return rates

    return {
        "exponential": run(lambda o: schedulers.ExponentialLR(o, gamma=0.7)),
        "multiStep": run(lambda o: schedulers.MultiStepLR(o, milestones=[2, 5, 5], gamma=0.3)),
        "linear": run(lambda o: schedulers.LinearLR(o, start_factor=0.25, end_factor=0.9, total_iters=4)),
        "lambda": run(lambda o: schedulers.LambdaLR(o, lambda e: 0.95 ** e + e / 10)),
        "plateauMin": plateau(dict(factor=0.5, patience=1, cooldown=1, threshold=0.01, min_lr=0.1)),
        "plateauMaxAbs": plateau(dict(mode="max", factor=0.3, patience=2, threshold=0.05, threshold_mode="abs")),
    }


def clipping_values():
    """The total norm, then the weight's and the bias's gradients, after each clip of a seeded
    Linear(4, 3)'s gradients (ClipGradTests); a frozen third parameter has no gradient."""
    def run(clip):
        torch.manual_seed(0)
        layer = nn.Linear(4, 3)
        frozen = torch.zeros(2, requires_grad=True)
        (layer(torch.randn(5, 4)) ** 2).sum().backward()
        total = clip([layer.weight, frozen, layer.bias])
        return [float(total)] + layer.weight.grad.flatten().tolist() + layer.bias.grad.tolist()

    def clip_value(params):
        nn.utils.clip_grad_value_(params, 0.3)
        return 0.0

    return {
        "norm2": run(lambda ps: nn.utils.clip_grad_norm_(ps, 0.5)),
        "normInf": run(lambda ps: nn.utils.clip_grad_norm_(ps, 0.5, norm_type=float("inf"))),
        "norm1Unclipped": run(lambda ps: nn.utils.clip_grad_norm_(ps, 1e3, norm_type=1)),
        "norm3": run(lambda ps: nn.utils.clip_grad_norm_(ps, 2.0, norm_type=3)),
        "value": run(clip_value),
    }


def recurrent_values():
    """Seeded recurrent layers and cells (RecurrentTests): the output, the final states, the
    input's gradient and every parameter's gradient (named_parameters order), flattened, for a
    loss that weighs every output and state element differently."""
    def weighted(t):
        return (t * (torch.arange(t.numel(), dtype=t.dtype).reshape(t.shape) % 7 - 3)).sum()

    def run(make, input_shape, states=None, dtype=torch.float32, train=False):
        torch.manual_seed(0)
        module = make()
        module.train(train)
        x = torch.randn(*input_shape, dtype=dtype, requires_grad=True)
        given = None if states is None else tuple(torch.randn(*shape, dtype=dtype) for shape in states)
        if given is not None and not isinstance(module, (nn.LSTM, nn.LSTMCell)):
            given = given[0]
        result = module(x) if given is None else module(x, given)
        tensors = [result] if isinstance(result, torch.Tensor) else (
            [result[0]] + (list(result[1]) if isinstance(result[1], tuple) else [result[1]]) if isinstance(module, nn.RNNBase)
            else list(result))
        sum(weighted(t) for t in tensors).backward()
        values = [v for t in tensors + [x.grad] + [p.grad for _, p in module.named_parameters()] for v in t.flatten().tolist()]
        nodes = [type(t.grad_fn).__name__ for t in tensors]
        return values, nodes

    cases = {
        "rnn": run(lambda: nn.RNN(3, 5, num_layers=2), (4, 2, 3)),
        "rnnReluUnbatched": run(lambda: nn.RNN(3, 5, nonlinearity="relu"), (4, 3), states=[(1, 5)]),
        "lstmBidirectional": run(lambda: nn.LSTM(3, 5, bidirectional=True), (4, 2, 3), states=[(2, 2, 5), (2, 2, 5)]),
        "lstmProjection64": run(lambda: nn.LSTM(3, 5, num_layers=2, proj_size=2, dtype=torch.float64), (4, 2, 3), dtype=torch.float64),
        "gruBatchFirst": run(lambda: nn.GRU(3, 5, num_layers=2, batch_first=True), (2, 4, 3)),
        "gruDropoutTraining": run(lambda: nn.GRU(3, 5, num_layers=3, dropout=0.3), (4, 2, 3), train=True),
        "gruNoBias64": run(lambda: nn.GRU(3, 4, bias=False, bidirectional=True, dtype=torch.float64), (5, 3), dtype=torch.float64),
        "rnnCell": run(lambda: nn.RNNCell(3, 5), (2, 3), states=[(2, 5)]),
        "lstmCell": run(lambda: nn.LSTMCell(3, 5), (2, 3)),
        "gruCellUnbatched": run(lambda: nn.GRUCell(3, 5), (3,), states=[(5,)]),
    }
    return {name: values for name, (values, _) in cases.items()}, {name: ",".join(nodes) for name, (_, nodes) in cases.items()}


def attention_values():
    """Seeded attention cases (AttentionTests): each result, then the gradients of the inputs
    that require one and of every parameter, flattened, for a loss that weighs every result
    element differently; and the results' grad_fn names."""
    def weighted(t):
        return (t * (torch.arange(t.numel(), dtype=t.dtype).reshape(t.shape) % 7 - 3)).sum()

    def run(build):
        torch.manual_seed(0)
        module, inputs, call = build()
        results = [r for r in call() if r is not None]
        sum(weighted(r) for r in results).backward()
        tensors = results + [x.grad for x in inputs] + ([p.grad for _, p in module.named_parameters()] if module else [])
        return [v for t in tensors for v in t.flatten().tolist()], ",".join(type(r.grad_fn).__name__ for r in results)

    def self_attention():
        m = nn.MultiheadAttention(8, 2)
        x = torch.randn(4, 3, 8, requires_grad=True)
        return m, [x], lambda: m(x, x, x)

    def cross_attention_masks():
        m = nn.MultiheadAttention(8, 4, batch_first=True)
        q = torch.randn(2, 3, 8, requires_grad=True)
        kv = torch.randn(2, 5, 8, requires_grad=True)
        padding = torch.tensor([[False, False, False, True, True], [False] * 5])
        blocked = torch.tensor([[False, True, False, False, False], [False] * 5, [True, False, False, False, False]])
        return m, [q, kv], lambda: m(q, kv, kv, key_padding_mask=padding, attn_mask=blocked, average_attn_weights=False)

    def without_weights():
        m = nn.MultiheadAttention(8, 2)
        x = torch.randn(4, 3, 8, requires_grad=True)
        mask = torch.randn(4, 4)
        return m, [x], lambda: m(x, x, x, need_weights=False, attn_mask=mask)

    def unbatched():
        m = nn.MultiheadAttention(6, 3, bias=False)
        q = torch.randn(4, 6, requires_grad=True)
        k = torch.randn(5, 6, requires_grad=True)
        v = torch.randn(5, 6, requires_grad=True)
        return m, [q, k, v], lambda: m(q, k, v)

    def dropout_training():
        m = nn.MultiheadAttention(8, 2, dropout=0.5)
        x = torch.randn(4, 3, 8, requires_grad=True)
        return m, [x], lambda: m(x, x, x)

    def sdpa():
        q = torch.randn(2, 3, 4, 8, requires_grad=True)
        k = torch.randn(2, 3, 5, 8, requires_grad=True)
        v = torch.randn(2, 3, 5, 6, requires_grad=True)
        return None, [q, k, v], lambda: [F.scaled_dot_product_attention(q, k, v, scale=0.3)]

    def sdpa_causal():
        q = torch.randn(2, 4, 8, requires_grad=True)
        k = torch.randn(2, 4, 8, requires_grad=True)
        v = torch.randn(2, 4, 8, requires_grad=True)
        return None, [q, k, v], lambda: [F.scaled_dot_product_attention(q, k, v, is_causal=True)]

    def sdpa_masks():
        q = torch.randn(3, 4, 8, requires_grad=True)
        k = torch.randn(3, 5, 8, requires_grad=True)
        v = torch.randn(3, 5, 8, requires_grad=True)
        keep = torch.tensor([[True, True, False, True, False]] * 4)
        bias = torch.randn(3, 4, 5)
        return None, [q, k, v], lambda: [F.scaled_dot_product_attention(q, k, v, attn_mask=keep),
                                         F.scaled_dot_product_attention(q, k, v, attn_mask=bias)]

    def encoder_layer_training():
        layer = nn.TransformerEncoderLayer(8, 2, dim_feedforward=16)
        x = torch.randn(5, 3, 8, requires_grad=True)
        padding = torch.tensor([[False] * 5, [False, False, False, False, True], [False, False, True, True, True]])
        return layer, [x], lambda: [layer(x, src_key_padding_mask=padding)]

    def encoder_layer_norm_first_eval():
        layer = nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, activation="gelu", norm_first=True, batch_first=True)
        layer.eval()
        x = torch.randn(3, 5, 8, requires_grad=True)
        causal = torch.ones(5, 5, dtype=torch.bool).triu(1)
        return layer, [x], lambda: [layer(x, src_mask=causal, is_causal=True)]

    def encoder_stack():
        encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.0), 2,
                                        norm=nn.LayerNorm(8), enable_nested_tensor=False)
        x = torch.randn(5, 2, 8, requires_grad=True)
        return encoder, [x], lambda: [encoder(x)]

    cases = {"selfAttention": self_attention, "crossAttentionMasks": cross_attention_masks, "withoutWeights": without_weights,
             "unbatched": unbatched, "dropoutTraining": dropout_training, "sdpa": sdpa, "sdpaCausal": sdpa_causal,
             "sdpaMasks": sdpa_masks, "encoderLayerTraining": encoder_layer_training,
             "encoderLayerNormFirstEval": encoder_layer_norm_first_eval, "encoderStack": encoder_stack}
    results = {name: run(build) for name, build in cases.items()}
    return {n: r[0] for n, r in results.items()}, {n: r[1] for n, r in results.items()}


def grad_fn_names():
    x = torch.rand(3, 4, requires_grad=True)
    w = torch.rand(5, 4, requires_grad=True)
    v = torch.rand(4, requires_grad=True)
    names = {
        "linear2d": nn.functional.linear(x, w, torch.rand(5)),
        "linear3d": nn.functional.linear(x.reshape(3, 1, 4), w, torch.rand(5)),
        "linearNoBias": nn.functional.linear(x, w),
        "mm": x.mm(w.t()),
        "matmul3d2d": x.reshape(3, 1, 4) @ w.t(),
        "matmul1d2d": v @ w.t(),
        "matmul2d1d": x @ v,
        "dot": v @ v,
        "slice": x[:2],
        "select": x[0],
        "view": x.view(12),
        "reshapeNonContiguous": x.t().reshape(12),
        "transpose": x.transpose(0, 1),
        "t": x.t(),
        "T": x.T,
        "permute": x.permute(1, 0),
        "expand": v.expand(2, 4),
        "unsqueeze": x.unsqueeze(0),
        "squeeze": x.squeeze(),
        "squeezeDim": x.squeeze(0),
        "cat": torch.cat([x, x]),
        "stack": torch.stack([x, x]),
        "indexSelect": x.index_select(0, torch.tensor([0])),
        "index": x[torch.tensor([0, 1])],
        "gather": x.gather(1, torch.tensor([[0], [1], [2]])),
        "max": x.max(),
        "maxDim": x.max(1).values,
        "sum": x.sum(),
        "sumDim": x.sum(1),
        "mean": x.mean(),
        "meanDim": x.mean(1),
        "add": x + x,
        "addScalar": x + 1,
        "sub": x - x,
        "rsub": 1 - x,
        "mul": x * x,
        "div": x / x,
        "rdiv": 2 / x,
        "neg": -x,
        "exp": x.exp(),
        "log": x.log(),
        "pow": x.pow(2),
        "sqrt": x.sqrt(),
        "abs": x.abs(),
        "relu": x.relu(),
        "sigmoid": x.sigmoid(),
        "tanh": x.tanh(),
        "softmax": x.softmax(1),
        "logSoftmax": x.log_softmax(1),
        "clampMin": x.clamp(min=0),
        "maximum": torch.maximum(x, x),
        "clone": x.clone(),
        "contiguous": x.t().contiguous(),
        "toDouble": x.double(),
        "mse": F.mse_loss(x, x.detach()),
        "nll": F.nll_loss(x, torch.tensor([0, 1, 2])),
        "where": torch.where(x > 0.5, x, x),
        "var": x.var(),
        "std": x.std(),
        "rsqrt": x.rsqrt(),
        "rmsNorm": F.rms_norm(x, [4]),
        "klDivBatchmean": F.kl_div(x, x.detach(), reduction="batchmean"),
        "klDivNone": F.kl_div(x, x.detach(), reduction="none"),
        "cosineSimilarity": F.cosine_similarity(x, x.detach()),
    }
    return {k: type(v.grad_fn).__name__ for k, v in names.items()}


def randn_bits():
    """Every 997th float32 bit pattern of randn(100003) after manual_seed(0)."""
    import numpy as np
    torch.manual_seed(0)
    return torch.randn(100003).numpy().view(np.uint32)[::997].tolist()


def seed_outputs():
    """The seed tutorial's output per seed, from scripts/seed_reference.py."""
    import os
    import subprocess
    import sys
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "seed_reference.py")
    return {seed: subprocess.run([sys.executable, script, str(seed)], capture_output=True, text=True, check=True).stdout
            for seed in (0, 7)}


def dropout_outputs():
    """Seeded bernoulli_ and dropout outputs. PyTorch's CPU bernoulli_ samples one uniform
    double per element from the generator, except in MKL builds on Intel CPUs (MKL's own
    stream); these values are PyTorch's generator path, which the check below confirms."""
    torch.manual_seed(5)
    mask = torch.empty(64, dtype=torch.float64).bernoulli_(0.5)
    torch.manual_seed(5)
    uniforms = torch.rand(64, dtype=torch.float64)
    if not torch.equal(mask, (uniforms < 0.5).double()):
        raise SystemExit("this PyTorch samples bernoulli_ through MKL (an Intel CPU); "
                         "regenerate the dropout values on an AMD or Arm machine")
    cases = {}
    torch.manual_seed(0)
    cases["ones20"] = F.dropout(torch.ones(20), 0.5)
    torch.manual_seed(1)
    x = torch.randn(3, 5)
    cases["randn3x5"] = nn.Dropout(0.2)(x)
    torch.manual_seed(2)
    cases["bernoulli12"] = torch.empty(12).bernoulli_(0.3)
    torch.manual_seed(3)
    cases["float64"] = F.dropout(torch.ones(6, dtype=torch.float64), 0.25)
    w = torch.ones(4, requires_grad=True)
    torch.manual_seed(4)
    cases["grad"] = F.dropout(w, 0.5)
    return {name: repr(t) for name, t in cases.items()}


def dataloader_orders():
    """Sample orders of seeded DataLoaders, and the default generator after a plain pass."""
    from torch.utils.data import DataLoader
    data = list(range(10))
    out = {}
    torch.manual_seed(0)
    loader = DataLoader(data, batch_size=4, shuffle=True)
    out["defaultTwoPasses"] = [i for _ in range(2) for batch in loader for i in batch.tolist()]
    loader = DataLoader(data, batch_size=4, shuffle=True, generator=torch.Generator().manual_seed(3))
    out["explicitGenerator"] = [i for batch in loader for i in batch.tolist()]
    torch.manual_seed(1)
    for _ in DataLoader(data, batch_size=5):
        pass
    out["afterPlainPass"] = torch.randint(0, 1000, (4,)).tolist()
    return out


def rng_state_md5s():
    """MD5 of torch.get_rng_state()'s bytes at a few points of a seeded run."""
    import hashlib
    steps = {
        "seeded": lambda: None,
        "afterRand3": lambda: torch.rand(3),
        "afterRandn1": lambda: torch.randn(1),
        "afterRandperm700": lambda: torch.randperm(700),
    }
    torch.manual_seed(0)
    out = {}
    for name, step in steps.items():
        step()
        out[name] = hashlib.md5(bytes(torch.get_rng_state().numpy())).hexdigest()
    return out


def module_reprs():
    class Custom2(nn.Module):
        def __init__(self):
            super().__init__()
            self.l = nn.Linear(1, 1)

        def extra_repr(self):
            return "a=1"

    return {
        "moduleList": repr(nn.ModuleList([nn.Linear(1, 1), nn.Linear(1, 1), nn.ReLU()])),
        "dropout": repr(nn.Dropout()),
        "softmaxNone": repr(nn.Softmax()),
        "logSoftmax": repr(nn.LogSoftmax(dim=1)),
        "leaky": repr(nn.LeakyReLU()),
        "elu": repr(nn.ELU()),
        "gelu": repr(nn.GELU()),
        "unflatten": repr(nn.Unflatten(1, (2, 5))),
        "noBias": repr(nn.Linear(3, 2, bias=False)),
        "emptySequential": repr(nn.Sequential()),
        "identity": repr(nn.Identity()),
        "ce": repr(nn.CrossEntropyLoss()),
        "mse": repr(nn.MSELoss()),
        "custom2": repr(Custom2()),
        "embedding": repr(nn.Embedding(10, 3, padding_idx=2)),
        "embeddingPlain": repr(nn.Embedding(5, 4)),
        "bceLoss": repr(nn.BCELoss()),
        "smoothL1Loss": repr(nn.SmoothL1Loss()),
        "huberLoss": repr(nn.HuberLoss()),
        "rnn": repr(nn.RNN(10, 20, num_layers=2, nonlinearity="relu", dropout=0.5)),
        "lstm": repr(nn.LSTM(10, 20, bias=False, batch_first=True, bidirectional=True, proj_size=5)),
        "gru": repr(nn.GRU(10, 20)),
        "rnnCell": repr(nn.RNNCell(10, 20, nonlinearity="relu")),
        "lstmCell": repr(nn.LSTMCell(10, 20, bias=False)),
        "gruCell": repr(nn.GRUCell(10, 20)),
        "multiheadAttention": repr(nn.MultiheadAttention(8, 2, bias=False, dropout=0.1)),
        "rmsNorm": repr(nn.RMSNorm([3, 4], eps=1e-6, elementwise_affine=False)),
        "rmsNormDefault": repr(nn.RMSNorm(4)),
        "klDivLoss": repr(nn.KLDivLoss(reduction="batchmean")),
        "cosineSimilarity": repr(nn.CosineSimilarity(dim=0)),
        "transformerEncoder": repr(nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, dim_feedforward=16), 2,
                                                         enable_nested_tensor=False)),
    }


def optimizer_trajectories():
    """Parameters of Linear(3, 2) after 3 steps of each optimizer on a fixed problem."""
    configs = {
        "sgd": lambda p: torch.optim.SGD(p, lr=0.1),
        "sgdMomentum": lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9),
        "sgdNesterov": lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01),
        "sgdDampening": lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.5, dampening=0.3, maximize=True),
        "adam": lambda p: torch.optim.Adam(p, lr=0.01),
        "adamAmsgrad": lambda p: torch.optim.Adam(p, lr=0.01, amsgrad=True, weight_decay=0.1),
        "adamW": lambda p: torch.optim.AdamW(p, lr=0.01, betas=(0.8, 0.99)),
        "rmsprop": lambda p: torch.optim.RMSprop(p, lr=0.01),
        "rmspropCentered": lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.9, momentum=0.5, weight_decay=0.1, centered=True),
    }
    x = torch.tensor([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]])
    y = torch.tensor([1, 0])
    out = {}
    for name, make in configs.items():
        model = nn.Linear(3, 2)
        with torch.no_grad():
            model.weight.copy_(torch.tensor([[0.1, -0.2, 0.3], [0.4, 0.5, -0.6]]))
            model.bias.copy_(torch.tensor([0.05, -0.05]))
        opt = make(model.parameters())
        for _ in range(3):
            opt.zero_grad()
            F.cross_entropy(model(x), y).backward()
            opt.step()
        out[name] = model.weight.detach().flatten().tolist() + model.bias.detach().tolist()
    return out


def optimizer_reprs():
    p = [torch.zeros(2, requires_grad=True)]
    return {
        "adam": repr(torch.optim.Adam(p)),
        "adamW": repr(torch.optim.AdamW(p, lr=0.01, betas=(0.8, 0.99))),
        "sgdNesterov": repr(torch.optim.SGD(p, lr=0.1, momentum=0.9, nesterov=True)),
        "rmsprop": repr(torch.optim.RMSprop(p, momentum=0.5, centered=True)),
    }


def write_fixtures():
    """A PyTorch-written safetensors file of a Linear(4, 3) state dict, for the interop test."""
    import os
    from safetensors.torch import save_file
    torch.manual_seed(11)
    model = nn.Linear(4, 3)
    here = os.path.dirname(os.path.abspath(__file__))
    path = os.path.join(here, "..", "Tests", "TorchTests", "Fixtures", "pytorch_linear.safetensors")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    save_file(model.state_dict(), path)
    return model.weight.detach().flatten().tolist() + model.bias.detach().tolist()


def swift_string(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def emit_dictionary(doc, declaration, entries, render, key=None):
    """A Swift dictionary literal: `doc`, `declaration = [`, one line per entry, `]`, a blank line."""
    print(doc)
    print(declaration + " = [")
    for name, value in entries.items():
        print(f"  {(key or swift_string)(name)}: {render(value)},")
    print("]")
    print()


def main():
    print("// Generated by scripts/generate_golden.py with PyTorch " + torch.__version__ + ". Do not edit.")
    print()
    print("/// MD5 of the generator that wrote this file (checked against the script by a test).")
    print('let pytorchGoldenGeneratorMD5 = "' + hashlib.md5(open(__file__, "rb").read()).hexdigest() + '"')
    seed_reference = os.path.join(os.path.dirname(os.path.abspath(__file__)), "seed_reference.py")
    print("/// MD5 of scripts/seed_reference.py, whose output pytorchSeedOutputs holds.")
    print('let pytorchSeedReferenceMD5 = "' + hashlib.md5(open(seed_reference, "rb").read()).hexdigest() + '"')
    print()
    emit_dictionary("/// PyTorch's `repr` of each named case.", "let pytorchReprs: [String: String]", reprs(),
                    lambda tensor: swift_string(repr(tensor)))
    emit_dictionary("/// PyTorch's `repr` of the op tests' cases (see op_reprs).", "let pytorchOpReprs: [String: String]", op_reprs(),
                    lambda tensor: swift_string(repr(tensor)))
    emit_dictionary("/// `type(t.grad_fn).__name__` for each named expression.", "let pytorchGradFnNames: [String: String]",
                    grad_fn_names(), swift_string)
    emit_dictionary("/// The seed tutorial's output (scripts/seed_reference.py SEED).", "let pytorchSeedOutputs: [Int: String]",
                    seed_outputs(), swift_string, key=str)
    emit_dictionary("/// Seeded dropout and bernoulli_ outputs (see dropout_outputs).", "let pytorchDropoutReprs: [String: String]",
                    dropout_outputs(), swift_string)
    emit_dictionary("/// Seeded DataLoader orders (see dataloader_orders).", "let pytorchDataLoaderOrders: [String: [Int]]",
                    dataloader_orders(), str)
    emit_dictionary("/// MD5 of `torch.get_rng_state()` along a seeded run (see rng_state_md5s).",
                    "let pytorchRngStateMD5s: [String: String]", rng_state_md5s(), swift_string)
    emit_dictionary("/// Module reprs.", "let pytorchModuleReprs: [String: String]", module_reprs(), swift_string)
    emit_dictionary("/// Linear(3, 2) weight then bias after 3 optimizer steps (see optimizer_trajectories).",
                    "let pytorchOptimizerTrajectories: [String: [Double]]", optimizer_trajectories(), lambda values: "[" + ", ".join(repr(v) for v in values) + "]")
    emit_dictionary("/// Learning rates of the schedulers in scheduler_rates, before and after each step.",
                    "let pytorchSchedulerRates: [String: [Double]]", scheduler_rates(), lambda values: "[" + ", ".join(repr(v) for v in values) + "]")
    emit_dictionary("/// Total norm, weight and bias gradients after each clip in clipping_values.",
                    "let pytorchClippingValues: [String: [Double]]", clipping_values(), lambda values: "[" + ", ".join(repr(v) for v in values) + "]")
    values, nodes = recurrent_values()
    emit_dictionary("/// Outputs, states and gradients of the recurrent cases in recurrent_values.",
                    "let pytorchRecurrentValues: [String: [Double]]", values, lambda values: "[" + ", ".join(repr(v) for v in values) + "]")
    emit_dictionary("/// The grad_fn names of each recurrent case's output and states, comma-separated.",
                    "let pytorchRecurrentNodes: [String: String]", nodes, swift_string)
    values, nodes = attention_values()
    emit_dictionary("/// Results and gradients of the attention cases in attention_values.",
                    "let pytorchAttentionValues: [String: [Double]]", values, lambda values: "[" + ", ".join(repr(v) for v in values) + "]")
    emit_dictionary("/// The grad_fn names of each attention case's results, comma-separated.",
                    "let pytorchAttentionNodes: [String: String]", nodes, swift_string)
    emit_dictionary("/// Optimizer reprs.", "let pytorchOptimizerReprs: [String: String]", optimizer_reprs(), swift_string)
    print("/// Weight then bias of the Linear(4, 3) in Fixtures/pytorch_linear.safetensors.")
    print("let pytorchLinearFixture: [Double] = [" + ", ".join(repr(v) for v in write_fixtures()) + "]")
    print()
    print("/// Every 997th bit pattern of `torch.randn(100003)` after `torch.manual_seed(0)`.")
    print("let pytorchRandnBits: [UInt32] = [" + ", ".join(str(b) for b in randn_bits()) + "]")
    print()
    print("/// What PyTorch's safetensors reader finds in Fixtures/swift_written.safetensors, a file")
    print("/// written by this package's torch.save: dtype, shape and values per key, in file order.")
    print("let pytorchReadOfSwiftFile: [(key: String, dtype: String, shape: [Int], values: [Double])] = [")
    for key, tensor in read_swift_written_file():
        values = ", ".join(repr(float(v)) for v in tensor.flatten().tolist())
        print(f"  ({swift_string(key)}, {swift_string(str(tensor.dtype))}, {list(tensor.shape)}, [{values}]),")
    print("]")


def read_swift_written_file():
    """Loads the Swift-written checkpoint in PyTorch (the direction Swift -> PyTorch)."""
    from safetensors.torch import load_file

    here = os.path.dirname(os.path.abspath(__file__))
    return list(load_file(os.path.join(here, "..", "Tests", "TorchTests", "Fixtures", "swift_written.safetensors")).items())


if __name__ == "__main__":
    main()
