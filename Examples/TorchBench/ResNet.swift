// torch-bench --resnet: torchvision's ResNet-18 on the CPU, training steps/s (SGD with
// momentum, batch 32 of 3×64², 1000 classes) and eval-mode images/s (batch 4 of 3×224²),
// beside PyTorch's figures for torchvision's model in the same run (TORCH_BENCH_PYTHON, when
// its Python has torch and torchvision).
import Foundation
import Torch

func resnetBenchmark() {
  print("threads \(torch.getNumThreads()) count")
  let pytorch = pythonFigures(pytorchTimingPrelude() + """
    import torchvision
    torch.manual_seed(0)
    model = torchvision.models.resnet18()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9); loss_fn = nn.CrossEntropyLoss()
    x, y = torch.randn(32, 3, 64, 64), torch.randint(0, 1000, (32,))
    def step():
        loss_fn(model(x), y).backward(); opt.step(); opt.zero_grad()
    print("resnet18_train_steps", 1 / median(step, reps=5, warm=2))
    model.eval(); images = torch.randn(4, 3, 224, 224)
    with torch.no_grad():
        print("resnet18_eval_images", 4 / median(lambda: model(images), reps=5, warm=2))
    """, python: ProcessInfo.processInfo.environment["TORCH_BENCH_PYTHON"] ?? "python3")
  if pytorch == nil { print("# pytorch missing: set TORCH_BENCH_PYTHON to a python3 with torch and torchvision for side-by-side figures") }
  torch.manualSeed(0)
  let model = models.resnet18()
  let optimizer = optim.SGD(model.parameters(), lr: 0.01, momentum: 0.9)
  let (x, y) = (torch.randn(32, 3, 64, 64), torch.randint(0, 1000, [32]))
  let train = 1 / median(repeats: 5, warmup: 2) {
    nn.CrossEntropyLoss()(model(x), y).backward()
    optimizer.step()
    optimizer.zeroGrad()
  }
  model.eval()
  let images = torch.randn(4, 3, 224, 224)
  let eval = 4 / median(repeats: 5, warmup: 2) { torch.noGrad { _ = model(images) } }
  for (name, ours) in [("resnet18_train_steps", train), ("resnet18_eval_images", eval)] {
    report(name, ours, name.hasSuffix("steps") ? "steps/s" : "images/s")
    if let theirs = pytorch?[name] {
      report(name + "_pytorch", theirs, name.hasSuffix("steps") ? "steps/s" : "images/s")
      report(name + "_ratio", ours / theirs, "x")
    }
  }
}
