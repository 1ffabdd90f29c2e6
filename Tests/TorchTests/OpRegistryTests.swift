import XCTest
@testable import Torch

/// PyTorch's values for the registry (Fixtures/op_goldens.json, written by
/// scripts/generate_op_goldens.py): per op the output, the gradients of the weighted output,
/// and the gradients of the weighted gradients (nil where PyTorch has no double backward).
struct OpGoldens: Decodable {
  struct Op: Decodable {
    let shape: [Int]
    let output: [Double]
    let gradients: [[Double]]
    let secondGradients: [[Double]]?
  }
  let generatorMD5: String
  let pytorch: String
  let ops: [String: Op]

  static let shared: OpGoldens = {
    let url = Bundle.module.url(forResource: "Fixtures/op_goldens", withExtension: "json")!
    return try! JSONDecoder().decode(OpGoldens.self, from: Data(contentsOf: url))
  }()
}

/// Every op of `OpRegistry`, checked everywhere: PyTorch's values, gradients and gradients of
/// gradients, finite differences of first and second order. (DeviceParity runs the same
/// registry on the CUDA emulator: CUDAEmulatorTests.)
final class OpRegistryTests: XCTestCase {
  func testEveryOpHasPyTorchGoldens() {
    let names = Set(OpRegistry.ops.map(\.name))
    XCTAssertEqual(names.count, OpRegistry.ops.count, "op names are unique")
    let missing = names.subtracting(OpGoldens.shared.ops.keys).sorted()
    XCTAssertEqual(missing, [], "regenerate: swift run torch-bench --op-registry | python3 scripts/generate_op_goldens.py > Tests/TorchTests/Fixtures/op_goldens.json")
    XCTAssertEqual(Set(OpGoldens.shared.ops.keys).subtracting(names).sorted(), [], "goldens for ops no longer registered")
  }

  func testGoldensComeFromTheCheckedInGenerator() throws {
    let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../scripts/generate_op_goldens.py")
    let bytes = try Data(contentsOf: script)
    XCTAssertEqual(MD5.hex(Array(bytes)), OpGoldens.shared.generatorMD5, "op_goldens.json was written by another version of the generator: regenerate it")
  }

  /// PyTorchGolden.swift, too, was written by the checked-in version of its generator.
  func testPrintingGoldensComeFromTheCheckedInGenerator() throws {
    let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../scripts/generate_golden.py")
    XCTAssertEqual(MD5.hex(Array(try Data(contentsOf: script))), pytorchGoldenGeneratorMD5,
                   "PyTorchGolden.swift was written by another version of scripts/generate_golden.py: regenerate it")
    let seedScript = script.deletingLastPathComponent().appendingPathComponent("seed_reference.py")
    XCTAssertEqual(MD5.hex(Array(try Data(contentsOf: seedScript))), pytorchSeedReferenceMD5,
                   "the seed outputs came from another version of scripts/seed_reference.py: regenerate PyTorchGolden.swift")
  }

  func testEveryOpMatchesPyTorch() { checkEveryOpAgainstPyTorch { $0 } }

  /// The same values when every input is a strided view: every other element of a wider
  /// buffer, or (two dimensions and more) the transpose of a contiguous tensor, transposed
  /// back; kernels must honour strides, not assume dense memory.
  func testEveryOpMatchesPyTorchOnNonContiguousInputs() {
    checkEveryOpAgainstPyTorch { inputs in
      inputs.enumerated().map { k, x in
        var strided = x.dim() >= 2 ? x.detach().transpose(0, 1).contiguous().transpose(0, 1) : x.detach()
        if k % 2 == 0 || strided.isContiguous {
          let wide = torch.zeros(x.dims + [2], dtype: x.dtype)
          wide.select(-1, 0).copy_(x.detach())
          strided = wide.select(-1, 0)
        }
        XCTAssertFalse(strided.isContiguous && x.numel() > 1, "\(x.dims)")
        return strided.detach().requiresGrad_()
      }
    }
  }

  /// Every registry op's output, gradients and second gradients against PyTorch's goldens,
  /// on the sample inputs as `layout` lays them out.
  private func checkEveryOpAgainstPyTorch(_ layout: ([Tensor]) -> [Tensor]) {
    for op in OpRegistry.ops {
      guard let golden = OpGoldens.shared.ops[op.name] else { continue }
      let inputs = layout(op.sampleInputs())
      let output = op.body(inputs, .cpu)
      XCTAssertEqual(output.shape.dims, golden.shape, op.name)
      assertClose(output.toArray(Double.self), golden.output, rtol: 1e-9, atol: 1e-12, "\(op.name) output")
      // First order: the ordinary (fast) backward path.
      let weighted = (output * OpInfo.weights(output.shape.dims)).sum()
      let gradients = torch.autograd.grad([weighted], inputs, retainGraph: true, allowUnused: true)
      for (k, gradient) in gradients.enumerated() {
        let values = gradient?.toArray(Double.self) ?? [Double](repeating: 0, count: inputs[k].numel())
        assertClose(values, golden.gradients[k], rtol: 1e-9, atol: 1e-12, "\(op.name) gradient \(k)")
      }
      // Second order: the createGraph path, differentiated again.
      guard let expectedSecond = golden.secondGradients else { continue }
      for (k, gradient) in secondGradients(output, inputs).enumerated() {
        let values = gradient?.toArray(Double.self) ?? [Double](repeating: 0, count: inputs[k].numel())
        assertClose(values, expectedSecond[k], rtol: 1e-9, atol: 1e-12, "\(op.name) second gradient \(k)")
      }
    }
  }

  func testEveryOpPassesGradcheck() {
    for op in OpRegistry.ops {
      gradCheck(op.name, op.sampleInputs()) { op.body($0, .cpu) }
    }
  }

  func testEveryOpPassesGradgradcheck() {
    for op in OpRegistry.ops {
      gradGradCheck(op.name, op.sampleInputs()) { op.body($0, .cpu) }
    }
  }

  /// Each pointwise kernel has its float entry points in the CUDA source, and each activation
  /// its derivative kernel too; names are unique.
  func testEveryPointwiseKernelHasCUDAEntryPoints() {
    let names = Set(CUDAKernels.instances.map(\.name))
    let unaryNames: [String] = PointwiseKernels.unary.map { $0.name }
    let binaryNames: [String] = PointwiseKernels.binary.map { $0.name }
    for name in unaryNames {
      XCTAssertTrue(names.contains("unary_" + name + "_f32") && names.contains("unary_" + name + "_f64"), name)
    }
    for name in binaryNames {
      XCTAssertTrue(names.contains("binary_" + name + "_f32") && names.contains("binary_" + name + "_f64"), name)
    }
    let activationNames: [String] = PointwiseKernels.activations.map { $0.name }
    for name in activationNames {
      XCTAssertTrue(binaryNames.contains(name + "_backward"), name)
    }
    XCTAssertEqual(Set(unaryNames).count, unaryNames.count, "unary kernel names are unique")
    XCTAssertEqual(Set(binaryNames).count, binaryNames.count, "binary kernel names are unique")
  }
}
