"""Generates Tests/TorchTests/Fixtures/autograd_goldens.json: PyTorch's results for the
autograd scenarios that Tests/TorchTests/AutogradTests.swift rebuilds line for line (tensor
and module hooks, a custom Function, a WGAN-GP critic trained with a gradient penalty).
Run with PyTorch installed:

    python3 scripts/generate_autograd_goldens.py > Tests/TorchTests/Fixtures/autograd_goldens.json
"""
import hashlib
import json
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


def main():
    values, names = {}, {}
    for scenario in (tensor_hooks, module_hooks, custom_function, wgan_gp):
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
