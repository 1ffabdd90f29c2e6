"""Generates Tests/TorchTests/Fixtures/autograd_goldens.json: PyTorch's results for the
autograd scenarios that Tests/TorchTests/AutogradTests.swift and InPlaceViewTests.swift rebuild
line for line (tensor and module hooks, a custom Function, a WGAN-GP critic trained with a
gradient penalty, in-place writes through views), and those EdgeGradientTests.swift rebuilds
(gradients at kinks, ties, bounds and zeros) and AdvancedIndexingTests.swift (several index
tensors in one subscript) and TypePromotionTests.swift (result types of mixed operands).
Run with PyTorch installed:

    python3 scripts/generate_autograd_goldens.py > Tests/TorchTests/Fixtures/autograd_goldens.json
"""
import hashlib
import json
import math
import sys

import torch
from torch import nn


def flat(t):
    return [float(v) for v in torch.as_tensor(t).detach().clone().flatten().tolist()]


def tensor_hooks(values, names):
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    log = []

    def doubling(g):
        log.append(g.clone())
        return g * 2

    first = x.register_hook(doubling)
    x.register_hook(lambda g: log.append(g.clone()))
    (x * x).sum().backward()
    values["leaf_hook_first_sees"] = flat(log[0])
    values["leaf_hook_second_sees"] = flat(log[1])
    values["leaf_hook_grad"] = flat(x.grad)
    first.remove()
    x.grad = None
    log.clear()
    (x * x).sum().backward()
    values["after_removal_grad"] = flat(x.grad)
    values["after_removal_calls"] = [float(len(log))]

    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    z = x * 3
    z.register_hook(lambda g: g + 1)
    (z * z).sum().backward()
    values["nonleaf_hook_grad"] = flat(x.grad)

    w = torch.tensor([0.5, -1.0], requires_grad=True)
    seen = []
    w.register_post_accumulate_grad_hook(lambda t: seen.append(t.grad.clone()))
    ((w * 2).sum() + (w * w).sum()).backward()
    values["post_accumulate_seen"] = flat(seen[0])
    values["post_accumulate_calls"] = [float(len(seen))]


def module_hooks(values, names):
    torch.manual_seed(0)
    linear = nn.Linear(3, 2)
    x = torch.tensor([[1.0, -2.0, 0.5]], requires_grad=True)
    recorded = {}
    linear.register_forward_pre_hook(lambda m, args: (args[0] * 2,))

    def forward_hook(m, args, output):
        recorded["hook_input"] = args[0].clone()
        return output + 1

    linear.register_forward_hook(forward_hook)

    def backward_hook(m, grad_input, grad_output):
        recorded["grad_input"] = grad_input[0].clone()
        recorded["grad_output"] = grad_output[0].clone()
        return (grad_input[0] * 0.5,)

    linear.register_full_backward_hook(backward_hook)
    y = linear(x)
    names["module_output_node"] = y.grad_fn.name()
    (y * torch.tensor([[1.0, 3.0]])).sum().backward()
    values["module_output"] = flat(y)
    values["module_forward_hook_input"] = flat(recorded["hook_input"])
    values["module_grad_input"] = flat(recorded["grad_input"])
    values["module_grad_output"] = flat(recorded["grad_output"])
    values["module_x_grad"] = flat(x.grad)
    values["module_weight_grad"] = flat(linear.weight.grad)


class Cube(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x ** 3

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * 3 * x ** 2


def custom_function(values, names):
    x = torch.tensor([1.0, 2.0, -0.5], requires_grad=True)
    y = Cube.apply(x)
    names["cube_node"] = y.grad_fn.name()
    (g,) = torch.autograd.grad((y * torch.tensor([1.0, -1.0, 2.0])).sum(), x, create_graph=True)
    (h,) = torch.autograd.grad(g.sum(), x)
    values["cube_output"] = flat(y)
    values["cube_gradient"] = flat(g)
    values["cube_second"] = flat(h)


def wgan_gp(values, names):
    torch.manual_seed(0)
    critic = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1))
    optimizer = torch.optim.SGD(critic.parameters(), lr=0.05)
    real = torch.randn(6, 4)
    fake = torch.randn(6, 4) + 1
    losses, penalties = [], []
    for _ in range(3):
        alpha = torch.rand(6, 1)
        x = (alpha * real + (1 - alpha) * fake).requires_grad_()
        (g,) = torch.autograd.grad(critic(x).sum(), x, create_graph=True)
        penalty = ((g.norm(2, dim=1) - 1) ** 2).mean()
        loss = critic(fake).mean() - critic(real).mean() + 10 * penalty
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        penalties.append(penalty.item())
    values["wgan_losses"] = losses
    values["wgan_penalties"] = penalties
    values["wgan_first_weight"] = flat(critic[0].weight)
    values["wgan_last_bias"] = flat(critic[2].bias)


