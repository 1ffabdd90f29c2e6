// torch-bench --transformer: training steps/s of a small Transformer encoder classifier,
// beside PyTorch's CPU figures for the same model in the same run.
import Foundation
import Torch

/// Two encoder layers (d_model 128, 4 heads, feed-forward 512, dropout 0.1) over [35, 32, 128],
/// the last position through a Linear to 10 classes.
final class EncoderClassifier: Module {
  let encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(dModel: 128, nhead: 4, dimFeedforward: 512), numLayers: 2)
  let head = nn.Linear(128, 10)

  func forward(_ x: Tensor) -> Tensor { head(encoder(x)[-1]) }
}

/// Steps/s of Adam on four batches [35, 32, 128] with 10 classes.
func encoderStepsPerSecond(steps: Int) -> Double {
  torch.manualSeed(0)
  let model = EncoderClassifier()
  let optimizer = optim.Adam(model.parameters(), lr: 1e-3)
  let batches = (0..<4).map { _ in (torch.randn(35, 32, 128), torch.randint(0, 10, [32])) }
  return stepsPerSecond(model, optimizer, batches: batches, steps: steps)
}

func transformerBenchmark() {
  print("threads \(torch.getNumThreads()) count")
  let script = pytorchTimingPrelude() + """
    torch.manual_seed(0)
    encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(128, 4, dim_feedforward=512), num_layers=2, enable_nested_tensor=False)
    head = nn.Linear(128, 10)
    params = list(encoder.parameters()) + list(head.parameters())
    opt = torch.optim.Adam(params, lr=1e-3); loss_fn = nn.CrossEntropyLoss()
    batches = [(torch.randn(35, 32, 128), torch.randint(0, 10, (32,))) for _ in range(4)]
    def run():
        for i in range(10):
            x, y = batches[i % 4]
            loss_fn(head(encoder(x)[-1]), y).backward(); opt.step(); opt.zero_grad()
    print("encoder_train_steps", 10 / median(run))
    """
  let pytorch = pythonFigures(script, python: ProcessInfo.processInfo.environment["TORCH_BENCH_PYTHON"] ?? "python3")
  if pytorch == nil { print("# pytorch missing: set TORCH_BENCH_PYTHON to a python3 with torch for side-by-side figures") }
  let ours = encoderStepsPerSecond(steps: 10)
  report("encoder_train_steps", ours, "steps/s")
  if let theirs = pytorch?["encoder_train_steps"] {
    report("encoder_train_steps_pytorch", theirs, "steps/s")
    report("encoder_train_steps_ratio", ours / theirs, "x")
  }
}

/// `torch-bench --profile-transformer N`: N Adam steps of the encoder classifier (for perf).
func profileTransformer(_ steps: Int) {
  _ = encoderStepsPerSecond(steps: steps)
}
