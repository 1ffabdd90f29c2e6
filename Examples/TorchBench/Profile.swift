import Foundation
import Torch

/// `torch-bench --profile-sgd N`: runs N SGD training steps and nothing else (for perf).
func profileSGD(_ steps: Int) {
  torch.manualSeed(0)
  let model = NeuralNetwork()
  trainSteps(model, optim.SGD(model.parameters(), lr: 1e-3), steps)
}

/// `steps` training steps on one random batch of 64 FashionMNIST-shaped images.
func trainSteps(_ model: any Module, _ optimizer: optim.Optimizer, _ steps: Int) {
  let lossFn = nn.CrossEntropyLoss()
  let x = torch.rand(64, 1, 28, 28), y = torch.randint(0, 10, [64])
  for _ in 0..<steps {
    let loss = lossFn(model(x), y)
    loss.backward()
    optimizer.step()
    optimizer.zeroGrad()
  }
}

/// `torch-bench --gemm N`: GFLOP/s of N×N products, three rounds of seven (for tuning).
func profileGemm(_ n: Int) {
  let a = torch.rand(n, n), b = torch.rand(n, n)
  for _ in 0..<3 {
    let time = median(repeats: 7) { _ = a.mm(b) }
    print("ours \(n)", String(format: "%.1f", 2 * Double(n * n * n) / time / 1e9))
  }
}

/// `torch-bench --profile-cnn N`: N Adam steps of the FashionMNIST CNN and nothing else (for perf).
func profileCNN(_ steps: Int) {
  torch.manualSeed(0)
  let model = fashionCNN()
  trainSteps(model, optim.Adam(model.parameters(), lr: 1e-3), steps)
}

/// `torch-bench --profile-conv CIN COUT SIZE STEPS [KERNEL]`: STEPS forward and weight-gradient
/// passes of a KERNEL×KERNEL convolution with "same" padding over a batch of 64 (input without
/// gradient, as a first layer's), for `perf stat` cycle counts, steadier than wall time on a
/// shared machine.
func profileConvolution(inChannels: Int, outChannels: Int, size: Int, steps: Int, kernel: Int = 3) {
  let x = torch.rand(64, inChannels, size, size)
  let w = torch.rand([outChannels, inChannels, kernel, kernel], requiresGrad: true)
  let g = torch.rand(64, outChannels, size, size)
  for _ in 0..<steps {
    let y = F.conv2d(x, w, padding: "same")
    _ = torch.autograd.grad([y], [w], gradOutputs: [g])
  }
}

/// `torch-bench --profile-rnn N` / `--profile-gru N`: N Adam steps of the LSTM or GRU sequence
/// classifier at 35 steps (for perf).
func profileRecurrent(_ steps: Int, lstm: Bool) {
  _ = sequenceStepsPerSecond(lstm: lstm, length: 35, steps: steps)
}