def node_names(values, names):
    """The grad_fn of each functional, keyed as AutogradTests.testFunctionalsRecordPyTorchsNodes keys it."""
    import torch.nn.functional as F

    x = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
    y = torch.tensor([0.2, 0.9, 0.4])
    row, target = x.view(1, 3), torch.tensor([1])
    cases = {
        "bce_with_logits": lambda: F.binary_cross_entropy_with_logits(x, y),
        "bce_with_logits_pos_weight": lambda: F.binary_cross_entropy_with_logits(x, y, pos_weight=torch.ones(3)),
        "bce_with_logits_none": lambda: F.binary_cross_entropy_with_logits(x, y, reduction="none"),
        "mse_loss": lambda: F.mse_loss(x, y),
        "mse_loss_none": lambda: F.mse_loss(x, y, reduction="none"),
        "l1_loss": lambda: F.l1_loss(x, y),
        "l1_loss_sum": lambda: F.l1_loss(x, y, reduction="sum"),
        "l1_loss_none": lambda: F.l1_loss(x, y, reduction="none"),
        "cross_entropy": lambda: F.cross_entropy(row, target),
        "cross_entropy_smoothing": lambda: F.cross_entropy(row, target, label_smoothing=0.1),
        "cross_entropy_probabilities": lambda: F.cross_entropy(row, torch.tensor([[0.2, 0.3, 0.5]])),
        "nll_loss": lambda: F.nll_loss(row, target),
        "softmax": lambda: F.softmax(x, 0),
        "log_softmax": lambda: F.log_softmax(x, 0),
        "linear": lambda: F.linear(row, torch.ones(2, 3), torch.ones(2)),
        "linear_no_bias": lambda: F.linear(row, torch.ones(2, 3)),
        "relu": lambda: F.relu(x),
        "relu6": lambda: F.relu6(x),
        "hardtanh": lambda: F.hardtanh(x),
        "softplus": lambda: F.softplus(x),
        "mish": lambda: F.mish(x),
        "hardswish": lambda: F.hardswish(x),
        "hardsigmoid": lambda: F.hardsigmoid(x),
        "softsign": lambda: F.softsign(x),
        "gelu": lambda: F.gelu(x),
        "silu": lambda: F.silu(x),
        "elu": lambda: F.elu(x),
        "leaky_relu": lambda: F.leaky_relu(x),
        "tanh": lambda: torch.tanh(x),
        "sigmoid": lambda: torch.sigmoid(x),
        "erf": lambda: torch.erf(x),
        "norm": lambda: x.norm(),
        "scatter_add": lambda: torch.zeros(3).scatter_add(0, torch.tensor([2, 0]), x[:2]),
        "index_add": lambda: torch.zeros(3).index_add(0, torch.tensor([2, 0]), x[:2]),
    }
    for key, make in cases.items():
        names["node_" + key] = make().grad_fn.name()


