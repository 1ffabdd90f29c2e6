import Torch

torch.manualSeed(0)
let model = nn.Sequential(nn.Flatten(), nn.Linear(28 * 28, 512), nn.ReLU(), nn.Linear(512, 10))
print(model)
let X = torch.rand(1, 28, 28)
let logits = model(X)
let predicted = nn.Softmax(dim: 1)(logits).argmax(1)
print("Predicted class: \(predicted)")
precondition(torch.rand(3).shape.dims == [3])
