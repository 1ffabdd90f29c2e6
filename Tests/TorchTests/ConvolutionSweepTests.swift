import Foundation
import XCTest
@testable import Torch

/// The convolution family (convolutions, pooling, interpolation, padding, unfold and fold,
/// normalization) against PyTorch over a seeded sweep of random configurations
/// (Fixtures/convolution_sweep.json, written by scripts/generate_convolution_sweep.py):
/// strides, paddings, dilations, groups, ceil modes, output paddings, scale factors and pad
/// widths drawn at random, some inputs non-contiguous or float64, so that combinations no
/// hand-written case names are checked too. Each case rebuilds PyTorch's inputs from its seed
/// (`torch.manualSeed`, then drawing as the generator does) and compares the output, the
/// max-pooling indices, batch norm's running statistics and every gradient.
final class ConvolutionSweepTests: XCTestCase {
  func testSweepMatchesPyTorch() throws {
    let cases = try Self.cases()
    XCTAssertGreaterThan(cases.count, 300)
    var failures: [String] = []
    for (number, sweepCase) in cases.enumerated() {
      if let failure = Self.check(sweepCase) { failures.append("case \(number) \(sweepCase.description): \(failure)") }
    }
    XCTAssertEqual(failures.count, 0, failures.prefix(12).joined(separator: "\n"))
  }

  func testSweepComesFromTheCheckedInGenerator() throws {
    let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../scripts/generate_convolution_sweep.py")
    XCTAssertEqual(MD5.hex(Array(try Data(contentsOf: script))), try Self.root()["generatorMD5"] as? String, "regenerate convolution_sweep.json")
  }

  /// One generated case: the op's name and arguments, and PyTorch's results.
  struct SweepCase {
    let fields: [String: Any]
    var op: String { fields["op"] as! String }
    var description: String {
      fields.filter { !["output", "grads", "indices", "input_sum", "running_mean", "running_var"].contains($0.key) }
        .sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
    }
    func ints(_ key: String) -> [Int]? { (fields[key] as? [NSNumber])?.map(\.intValue) }
    func int(_ key: String) -> Int? { (fields[key] as? NSNumber)?.intValue }
    func bool(_ key: String) -> Bool? { (fields[key] as? NSNumber)?.boolValue }
    var dtype: DType { fields["dtype"] as! String == "float64" ? .float64 : .float32 }
    /// A tensor's values, stored as the base64 of its little-endian float32 or float64 bytes
    /// (exactly PyTorch's values, a fifth of the size of decimals).
    func values(_ encoded: Any) -> [Double] {
      let data = Data(base64Encoded: encoded as! String)!
      return data.withUnsafeBytes { bytes in
        dtype == .float64 ? bytes.bindMemory(to: Double.self).map { $0 } : bytes.bindMemory(to: Float.self).map(Double.init)
      }
    }
  }

  static func root() throws -> [String: Any] {
    let url = Bundle.module.url(forResource: "Fixtures/convolution_sweep", withExtension: "json")!
    return try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
  }

  static func cases() throws -> [SweepCase] { (try root()["cases"] as! [[String: Any]]).map(SweepCase.init) }

  /// Runs one case; nil when everything matches, else what differs.
  static func check(_ c: SweepCase) -> String? {
    torch.manualSeed(UInt64(c.int("seed")!))
    let shape = c.ints("input")!
    let x = c.bool("permuted")!
      ? torch.randn([shape[0], shape[2], shape[3], shape[1]], dtype: c.dtype).permute(0, 3, 1, 2).requiresGrad_()
      : torch.randn(shape, dtype: c.dtype, requiresGrad: true)
    guard isClose(x.toArray(Double.self).reduce(0, +), (c.fields["input_sum"] as! NSNumber).doubleValue, rtol: 1e-9, atol: 1e-9) else {
      return "the seeded input differs from PyTorch's"
    }
    var leaves = [x]
    let (output, companion) = run(c, x, &leaves)
    guard output.dims == c.ints("output_shape")! else { return "output shape \(output.dims), PyTorch's \(c.ints("output_shape")!)" }
    if let failure = compare(output.toArray(Double.self), c.values(c.fields["output"]!), "output", c.dtype) { return failure }
    let expectsCompanion = c.fields["indices"] != nil || c.fields["running_mean"] != nil
    guard expectsCompanion == (companion != nil) else { return "indices or running statistics: PyTorch has them \(expectsCompanion)" }
    if let companion {
      if c.op == "batch_norm" {
        let expected = c.values(c.fields["running_mean"]!) + c.values(c.fields["running_var"]!)
        if let failure = compare(companion.toArray(Double.self), expected, "running statistics", c.dtype) { return failure }
      } else if companion.toArray(Int64.self).map(Int.init) != c.ints("indices")! {
        return "indices differ"
      }
    }
    let gradOutput = torch.rand(output.dims, dtype: c.dtype)
    let grads = torch.autograd.grad([output], leaves, gradOutputs: [gradOutput])
    let expected = (c.fields["grads"] as! [Any]).map(c.values)
    guard grads.count == expected.count else { return "\(grads.count) gradients, PyTorch's \(expected.count)" }
    for (i, (grad, wanted)) in zip(grads, expected).enumerated() {
      if let failure = compare(grad.toArray(Double.self), wanted, "gradient \(i)", c.dtype) { return failure }
    }
    return nil
  }