def module_state(values, names):
    """state_dict order (own parameters, own buffers, then children), in-place dropout, add_ of an int."""

    class Base(nn.Module):
        def __init__(self):
            super().__init__()
            self.own = nn.Parameter(torch.zeros(1))

    class Tower(Base):
        def __init__(self):
            super().__init__()
            self.blocks = nn.ModuleList([nn.Linear(2, 2), nn.Linear(2, 1)])
            self.head = nn.Linear(1, 1)
            self.scale = nn.Parameter(torch.ones(1))
            self.register_buffer("stats", torch.zeros(2))

    names["state_dict_order"] = ",".join(Tower().state_dict().keys())
    x = torch.ones(4, requires_grad=True) * 1
    out = nn.Dropout(0.5, inplace=True)(x)
    names["dropout_inplace_node"] = out.grad_fn.name()
    names["dropout_inplace_repr"] = repr(nn.Dropout(0.5, inplace=True))
    names["int_add_"] = repr(torch.tensor([1, 2]).add_(5))
    modules = {
        "softplus": nn.Softplus(), "softplus_custom": nn.Softplus(beta=2.0, threshold=10.0), "mish": nn.Mish(),
        "hardswish": nn.Hardswish(), "hardsigmoid": nn.Hardsigmoid(), "relu6": nn.ReLU6(),
        "hardtanh": nn.Hardtanh(), "hardtanh_custom": nn.Hardtanh(-2.0, 3.0), "softsign": nn.Softsign(),
        "gelu": nn.GELU(), "gelu_tanh": nn.GELU(approximate="tanh"),
        "logsigmoid": nn.LogSigmoid(), "selu": nn.SELU(), "celu": nn.CELU(), "celu_custom": nn.CELU(0.5),
        "prelu": nn.PReLU(), "prelu_channels": nn.PReLU(8, init=0.1), "pixel_shuffle": nn.PixelShuffle(2),
        "pixel_unshuffle": nn.PixelUnshuffle(3), "zero_pad": nn.ZeroPad2d(2), "zero_pad_sides": nn.ZeroPad2d((1, 2, 0, 1)),
        "constant_pad": nn.ConstantPad2d(1, 3.5), "reflection_pad": nn.ReflectionPad2d(1),
        "replication_pad": nn.ReplicationPad2d((1, 1, 2, 0)),
    }
    for key, module in modules.items():
        names["repr_" + key] = repr(module)
    module_dict = nn.ModuleDict({"b": nn.Linear(2, 3), "a": nn.ReLU()})
    module_dict["c"] = nn.Tanh()
    names["repr_module_dict"] = repr(module_dict)
    names["module_dict_parameters"] = " ".join(n for n, _ in module_dict.named_parameters())
    names["repr_module_dict_empty"] = repr(nn.ModuleDict())
    parameter_containers(names)
    names["prelu_parameters"] = " ".join(f"{n}:{list(p.shape)}:{p.tolist()}" for n, p in nn.PReLU(3, init=0.1).named_parameters())
    padded = torch.arange(12.0).view(1, 1, 3, 4)
    for key in ("zero_pad_sides", "constant_pad", "reflection_pad", "replication_pad"):
        values["padded_" + key] = [float(d) for d in modules[key](padded).shape] + flat(modules[key](padded))
    torch.set_printoptions(precision=2)
    names["print_precision2"] = repr(torch.tensor([1 / 3, 2 / 3]))
    torch.set_printoptions(profile="default")
    torch.set_printoptions(sci_mode=True)
    names["print_sci"] = repr(torch.tensor([1 / 3, 2 / 3]))
    torch.set_printoptions(profile="default")
    torch.set_printoptions(threshold=5, edgeitems=2)
    names["print_threshold5_edge2"] = repr(torch.arange(10))
    torch.set_printoptions(profile="default")


# In-place writes through views of a tensor with history: each gives y; the golden is the
# gradient of (y * w).sum() with respect to x (InPlaceViewTests has the same cases by name).
def _setitem_row(x):
    y = x * 2; y[0] = torch.zeros(5); return y
def _setitem_column(x):
    y = x * 2; y[:, 1] = torch.tensor(3.0); return y
def _row_mul_(x):
    y = x * 1; v = y[1]; v.mul_(3); return y
def _column_add_(x):
    y = x * x; y[:, 2].add_(x[:, 3]); return y
def _mask_set(x):
    y = x * 2; y[x > 0] = torch.tensor(0.0); return y
def _clamp_(x):
    y = x * 3; y.clamp_(min=-1, max=1); return y
def _rows_relu_(x):
    y = x * 2; y[:2].relu_(); return y
def _div_(x):
    y = x + 3; y.div_(x.abs() + 1); return y
def _transposed_row_mul_(x):
    y = x * 1; y.t()[0].mul_(5); return y
def _index_put(x):
    y = x * 2; y[torch.tensor([0, 2])] = x[torch.tensor([1, 3])] * 3; return y
def _flat_slice_mul_(x):
    y = x * 1; y.view(20)[:7].mul_(x.view(20)[3:10]); return y
def _into_zeros(x):
    y = torch.zeros(4, 5); y[1] = x[2] * 2; y[:, 3].add_(x[:, 0]); return y
def _two_views(x):
    y = x * 1; y[0].mul_(2); y[:, 1].mul_(3); return y.exp()


def _detach_zero(x):
    y = x * 2; z = y * 3; y.detach()[0].zero_(); return z
def _view_of_view_mul_(x):
    y = x * 1; y[1][2:].mul_(4); return y
