import Foundation
import Torch

/// `torch-bench --op-registry`: the op registry as JSON for `scripts/generate_op_goldens.py`,
/// which evaluates each entry's PyTorch spelling on the same seeded inputs.
func dumpOpRegistry() -> Int32 {
  let entries: [[String: Any]] = OpRegistry.ops.map { op in
    [
      "name": op.name,
      "pytorch": op.pytorch,
      "inputs": op.inputs.map { ["shape": $0.shape, "low": $0.low, "high": $0.high] as [String: Any] },
    ]
  }
  guard let data = try? JSONSerialization.data(withJSONObject: entries, options: [.prettyPrinted, .sortedKeys]) else { return 1 }
  FileHandle.standardOutput.write(data)
  print()
  return 0
}