  /// Sums of at most a few hundred terms, added in another order than PyTorch's: float32
  /// agrees to about 1e-6 of the terms' size, float64 to about 1e-15.
  static func compare(_ actual: [Double], _ expected: [Double], _ what: String, _ dtype: DType) -> String? {
    guard actual.count == expected.count else { return "\(what): \(actual.count) elements, PyTorch's \(expected.count)" }
    let (rtol, atol) = dtype == .float64 ? (1e-12, 1e-12) : (1e-4, 1e-5)
    for i in actual.indices where !isClose(actual[i], expected[i], rtol: rtol, atol: atol) {
      return "\(what) element \(i): \(actual[i]), PyTorch's \(expected[i])"
    }
    return nil
  }

  /// The case's output, and the max-pooling indices or batch norm's updated running mean and
  /// variance (concatenated) where the op has them.
  static func run(_ c: SweepCase, _ x: Tensor, _ leaves: inout [Tensor]) -> (Tensor, Tensor?) {
    func pair(_ key: String) -> [Int] { c.ints(key)! }
    switch c.op {
    case "conv2d", "conv1d", "conv_transpose2d":
      let weight = torch.randn(c.ints("weight")!, dtype: c.dtype, requiresGrad: true)
      leaves.append(weight)
      var bias: Tensor?
      if c.bool("bias")! {
        let count = c.op == "conv_transpose2d" ? c.ints("weight")![1] * c.int("groups")! : c.ints("weight")![0]
        bias = torch.randn([count], dtype: c.dtype, requiresGrad: true)
        leaves.append(bias!)
      }
      let groups = c.int("groups")!
      if c.op == "conv_transpose2d" {
        return (F.convTranspose2d(x, weight, bias, stride: pair("stride"), padding: pair("padding"),
                                  outputPadding: pair("output_padding"), groups: groups, dilation: pair("dilation")), nil)
      }
      let padding: any ConvolutionPadding = (c.fields["padding"] as? String) ?? pair("padding")
      let conv = c.op == "conv2d" ? F.conv2d : F.conv1d
      return (conv(x, weight, bias, pair("stride"), padding, pair("dilation"), groups), nil)
    case "batch_norm", "group_norm", "layer_norm":
      let shape = c.ints("normalized_shape") ?? [x.dims[1]]
      var (weight, bias): (Tensor?, Tensor?) = (nil, nil)
      if c.bool("affine")! {
        (weight, bias) = (torch.randn(shape, dtype: c.dtype, requiresGrad: true), torch.randn(shape, dtype: c.dtype, requiresGrad: true))
        leaves += [weight!, bias!]
      }
      let eps = (c.fields["eps"] as! NSNumber).doubleValue
      if c.op == "group_norm" { return (F.groupNorm(x, numGroups: c.int("groups")!, weight: weight, bias: bias, eps: eps), nil) }
      if c.op == "layer_norm" { return (F.layerNorm(x, shape, weight: weight, bias: bias, eps: eps), nil) }
      let running = c.bool("running")!
      let mean = running ? torch.randn([x.dims[1]], dtype: c.dtype) : nil
      let variance = running ? torch.rand([x.dims[1]], dtype: c.dtype) + 0.5 : nil
      let output = F.batchNorm(x, runningMean: mean, runningVar: variance, weight: weight, bias: bias, training: c.bool("training")!,
                               momentum: (c.fields["momentum"] as! NSNumber).doubleValue, eps: eps)
      // The running statistics as updated, checked with the output.
      return (output, running ? torch.cat([mean!, variance!]) : nil)
    case "max_pool2d":
      let (values, indices) = F.maxPool2dWithIndices(x, kernelSize: pair("kernel"), stride: c.ints("stride"), padding: pair("padding"),
                                                     dilation: pair("dilation"), ceilMode: c.bool("ceil_mode")!)
      return (values, indices)
    case "max_pool1d":
      let (values, indices) = F.maxPool1dWithIndices(x, kernelSize: pair("kernel")[0], stride: c.ints("stride")?[0], padding: pair("padding")[0],
                                                     dilation: pair("dilation")[0], ceilMode: c.bool("ceil_mode")!)
      return (values, indices)
    case "avg_pool2d":
      return (F.avgPool2d(x, kernelSize: pair("kernel"), stride: c.ints("stride"), padding: pair("padding"), ceilMode: c.bool("ceil_mode")!,
                          countIncludePad: c.bool("count_include_pad")!, divisorOverride: c.int("divisor_override")), nil)
    case "adaptive_avg_pool2d":
      return (F.adaptiveAvgPool2d(x, pair("output_size")), nil)
    case "adaptive_max_pool2d":
      let (values, indices) = F.adaptiveMaxPool2dWithIndices(x, pair("output_size"))
      return (values, indices)
    case "interpolate":
      let mode = F.InterpolationMode(rawValue: c.fields["mode"] as! String)!
      let alignCorners = c.bool("align_corners")
      if let size = c.ints("size") { return (F.interpolate(x, size: size, mode: mode, alignCorners: alignCorners), nil) }
      return (F.interpolate(x, scaleFactor: (c.fields["scale_factor"] as! NSNumber).doubleValue, mode: mode, alignCorners: alignCorners), nil)
    case "pad":
      let mode = F.PaddingMode(rawValue: c.fields["mode"] as! String)!
      return (F.pad(x, pair("pad"), mode: mode, value: (c.fields["value"] as! NSNumber).doubleValue), nil)
    case "unfold":
      return (F.unfold(x, kernelSize: pair("kernel"), dilation: pair("dilation"), padding: pair("padding"), stride: pair("stride")), nil)
    case "fold":
      return (F.fold(x, outputSize: pair("output_size"), kernelSize: pair("kernel"), dilation: pair("dilation"), padding: pair("padding"),
                     stride: pair("stride")), nil)
    default:
      fatalError("unknown op \(c.op)")
    }
  }
}