def _narrow_copy_(x):
    y = x.clone(); y.narrow(1, 1, 2).copy_(x[:, :2] * 5); return y
def _unsqueezed_mul_(x):
    y = x * 1; y.unsqueeze(0)[0, 2].mul_(7); return y
def _view_before_base_mul_(x):
    y = x * 1; v = y[0]; y.mul_(2); return y + v.unsqueeze(0)
def _row_fill_(x):
    y = x * 3; y[2].fill_(1.5); return y
def _columns_zero_(x):
    y = x.exp(); z = y * 1; z[:, 1:].zero_(); return z
def _setitem_from_own_row(x):
    y = x * 2; y[0] = y[1] * 3; return y


IN_PLACE_VIEWS = {
    "setitem_row": _setitem_row, "setitem_column": _setitem_column, "row_mul_": _row_mul_,
    "column_add_": _column_add_, "mask_set": _mask_set, "clamp_": _clamp_, "rows_relu_": _rows_relu_,
    "div_": _div_, "transposed_row_mul_": _transposed_row_mul_, "index_put": _index_put,
    "flat_slice_mul_": _flat_slice_mul_, "into_zeros": _into_zeros, "two_views": _two_views,
    "detach_zero": _detach_zero, "view_of_view_mul_": _view_of_view_mul_, "narrow_copy_": _narrow_copy_,
    "unsqueezed_mul_": _unsqueezed_mul_, "view_before_base_mul_": _view_before_base_mul_, "row_fill_": _row_fill_,
    "columns_zero_": _columns_zero_, "setitem_from_own_row": _setitem_from_own_row,
}


def in_place_views(values, names):
    torch.manual_seed(0)
    x = torch.randn(4, 5, requires_grad=True)
    w = torch.randn(4, 5)
    values["views_x"] = flat(x)
    values["views_w"] = flat(w)
    for name, make in IN_PLACE_VIEWS.items():
        x.grad = None
        y = make(x)
        (y * w).sum().backward()
        values["views_" + name] = flat(x.grad)
    y = x * 2
    v = y[1]
    v.mul_(3)
    names["views_base_node"] = y.grad_fn.name()
    names["views_view_node"] = v.grad_fn.name()


def _grad(make, *inputs):
    """The gradients of make(*leaves) with respect to fresh leaves holding `inputs`."""
    leaves = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in inputs]
    make(*leaves).backward()
    return [leaf.grad for leaf in leaves]


def _second(make, weights, *inputs):
    """The gradient and then the gradient of (gradient · weights): Hessian-vector products."""
    leaves = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in inputs]
    g = torch.autograd.grad(make(*leaves), leaves[0], create_graph=True)[0]
    h = torch.autograd.grad((g * torch.tensor(weights, dtype=torch.float64)).sum(), leaves[0])[0]
    return [g, h]


def _retained_hook(order):
    a = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    b = a * 3
    for step in order:
        if step == "retain":
            b.retain_grad()
        else:
            b.register_hook(step)
    (b * b).sum().backward()
    return [b.grad, a.grad]


def _twice(first, second):
    a = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    first(a).backward()
    second(a).backward()
    return [a.grad]


def _leaf_hook():
    a = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    a.register_hook(lambda g: g * 2)
    (a * a).sum().backward()
    (a * 1).sum().backward()
    return [a.grad]


