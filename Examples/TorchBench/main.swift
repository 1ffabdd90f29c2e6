import Torch
torch.manualSeed(0)
let x = torch.randn(100_000).toArray()
print(x.map { String($0.bitPattern) }.joined(separator: "\n"))
