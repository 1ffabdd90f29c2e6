// PyTorch's "Automatic Differentiation with torch.autograd" page (Learn the Basics), block by
// block, in Swift. Seeded with torch.manualSeed(0) as scripts/basics/autograd.py is.
import Torch

torch.manualSeed(0)

let x = torch.ones(5)  // input tensor
let y = torch.zeros(3)  // expected output
let w = torch.randn([5, 3], requiresGrad: true)
let b = torch.randn([3], requiresGrad: true)
var z = torch.matmul(x, w) + b
let loss = F.binaryCrossEntropyWithLogits(z, y)

// MARK: - Tensors, Functions and Computational graph

print("Gradient function for z = \(z.gradFn)")
print("Gradient function for loss = \(loss.gradFn)")

// MARK: - Computing Gradients

loss.backward()
print(w.grad)
print(b.grad)

// MARK: - Disabling Gradient Tracking

z = torch.matmul(x, w) + b
print(z.requiresGrad)

torch.noGrad {
  z = torch.matmul(x, w) + b
}
print(z.requiresGrad)

z = torch.matmul(x, w) + b
let zDet = z.detach()
print(zDet.requiresGrad)

// MARK: - Tensor Gradients and Jacobian Products

let inp = torch.eye(4, 5, requiresGrad: true)
let out = (inp + 1).pow(2).t()
out.backward(torch.onesLike(out), retainGraph: true)
print("First call\n\(inp.grad)")
out.backward(torch.onesLike(out), retainGraph: true)
print("\nSecond call\n\(inp.grad)")
inp.grad?.zero_()
out.backward(torch.onesLike(out), retainGraph: true)
print("\nCall after zeroing gradients\n\(inp.grad)")