TIES = [1.0, 3.0, 3.0, -2.0]
W4 = [1.0, 2.0, 3.0, 4.0]
BOUNDS = [float("-inf"), -1.0, 1.0, 2.0, 3.0, float("inf"), float("nan")]
PAIR = lambda *v: torch.tensor(v, dtype=torch.float64)
# Each case: the gradients PyTorch gives at kinks, ties, bounds and zeros, where a subgradient
# convention or a guard against 0 * inf decides the value. EdgeGradientTests rebuilds each.
EDGE_GRADIENTS = {
    "max_ties": lambda: _grad(lambda x: x.max(), TIES),
    "min_ties": lambda: _grad(lambda x: x.min(), TIES),
    "amax_ties": lambda: _grad(lambda x: x.amax(0), TIES),
    "max_dim_ties": lambda: _grad(lambda x: x.max(0).values, TIES),
    "maximum_ties": lambda: _grad(lambda x: torch.maximum(x, PAIR(1, 2, 3, 4)).sum(), TIES),
    "minimum_ties": lambda: _grad(lambda x: torch.minimum(x, PAIR(1, 2, 3, 4)).sum(), TIES),
    "clamp_both": lambda: _grad(lambda x: x.clamp(-1, 3).sum(), BOUNDS),
    "clamp_min": lambda: _grad(lambda x: x.clamp(min=1).sum(), BOUNDS),
    "clamp_max": lambda: _grad(lambda x: x.clamp(max=3).sum(), BOUNDS),
    "clamp_min_minus_inf": lambda: _grad(lambda x: x.clamp(min=float("-inf")).sum(), BOUNDS),
    "clamp_crossed": lambda: _grad(lambda x: x.clamp(min=3, max=1).sum(), BOUNDS),
    "clamp_in_place": lambda: _grad(lambda x: (x * 1).clamp_(-1, 3).sum(), BOUNDS),
    "hardtanh": lambda: _grad(lambda x: torch.nn.functional.hardtanh(x, -1, 3).sum(), BOUNDS),
    "relu6": lambda: _grad(lambda x: torch.nn.functional.relu6(x * 3).sum(), [-1.0, 0.0, 1.0, 2.0, 3.0]),
    "abs_zero": lambda: _grad(lambda x: (x - 1).abs().sum(), TIES),
    "relu_zero": lambda: _grad(lambda x: (x - 1).relu().sum(), TIES),
    "sqrt_zero": lambda: _grad(lambda x: (x - 1).sqrt().sum(), TIES),
    "pow_zero_exponent": lambda: _grad(lambda x: (x - 1).pow(0).sum(), TIES),
    "pow_tensor": lambda: _grad(lambda x, p: x.pow(p).sum(), [0.0, 0.0, 0.0, 2.0, -2.0, 0.0], [0.0, 1.0, 2.0, 0.0, 3.0, -1.0]),
    "prod": lambda: _grad(lambda x: x.prod(), TIES),
    "prod_one_zero": lambda: _grad(lambda x: (x - 1).prod(), TIES),
    "prod_two_zeros": lambda: _grad(lambda x: (x - 3).prod(), TIES),
    "prod_dim_second": lambda: _second(lambda x: x.prod(1).sum(), [[1, 2, 3], [4, 5, 6], [7, 8, 9], [1, 1, 1]],
                                       [[0.0, 2, 3], [1, 2, 3], [0, 0, 5], [0, 0, 0]]),
    "prod_second": lambda: _second(lambda x: x.prod(), W4, [0.0, 2, 0, 3]),
    "prod_keepdim_second": lambda: _second(lambda x: x.prod(0, keepdim=True).sum(), [[1, 2], [3, 4], [5, 6]],
                                           [[0.0, 2], [4, 0], [5, 3]]),
    "norm_zero": lambda: _grad(lambda x: (x * 0).norm(), TIES),
    "norm_inf_ties": lambda: _grad(lambda x: x.norm(float("inf")), [1.0, -3.0, 3.0, -2.0]),
    "norm_count": lambda: _grad(lambda x: x.norm(0) * x.sum(), [1.0, 0.0, 3.0, -2.0]),
    "normalize_zero": lambda: _grad(lambda x: torch.nn.functional.normalize((x * 0).view(1, 4), dim=1).sum(), TIES),
    "div_zero": lambda: _grad(lambda x: (1 / (x - 1)).sum(), TIES),
    "logsumexp_minus_inf": lambda: _grad(
        lambda x: x.masked_fill(torch.tensor([True, False, False, True]), float("-inf")).logsumexp(0), TIES),
    "log_softmax_minus_inf": lambda: _grad(
        lambda x: x.masked_fill(torch.tensor([True, False, False, False]), float("-inf")).log_softmax(0)[1:].sum(), TIES),
    "masked_fill_in_place": lambda: _grad(
        lambda x: (x * 2).masked_fill_(torch.tensor([True, False, True, False]), 0.0).sum(), TIES),
    "sort_ties": lambda: _grad(lambda x: (x.sort().values * PAIR(*W4)).sum(), TIES),
    "topk_ties": lambda: _grad(lambda x: (x.topk(2).values * PAIR(1, 2)).sum(), TIES),
    "gather_repeats": lambda: _grad(lambda x: x.gather(0, torch.tensor([1, 1, 0])).sum(), TIES),
    "index_repeats": lambda: _grad(lambda x: x[torch.tensor([2, 2, 0])].sum(), TIES),
    "bce_with_logits_zero": lambda: _grad(
        lambda x: torch.nn.functional.binary_cross_entropy_with_logits(x, PAIR(0, 1, 0.5, 1)), [0.0, 0.0, 0.0, 1.0]),
    "bce_with_logits_zero_pos_weight": lambda: _grad(
        lambda x: torch.nn.functional.binary_cross_entropy_with_logits(x, PAIR(0, 1, 0.5, 1), pos_weight=PAIR(2, 3, 1, 1)),
        [0.0, 0.0, 0.0, 1.0]),
    "hook_then_retain": lambda: _retained_hook([lambda g: g * 10, "retain", lambda g: g + 1]),
    "retain_then_hook": lambda: _retained_hook(["retain", lambda g: g * 10]),
    "leaf_hook_accumulates": _leaf_hook,
    "accumulates": lambda: _twice(lambda a: (a * a).sum(), lambda a: (a * 3).sum()),
}


