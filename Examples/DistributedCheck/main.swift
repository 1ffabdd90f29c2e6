// dist-check: torch.distributed checked under mpirun (the tests launch it):
//   mpirun -np 2 --oversubscribe dist-check collectives | ddp | early-exit | mismatch | nccl
// `nccl` runs the collectives and DDP on each rank's GPU through the nccl backend (on a GPU
// machine, or on the tests' CUDA driver emulator and NCCL stand-in; a world of one needs no
// mpirun).
// Each rank prints its failures; rank 0 prints a summary; the exit status is 0 only when all
// checks pass.
import Foundation
import Torch

/// Checks and their failures on this rank.
struct Report {
  var checks = 0
  var failures: [String] = []

  mutating func check(_ actual: Tensor, _ expected: Tensor, _ name: String, tolerance: Double = 0) {
    checks += 1
    guard actual.numel() == expected.numel() else { failures.append("\(name): \(actual.numel()) elements, expected \(expected.numel())"); return }
    // The largest difference by tensor ops (a NaN anywhere makes it NaN, which fails).
    let (actual, expected) = (actual.cpu(), expected.cpu())
    let difference = (actual.to(.float64).flatten() - expected.to(.float64).flatten()).abs()
    let worst = difference.numel() == 0 ? 0 : difference.max().item()
    guard !(worst <= tolerance) else { return }
    let (a, e) = (actual.to(.float64).flatten().toArray(Double.self), expected.to(.float64).flatten().toArray(Double.self))
    let i = a.indices.first { !(abs(a[$0] - e[$0]) <= tolerance) } ?? 0
    failures.append("\(name): element \(i) is \(a[i]), expected \(e[i]) (largest difference \(worst))")
  }
}

let arguments = CommandLine.arguments.dropFirst()
guard let mode = arguments.first, ["collectives", "ddp", "early-exit", "mismatch", "nccl"].contains(mode) else {
  FileHandle.standardError.write("usage: dist-check collectives|ddp|early-exit|mismatch|nccl (under mpirun)\n".data(using: .utf8)!)
  exit(2)
}
do {
  try dist.initProcessGroup(backend: mode == "nccl" ? "nccl" : "mpi", timeout: Double(ProcessInfo.processInfo.environment["DIST_CHECK_TIMEOUT"] ?? "") ?? 60)
} catch {
  FileHandle.standardError.write("dist-check: \(error)\n".data(using: .utf8)!)
  exit(1)
}
var report = Report()
/// This rank's GPU in nccl mode (NCCL needs one per rank; the emulator gives each process one).
var rankDevice: Device { .cuda(dist.getRank() % max(1, torch.cuda.deviceCount())) }
switch mode {
case "collectives": checkCollectives(&report)
case "ddp": checkDistributedDataParallel(&report)
case "nccl":
  checkCollectives(&report, on: rankDevice, largest: 1 << 16)
  // The tests run it on the CUDA emulator, where a narrow model keeps the run short.
  checkDistributedDataParallel(&report, on: rankDevice, steps: 5, width: 32)
case "early-exit":
  // Rank 1 leaves without a word; the others' next collective must not hang.
  if dist.getRank() == 1 { exit(3) }
  Thread.sleep(forTimeInterval: 0.5)
  dist.allReduce(torch.ones([4]))
  print("rank \(dist.getRank()): all_reduce returned after a peer exited")
default:
  // Ranks disagree on the element count; TORCH_DISTRIBUTED_DEBUG=DETAIL names both.
  dist.allReduce(torch.ones([dist.getRank() == 0 ? 12 : 10]))
}
for failure in report.failures { print("rank \(dist.getRank()) FAIL \(failure)") }
let failed = torch.tensor([Double(report.failures.count)]).to(mode == "nccl" ? rankDevice : .cpu)
dist.allReduce(failed)
if dist.getRank() == 0 {
  print("\(mode): \(report.checks) checks per rank, \(Int(failed.item())) failed")
}
dist.destroyProcessGroup()
exit(failed.item() == 0 ? 0 : 1)
