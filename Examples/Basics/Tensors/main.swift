// PyTorch's "Tensors" page (Learn the Basics), block by block, in Swift. Seeded with
// torch.manualSeed(0) as scripts/basics/tensors.py is, so it prints what PyTorch prints.
import Torch

torch.manualSeed(0)

// MARK: - Initializing a Tensor

let data = [[1, 2], [3, 4]]
let xData = torch.tensor(data)

let npArray = torch.tensor(data).numpy()
let xNp = torch.fromNumpy(npArray)

let xOnes = torch.onesLike(xData)  // retains the properties of xData
print("Ones Tensor: \n \(xOnes) \n")

let xRand = torch.randLike(xData, dtype: torch.float)  // overrides the datatype of xData
print("Random Tensor: \n \(xRand) \n")

let shape = [2, 3]
let randTensor = torch.rand(shape)
let onesTensor = torch.ones(shape)
let zerosTensor = torch.zeros(shape)

print("Random Tensor: \n \(randTensor) \n")
print("Ones Tensor: \n \(onesTensor) \n")
print("Zeros Tensor: \n \(zerosTensor)")

// MARK: - Attributes of a Tensor

var tensor = torch.rand(3, 4)

print("Shape of tensor: \(tensor.shape)")
print("Datatype of tensor: \(tensor.dtype)")
print("Device tensor is stored on: \(tensor.device)")

// MARK: - Operations on Tensors

if torch.cuda.isAvailable() {
  tensor = tensor.to("cuda")
}

tensor = torch.ones(4, 4)
print("First row: ", tensor[0])
print("First column: ", tensor[0..., 0])
print("Last column:", tensor[..., -1])
tensor[0..., 1] = 0
print(tensor)

let t1 = torch.cat([tensor, tensor, tensor], dim: 1)
print(t1)

// Matrix multiplication: y1, y2, y3 have the same value.
let y1 = tensor.matmul(tensor.t())
let y2 = tensor.matmul(tensor.T)
let y3 = torch.randLike(tensor)
torch.matmul(tensor, tensor.T, out: y3)

// Element-wise product: z1, z2, z3 have the same value.
let z1 = tensor * tensor
let z2 = tensor.mul(tensor)
let z3 = torch.randLike(tensor)
torch.mul(tensor, tensor, out: z3)

let agg = tensor.sum()
let aggItem = agg.item()
print(aggItem, type(of: aggItem))

print(tensor, "\n")
tensor.add_(5)
print(tensor)

// MARK: - Bridge with NumPy (memory shared with an NDArray)

var t = torch.ones(5)
print("t: \(t)")
var n = t.numpy()
print("n: \(n)")

t.add_(1)
print("t: \(t)")
print("n: \(n)")

n = NDArray.ones(5)
t = torch.fromNumpy(n)

n.add_(1)  // np.add(n, 1, out=n)
print("t: \(t)")
print("n: \(n)")