def _encoded(t):
    """Floats, with the non-finite ones as the strings JSONDecoder is told to read."""
    return [v if math.isfinite(v) else ("nan" if math.isnan(v) else ("inf" if v > 0 else "-inf")) for v in flat(t)]


def edge_gradients(values, names):
    for name, make in EDGE_GRADIENTS.items():
        values["edge_" + name] = [v for g in make() for v in _encoded(g)]


_I, _J = torch.tensor([0, 2, -1]), torch.tensor([1, 3, 0])
_MASK = torch.tensor([True, False, True])
# x[...] with two or more index tensors (or one followed by more indices): the tensors
# broadcast together and pick elements pairwise. AdvancedIndexingTests rebuilds each.
ADVANCED_READS = {
    "rows_cols": lambda x: x[_I, _J],
    "apart": lambda x: x[_I, :, torch.tensor([1, 2, 4])],
    "number_then_index": lambda x: x[0, :, _J],
    "adjacent_after_slice": lambda x: x[:, _J, torch.tensor([0, 1, 2])],
    "broadcast_2d": lambda x: x[torch.tensor([[0, 1], [2, 0]]), torch.tensor([1, 2])],
    "index_then_number": lambda x: x[_I, 1],
    "mask_and_index": lambda x: x[_MASK, torch.tensor([0, 3])],
    "three": lambda x: x[_I, _J, torch.tensor([4])],
    "after_ellipsis": lambda x: x[..., torch.tensor([1, 3, 0]), torch.tensor([0, 1, 2])],
    "repeats": lambda x: x[torch.tensor([1, 1, 0]), torch.tensor([2, 2, 2])],
}
ADVANCED_WRITES = {
    "set_number": lambda z, v: z.__setitem__((_I, _J), 7.0),
    "set_rows": lambda z, v: z.__setitem__((_I, _J), v[:5] * 3),
    "set_apart": lambda z, v: z.__setitem__((_I, slice(None), torch.tensor([1, 2, 4])), v[:4] - 1),
    "set_adjacent_after_slice": lambda z, v: z.__setitem__((slice(None), _J, torch.tensor([0, 1, 2])), v[:3].view(3, 1)),
    "set_repeats_last_wins": lambda z, v: z.__setitem__((torch.tensor([0, 0]), torch.tensor([1, 1])), v[:2].view(2, 1) * 2),
    "set_index_then_number": lambda z, v: z.__setitem__((_I, 1), v[:5]),
    "set_mask_and_index": lambda z, v: z.__setitem__((_MASK, torch.tensor([0, 3])), v[5:10]),
}


def advanced_indexing(values, names):
    # OpInfo.weights: ((i * 7) mod 11 - 5) / 5.
    weights = lambda t: ((torch.arange(t.numel(), dtype=torch.float64) * 7) % 11 - 5).view(t.shape) / 5
    for name, read in ADVANCED_READS.items():
        x = torch.arange(60.0, dtype=torch.float64).view(3, 4, 5).requires_grad_()
        y = read(x)
        (y * weights(y)).sum().backward()
        values["advanced_" + name] = [float(d) for d in y.shape] + flat(y) + flat(x.grad)
    for name, write in ADVANCED_WRITES.items():
        x = torch.arange(60.0, dtype=torch.float64).view(3, 4, 5).requires_grad_()
        v = torch.linspace(-1, 1, 10, dtype=torch.float64).requires_grad_()
        z = x * 1
        write(z, v)
        (z * weights(z)).sum().backward()
        unused = torch.zeros(10, dtype=torch.float64)
        values["advanced_" + name] = flat(z) + flat(x.grad) + flat(v.grad if v.grad is not None else unused)
    names["advanced_node"] = (torch.ones(3, 4, requires_grad=True) * 1)[_I, _J].grad_fn.name()


