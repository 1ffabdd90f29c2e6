// torch-bench --rnn: training steps/s of a sequence classifier on an LSTM and on a GRU, beside
// PyTorch's CPU figures for the same model in the same run, and how a step's time grows with
// the sequence's length (linear: backward adds each step's gradient into one buffer).
import Foundation
import Torch

/// A one-layer recurrent classifier: the last step's hidden state through a Linear.
final class SequenceClassifier: Module {
  let lstm: nn.LSTM?
  let gru: nn.GRU?
  let head = nn.Linear(128, 10)

  init(lstm: Bool) {
    self.lstm = lstm ? nn.LSTM(64, 128) : nil
    self.gru = lstm ? nil : nn.GRU(64, 128)
  }

  func forward(_ x: Tensor) -> Tensor {
    let (output, _) = lstm.map { let (o, s) = $0(x); return (o, s.0) } ?? gru!(x)
    return head(output[-1])
  }
}

/// Steps/s of Adam on batches [length, 32, 64] with 10 classes.
func sequenceStepsPerSecond(lstm: Bool, length: Int, steps: Int) -> Double {
  torch.manualSeed(0)
  let model = SequenceClassifier(lstm: lstm)
  let optimizer = optim.Adam(model.parameters(), lr: 1e-3)
  let batches = (0..<4).map { _ in (torch.randn(length, 32, 64), torch.randint(0, 10, [32])) }
  return stepsPerSecond(model, optimizer, batches: batches, steps: steps)
}

/// PyTorch's figures for the same models, or nil without a Python that has torch.
func pytorchRecurrentFigures() -> [String: Double]? {
  let script = pytorchTimingPrelude() + """
    class Classifier(nn.Module):
        def __init__(self, cell):
            super().__init__(); self.rnn = cell(64, 128); self.head = nn.Linear(128, 10)
        def forward(self, x):
            return self.head(self.rnn(x)[0][-1])
    for name, cell in [("lstm", nn.LSTM), ("gru", nn.GRU)]:
        for length in [35, 140]:
            torch.manual_seed(0)
            model = Classifier(cell); opt = torch.optim.Adam(model.parameters(), lr=1e-3); loss_fn = nn.CrossEntropyLoss()
            batches = [(torch.randn(length, 32, 64), torch.randint(0, 10, (32,))) for _ in range(4)]
            steps = 20 if length == 35 else 5
            def run():
                for i in range(steps):
                    x, y = batches[i % 4]
                    loss_fn(model(x), y).backward(); opt.step(); opt.zero_grad()
            print(f"{name}_{length}_train_steps", steps / median(run))
    """
  return pythonFigures(script, python: ProcessInfo.processInfo.environment["TORCH_BENCH_PYTHON"] ?? "python3")
}

func recurrentBenchmark() {
  print("threads \(torch.getNumThreads()) count")
  let pytorch = pytorchRecurrentFigures()
  if pytorch == nil { print("# pytorch missing: set TORCH_BENCH_PYTHON to a python3 with torch for side-by-side figures") }
  for (name, lstm) in [("lstm", true), ("gru", false)] {
    var perStep: [Double] = []
    for length in [35, 140] {
      let figure = "\(name)_\(length)_train_steps"
      let ours = sequenceStepsPerSecond(lstm: lstm, length: length, steps: length == 35 ? 20 : 5)
      perStep.append(1e3 / ours / Double(length))
      report(figure, ours, "steps/s")
      if let theirs = pytorch?[figure] {
        report(figure + "_pytorch", theirs, "steps/s")
        report(figure + "_ratio", ours / theirs, "x")
      }
    }
    // 1.0 when a step's time is proportional to the sequence's length.
    report("\(name)_time_per_timestep_140_over_35", perStep[1] / perStep[0], "x")
  }
}
