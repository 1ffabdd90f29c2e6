import Foundation
import Torch

/// `torch-bench --profile-sgd N`: runs N SGD training steps and nothing else (for perf).
func profileSGD(_ steps: Int) {
  torch.manualSeed(0)
  let model = NeuralNetwork()
  let optimizer = optim.SGD(model.parameters(), lr: 1e-3)
  let lossFn = nn.CrossEntropyLoss()
  let x = torch.rand(64, 1, 28, 28), y = torch.randint(0, 10, [64])
  for _ in 0..<steps {
    let loss = lossFn(model(x), y)
    loss.backward()
    optimizer.step()
    optimizer.zeroGrad()
  }
}