def _promotion_operands():
    return dict(f32=torch.tensor([1.5, 2.5]), f64=torch.tensor([1.5, 2.5], dtype=torch.float64),
                i64=torch.tensor([3, 4]), u8=torch.tensor([200, 100], dtype=torch.uint8), b=torch.tensor([True, False]),
                zero_f64=torch.tensor(2.5, dtype=torch.float64), zero_i64=torch.tensor(3), zero_f32=torch.tensor(2.5))


# Result types of mixed operands (0-d tensors count only when of a higher category), each
# as TypePromotionTests spells it.
PROMOTIONS = {
    "f32_plus_f64": lambda o: o["f32"] + o["f64"],
    "f32_plus_zero_f64": lambda o: o["f32"] + o["zero_f64"],
    "i64_plus_zero_f32": lambda o: o["i64"] + o["zero_f32"],
    "i64_plus_zero_f64": lambda o: o["i64"] + o["zero_f64"],
    "u8_plus_zero_i64": lambda o: o["u8"] + o["zero_i64"],
    "u8_plus_i64": lambda o: o["u8"] + o["i64"],
    "u8_plus_u8": lambda o: o["u8"] + o["u8"],
    "bool_plus_i64": lambda o: o["b"] + o["i64"],
    "bool_plus_zero_i64": lambda o: o["b"] + o["zero_i64"],
    "bool_times_float": lambda o: o["b"] * 2.5,
    "i64_div_int": lambda o: o["i64"] / 2,
    "i64_times_float": lambda o: o["i64"] * 2.5,
    "i64_times_int": lambda o: o["i64"] * 2,
    "u8_times_int": lambda o: o["u8"] * 2,
    "u8_plus_float": lambda o: o["u8"] + 1.5,
    "zero_f32_plus_zero_f64": lambda o: o["zero_f32"] + o["zero_f64"],
    "zero_i64_plus_zero_f32": lambda o: o["zero_i64"] + o["zero_f32"],
    "zero_i64_times_float": lambda o: o["zero_i64"] * 2.5,
    "f32_minus_zero_f64": lambda o: o["f32"] - o["zero_f64"],
    "u8_div_zero_i64": lambda o: o["u8"] / o["zero_i64"],
    "f32_less_zero_f64": lambda o: o["f32"] < o["zero_f64"],
    "maximum_f32_i64": lambda o: torch.maximum(o["f32"], o["i64"]),
    "maximum_u8_zero_i64": lambda o: torch.maximum(o["u8"], o["zero_i64"]),
    "where_i64_f32": lambda o: torch.where(o["b"], o["i64"], o["f32"]),
    "where_f32_zero_f64": lambda o: torch.where(o["b"], o["f32"], o["zero_f64"]),
    "i64_pow_zero_f64": lambda o: o["i64"].pow(o["zero_f64"]),
    "f32_pow_i64": lambda o: o["f32"].pow(o["i64"]),
    "u8_minus_u8_wraps": lambda o: torch.tensor([1], dtype=torch.uint8) - torch.tensor([2], dtype=torch.uint8),
    "i64_clamp_fractional": lambda o: o["i64"].clamp(min=3.5),
    "u8_clamp_whole": lambda o: o["u8"].clamp(max=150),
    "round_halves_to_even": lambda o: torch.tensor([0.5, 1.5, 2.5, -0.5, -1.5, 2.4999, float("inf")]).round(),
    "floor": lambda o: torch.tensor([0.5, -0.5, -1.0, 2.7]).floor(),
    "ceil": lambda o: torch.tensor([0.5, -0.5, -1.0, 2.7]).ceil(),
    "trunc": lambda o: torch.tensor([0.5, -0.5, -1.7, 2.7]).trunc(),
    "round_i64": lambda o: o["i64"].round(),
    "square_i64": lambda o: o["i64"].square(),
    "nonzero": lambda o: torch.tensor([[0, 1.0, 0], [2, 0, -1]]).nonzero(),
    "nonzero_bool": lambda o: o["b"].nonzero(),
    "isclose": lambda o: torch.isclose(torch.tensor([1.0, float("nan"), 2, float("inf"), float("inf")]),
                                       torch.tensor([1.000001, float("nan"), 2.1, float("inf"), float("-inf")])),
    "relu_keeps_negative_zero": lambda o: torch.tensor([-0.0, float("nan"), -1.0, 2.0] * 5).relu(),
    "clamp_keeps_a_value_equal_to_its_bound": lambda o: torch.tensor([-0.0, 0.0, float("nan"), -2.0] * 5).clamp(0.0, 0.0),
    "hardtanh_keeps_negative_zero": lambda o: torch.nn.functional.hardtanh(torch.tensor([-0.0, 0.0, -1.0, 3.0]), 0.0, 1.0),
    "repeat_interleave_flat": lambda o: torch.tensor([[1, 2], [3, 4]]).repeat_interleave(2),
    "roll_no_dims": lambda o: torch.arange(6).view(2, 3).roll(-1),
    "logsumexp_of_nothing": lambda o: torch.zeros(2, 0).logsumexp(1),
    "isclose_equal_nan": lambda o: torch.isclose(torch.tensor([1.0, float("nan")]), torch.tensor([1.1, float("nan")]),
                                                 rtol=0.2, equal_nan=True),
}


