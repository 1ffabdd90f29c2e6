// torch-bench --interpolate: F.interpolate (2x upsampling, nearest and bilinear) and reflect
// padding, forward and backward, beside PyTorch's CPU kernels in the same run
// (TORCH_BENCH_PYTHON).
import Foundation
import Torch

func interpolateBenchmark() {
  let script = """
    import time, torch, torch.nn.functional as F
    torch.set_num_threads(\(torch.getNumThreads()))
    x = torch.rand(16, 32, 56, 56, requires_grad=True)
    for mode in ["nearest", "bilinear"]:
        best = 1e9
        for _ in range(7):
            t = time.perf_counter()
            y = F.interpolate(x, scale_factor=2, mode=mode)
            torch.autograd.grad([y], [x], [torch.ones_like(y)])
            best = min(best, time.perf_counter() - t)
        print("interpolate_" + mode, best * 1e3)
    best = 1e9
    for _ in range(7):
        t = time.perf_counter()
        y = F.pad(x, (3, 3, 3, 3), mode="reflect")
        torch.autograd.grad([y], [x], [torch.ones_like(y)])
        best = min(best, time.perf_counter() - t)
    print("pad_reflect", best * 1e3)
    """
  let pytorch = pythonFigures(script, python: ProcessInfo.processInfo.environment["TORCH_BENCH_PYTHON"] ?? "python3")
  if pytorch == nil { print("# pytorch missing: set TORCH_BENCH_PYTHON to a python3 with torch for side-by-side figures") }
  let x = torch.rand([16, 32, 56, 56], requiresGrad: true)
  for mode in [F.InterpolationMode.nearest, .bilinear] {
    var best = Double.infinity
    for _ in 0..<7 {
      best = min(best, seconds {
        let y = F.interpolate(x, scaleFactor: 2, mode: mode)
        _ = torch.autograd.grad([y], [x], gradOutputs: [torch.onesLike(y)])
      })
    }
    let name = "interpolate_\(mode.rawValue)"
    report(name, best * 1e3, "ms forward + backward, 16x32x56x56 -> 112x112")
    if let theirs = pytorch?[name] { report(name + "_pytorch", theirs, "ms") }
  }
  var best = Double.infinity
  for _ in 0..<7 {
    best = min(best, seconds {
      let y = F.pad(x, [3, 3, 3, 3], mode: .reflect)
      _ = torch.autograd.grad([y], [x], gradOutputs: [torch.onesLike(y)])
    })
  }
  report("pad_reflect", best * 1e3, "ms forward + backward, 16x32x56x56 padded by 3")
  if let theirs = pytorch?["pad_reflect"] { report("pad_reflect_pytorch", theirs, "ms") }
}