def type_promotion(values, names):
    for name, make in PROMOTIONS.items():
        result = make(_promotion_operands())
        names["promotion_" + name] = str(result.dtype)
        values["promotion_" + name] = [float(d) for d in result.shape] + _encoded(result.double())


def _transcendental_inputs():
    """float32: special values, every 0.05 over [-6, 6], and magnitudes from 1e-8 to 1 of either sign."""
    special = torch.tensor([0.0, -0.0, float("inf"), float("-inf"), float("nan"), -100.0, -87.5, 88.5, 89.0, 1e-30, -1e-30])
    magnitudes = torch.logspace(-8, 0, 33)
    return torch.cat([special, torch.linspace(-6, 6, 241), magnitudes, -magnitudes])


TRANSCENDENTALS = {
    "expm1": lambda x: x.expm1(),
    "elu": lambda x: torch.nn.functional.elu(x),
    "celu": lambda x: torch.nn.functional.celu(x, alpha=0.7),
    "exp2": lambda x: x.exp2(),
    "log2": lambda x: x.log2(),
    "log10": lambda x: x.log10(),
    "tan": lambda x: x.tan(),
    "asin": lambda x: x.asin(),
    "acos": lambda x: x.acos(),
    "atan": lambda x: x.atan(),
    "sinh": lambda x: x.sinh(),
    "cosh": lambda x: x.cosh(),
}


def float32_transcendentals(values, names):
    x = _transcendental_inputs()
    values["transcendental_inputs"] = _encoded(x.double())
    for name, f in TRANSCENDENTALS.items():
        values["transcendental_" + name] = _encoded(f(x).double())


class WithParameterContainers(nn.Module):
    def __init__(self):
        super().__init__()
        self.scales = nn.ParameterList([nn.Parameter(torch.ones(3, 4)), torch.zeros(5)])
        # Pairs, whose order PyTorch keeps (it sorts a dict's keys), as Swift's literal is kept.
        self.named = nn.ParameterDict([("b", nn.Parameter(torch.ones(2))), ("a", torch.full((2, 2), 3.0))])
        self.lin = nn.Linear(2, 2)


def parameter_containers(names):
    """ParameterList and ParameterDict: reprs, parameter names (plain tensors become parameters), state keys."""
    holder = WithParameterContainers()
    holder.scales.append(nn.Parameter(torch.ones(2), requires_grad=False))
    names["repr_parameter_containers"] = repr(holder)
    names["parameter_containers_parameters"] = " ".join(f"{n}:{p.requires_grad}" for n, p in holder.named_parameters())
    names["parameter_containers_state"] = " ".join(holder.state_dict().keys())
    names["repr_parameter_list_one"] = repr(nn.ParameterList([torch.ones(())]))
    names["repr_parameter_dict_empty"] = repr(nn.ParameterDict())


def main():
    values, names = {}, {}
    for scenario in (tensor_hooks, module_hooks, custom_function, wgan_gp, node_names, module_state, in_place_views,
                     edge_gradients, advanced_indexing, type_promotion, float32_transcendentals):
        scenario(values, names)
    document = {
        "generatorMD5": hashlib.md5(open(__file__, "rb").read()).hexdigest(),
        "pytorch": torch.__version__,
        "values": values,
        "names": names,
    }
    json.dump(document, sys.stdout, indent=1, sort_keys=True)
    print()


if __name__ == "__main__":
    main()
