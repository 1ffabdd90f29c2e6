import Foundation

/// The convolution family against PyTorch's values over a seeded sweep of random
/// configurations (Tests/TorchTests/Fixtures/convolution_sweep.json, written by
/// scripts/generate_convolution_sweep.py): convolutions, pooling, interpolation, padding,
/// unfold and fold, normalization, `nn.Conv2d` with each padding mode and `nn.ConvTranspose2d`
/// called with an output size; strides, paddings, dilations, groups, ceil modes, output
/// paddings, scale factors and pad widths drawn at random; some inputs non-contiguous, float64
/// or unbatched. Each case rebuilds PyTorch's inputs from its seed (`torch.manualSeed`, then
/// drawing as the generator does, on the CPU) and compares the output, the max-pooling
/// indices, batch norm's running statistics and every gradient. The tests run it on the CPU
/// and on the CUDA kernels under the emulator, `torch-bench --cuda-sweep` on a GPU.
/// Package-internal: a check of backends, not user API.
package enum ConvolutionSweep {
  /// One generated case: the op's name and arguments, and PyTorch's results.
  package struct Case {
    let fields: [String: Any]

    /// The case's arguments, for a failure message.
    package var description: String {
      fields.filter { !["output", "grads", "indices", "input_sum", "running_mean", "running_var"].contains($0.key) }
        .sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
    }
  }

  /// A field missing or of the wrong type: the case is reported, not run.
  fileprivate struct Malformed: Error { let field: String }

  /// The sweep's cases and the MD5 of the generator that wrote them.
  package static func load(_ path: String) throws(TorchError) -> (cases: [Case], generatorMD5: String) {
    let data: Data
    do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
      throw .io(path: path, reason: error.localizedDescription)
    }
    guard let root = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
          let cases = root["cases"] as? [[String: Any]], let md5 = root["generatorMD5"] as? String else {
      throw .corruptFile(path: path, reason: "not a convolution sweep (JSON with cases and generatorMD5)")
    }
    return (cases.map(Case.init), md5)
  }

  /// Runs one case on `device` (inputs drawn on the CPU, as PyTorch's are, then moved); nil
  /// when everything matches, else what differs.
  package static func check(_ c: Case, on device: Device = .cpu) -> String? {
    do { return try checked(c, on: device) } catch {
      return "malformed case: \((error as? Malformed)?.field ?? "\(error)")"
    }
  }

  private static func checked(_ c: Case, on device: Device) throws -> String? {
    let dtype = try c.dtype()
    torch.manualSeed(UInt64(try c.int("seed")))
    let shape = try c.ints("input"), permuted = try c.bool("permuted")
    guard !permuted || shape.count == 4 else { throw Malformed(field: "permuted") }
    let drawn = permuted ? torch.randn([shape[0], shape[2], shape[3], shape[1]], dtype: dtype) : torch.randn(shape, dtype: dtype)
    guard agrees(drawn.toArray(Double.self).reduce(0, +), try c.double("input_sum"), rtol: 1e-9, atol: 1e-9) else {
      return "the seeded input differs from PyTorch's"
    }
    let moved = drawn.to(device)
    let x = (permuted ? moved.permute(0, 3, 1, 2) : moved).requiresGrad_()
    var leaves = [x]
    let (output, companion) = try run(c, x, dtype: dtype, &leaves)
    guard output.device == device else { return "output on \(output.device), not \(device)" }
    guard output.dims == (try c.ints("output_shape")) else { return "output shape \(output.dims), PyTorch's \(try c.ints("output_shape"))" }
    if let failure = compare(output.toArray(Double.self), try c.values("output", dtype), "output", dtype) { return failure }
    let expectsCompanion = c.fields["indices"] != nil || c.fields["running_mean"] != nil
    guard expectsCompanion == (companion != nil) else { return "indices or running statistics: PyTorch has them \(expectsCompanion)" }
    if let companion {
      if c.fields["running_mean"] != nil {
        let expected = try c.values("running_mean", dtype) + c.values("running_var", dtype)
        if let failure = compare(companion.toArray(Double.self), expected, "running statistics", dtype) { return failure }
      } else if companion.toArray(Int64.self).map(Int.init) != (try c.ints("indices")) {
        return "indices differ"
      }
    }
    let gradOutput = torch.rand(output.dims, dtype: dtype).to(device)
    let grads = torch.autograd.grad([output], leaves, gradOutputs: [gradOutput])
    let expected = try c.gradients(dtype)
    guard grads.count == expected.count else { return "\(grads.count) gradients, PyTorch's \(expected.count)" }
    for (i, (grad, wanted)) in zip(grads, expected).enumerated() {
      if let failure = compare(grad.toArray(Double.self), wanted, "gradient \(i)", dtype) { return failure }
    }
    return nil
  }

  /// Sums of at most a few hundred terms, added in another order than PyTorch's: float32
  /// agrees to about 1e-6 of the terms' size, float64 to about 1e-15.
  private static func compare(_ actual: [Double], _ expected: [Double], _ what: String, _ dtype: DType) -> String? {
    guard actual.count == expected.count else { return "\(what): \(actual.count) elements, PyTorch's \(expected.count)" }
    let (rtol, atol) = dtype == .float64 ? (1e-12, 1e-12) : (1e-4, 1e-5)
    for i in actual.indices where !agrees(actual[i], expected[i], rtol: rtol, atol: atol) {
      return "\(what) element \(i): \(actual[i]), PyTorch's \(expected[i])"
    }
    return nil
  }

  /// |a − b| <= atol + rtol·|b|; NaN agrees only with NaN.
  private static func agrees(_ a: Double, _ b: Double, rtol: Double, atol: Double) -> Bool {
    if a.isNaN || b.isNaN { return a.isNaN && b.isNaN }
    return a == b || Swift.abs(a - b) <= atol + rtol * Swift.abs(b)
  }

  /// A tensor drawn on the CPU as a leaf requiring grad on `x`'s device.
  private static func leaf(_ drawn: Tensor, like x: Tensor) -> Tensor { drawn.to(x.device).requiresGrad_() }

  /// The case's output, and the max-pooling indices or batch norm's updated running mean and
  /// variance (concatenated) where the op has them.
  private static func run(_ c: Case, _ x: Tensor, dtype: DType, _ leaves: inout [Tensor]) throws -> (Tensor, Tensor?) {
    switch try c.string("op") {
    case let op where ["conv2d_module", "conv_transpose2d_output_size"].contains(op):
      return (try runModule(op, c, x, dtype: dtype, &leaves), nil)
    case let op where ["conv2d", "conv1d", "conv_transpose2d"].contains(op):
      let weightShape = try c.ints("weight"), groups = try c.int("groups")
      let weight = leaf(torch.randn(weightShape, dtype: dtype), like: x)
      leaves.append(weight)
      var bias: Tensor?
      if try c.bool("bias") {
        bias = leaf(torch.randn([op == "conv_transpose2d" ? weightShape[1] * groups : weightShape[0]], dtype: dtype), like: x)
        leaves.append(bias!)
      }
      if op == "conv_transpose2d" {
        return (F.convTranspose2d(x, weight, bias, stride: try c.ints("stride"), padding: try c.ints("padding"),
                                  outputPadding: try c.ints("output_padding"), groups: groups, dilation: try c.ints("dilation")), nil)
      }
      let padding: any ConvolutionPadding = try (c.fields["padding"] as? String) ?? c.ints("padding")
      let conv = op == "conv2d" ? F.conv2d : F.conv1d
      return (conv(x, weight, bias, try c.ints("stride"), padding, try c.ints("dilation"), groups), nil)
    case let op where ["batch_norm", "group_norm", "layer_norm"].contains(op):
      let shape = try c.fields["normalized_shape"] == nil ? [x.dims[1]] : c.ints("normalized_shape")
      var (weight, bias): (Tensor?, Tensor?) = (nil, nil)
      if try c.bool("affine") {
        weight = leaf(torch.randn(shape, dtype: dtype), like: x)
        bias = leaf(torch.randn(shape, dtype: dtype), like: x)
        leaves += [weight!, bias!]
      }
      let eps = try c.double("eps")
      if op == "group_norm" { return (F.groupNorm(x, numGroups: try c.int("groups"), weight: weight, bias: bias, eps: eps), nil) }
      if op == "layer_norm" { return (F.layerNorm(x, shape, weight: weight, bias: bias, eps: eps), nil) }
      let running = try c.bool("running")
      let mean = running ? torch.randn([x.dims[1]], dtype: dtype).to(x.device) : nil
      let variance = running ? (torch.rand([x.dims[1]], dtype: dtype) + 0.5).to(x.device) : nil
      let output = F.batchNorm(x, runningMean: mean, runningVar: variance, weight: weight, bias: bias, training: try c.bool("training"),
                               momentum: try c.double("momentum"), eps: eps)
      return (output, running ? torch.cat([mean!, variance!]) : nil)
    case "max_pool2d":
      let (values, indices) = F.maxPool2dWithIndices(x, kernelSize: try c.ints("kernel"), stride: try c.optionalInts("stride"),
                                                     padding: try c.ints("padding"), dilation: try c.ints("dilation"), ceilMode: try c.bool("ceil_mode"))
      return (values, indices)
    case "max_pool1d":
      let (values, indices) = F.maxPool1dWithIndices(x, kernelSize: try c.ints("kernel")[0], stride: try c.optionalInts("stride")?[0],
                                                     padding: try c.ints("padding")[0], dilation: try c.ints("dilation")[0], ceilMode: try c.bool("ceil_mode"))
      return (values, indices)
    case "avg_pool2d":
      let divisor = try c.optionalInts("divisor_override")?.first
      return (F.avgPool2d(x, kernelSize: try c.ints("kernel"), stride: try c.optionalInts("stride"), padding: try c.ints("padding"),
                          ceilMode: try c.bool("ceil_mode"), countIncludePad: try c.bool("count_include_pad"), divisorOverride: divisor), nil)
    case "adaptive_avg_pool2d":
      return (F.adaptiveAvgPool2d(x, try c.ints("output_size")), nil)
    case "adaptive_max_pool2d":
      let (values, indices) = F.adaptiveMaxPool2dWithIndices(x, try c.ints("output_size"))
      return (values, indices)
    case "interpolate":
      guard let mode = F.InterpolationMode(rawValue: try c.string("mode")) else { throw Malformed(field: "mode") }
      let alignCorners = c.fields["align_corners"] as? Bool
      if c.fields["size"] != nil { return (F.interpolate(x, size: try c.ints("size"), mode: mode, alignCorners: alignCorners), nil) }
      return (F.interpolate(x, scaleFactor: try c.double("scale_factor"), mode: mode, alignCorners: alignCorners), nil)
    case "pad":
      guard let mode = F.PaddingMode(rawValue: try c.string("mode")) else { throw Malformed(field: "mode") }
      return (F.pad(x, try c.ints("pad"), mode: mode, value: try c.double("value")), nil)
    case "unfold":
      return (F.unfold(x, kernelSize: try c.ints("kernel"), dilation: try c.ints("dilation"), padding: try c.ints("padding"),
                       stride: try c.ints("stride")), nil)
    case "fold":
      return (F.fold(x, outputSize: try c.ints("output_size"), kernelSize: try c.ints("kernel"), dilation: try c.ints("dilation"),
                     padding: try c.ints("padding"), stride: try c.ints("stride")), nil)
    default:
      throw Malformed(field: "op")
    }
  }
}

extension ConvolutionSweep {
  /// `nn.Conv2d` with a padding mode, or `nn.ConvTranspose2d` called with an output size, with
  /// the weight and bias drawn after the input (the module's own initialization is replaced).
  private static func runModule(_ op: String, _ c: Case, _ x: Tensor, dtype: DType, _ leaves: inout [Tensor]) throws -> Tensor {
    let shape = try c.ints("weight"), groups = try c.int("groups"), hasBias = try c.bool("bias")
    let kernel = Array(shape.dropFirst(2)), stride = try c.ints("stride"), padding = try c.ints("padding"), dilation = try c.ints("dilation")
    let module: any Module
    let parameters: (weight: Tensor, bias: Tensor?)
    if op == "conv2d_module" {
      guard let mode = nn.PaddingMode(rawValue: try c.string("padding_mode")) else { throw Malformed(field: "padding_mode") }
      let conv = nn.Conv2d(shape[1] * groups, shape[0], kernelSize: kernel, stride: stride, padding: padding, dilation: dilation,
                           groups: groups, bias: hasBias, paddingMode: mode, dtype: dtype).to(x.device)
      (module, parameters) = (conv, (conv.weight, conv.bias))
    } else {
      let conv = nn.ConvTranspose2d(shape[0], shape[1] * groups, kernelSize: kernel, stride: stride, padding: padding, groups: groups,
                                    bias: hasBias, dilation: dilation, dtype: dtype).to(x.device)
      (module, parameters) = (conv, (conv.weight, conv.bias))
    }
    torch.noGrad {
      parameters.weight.copy_(torch.randn(shape, dtype: dtype))
      if let bias = parameters.bias { bias.copy_(torch.randn(bias.dims, dtype: dtype)) }
    }
    leaves += [parameters.weight] + (parameters.bias.map { [$0] } ?? [])
    if let transposed = module as? nn.ConvTranspose2d { return transposed(x, outputSize: try c.ints("output_size")) }
    return module(x)
  }
}

extension ConvolutionSweep.Case {
  fileprivate typealias Malformed = ConvolutionSweep.Malformed

  func string(_ key: String) throws -> String {
    guard let value = fields[key] as? String else { throw Malformed(field: key) }
    return value
  }

  func double(_ key: String) throws -> Double {
    guard let value = fields[key] as? NSNumber else { throw Malformed(field: key) }
    return value.doubleValue
  }

  func int(_ key: String) throws -> Int {
    guard let value = fields[key] as? NSNumber else { throw Malformed(field: key) }
    return value.intValue
  }

  func bool(_ key: String) throws -> Bool {
    guard let value = fields[key] as? Bool else { throw Malformed(field: key) }
    return value
  }

  func ints(_ key: String) throws -> [Int] {
    guard let value = try optionalInts(key) else { throw Malformed(field: key) }
    return value
  }

  /// A list of integers, a single integer as a list of one, or nil for JSON's null.
  func optionalInts(_ key: String) throws -> [Int]? {
    switch fields[key] {
    case is NSNull: return nil
    case let number as NSNumber: return [number.intValue]
    case let list as [NSNumber]: return list.map(\.intValue)
    default: throw Malformed(field: key)
    }
  }

  func dtype() throws -> DType {
    switch try string("dtype") {
    case "float32": return .float32
    case "float64": return .float64
    default: throw Malformed(field: "dtype")
    }
  }

  /// A tensor's values, stored as the base64 of its little-endian float32 or float64 bytes
  /// (exactly PyTorch's values, a fifth of the size of decimals).
  func values(_ key: String, _ dtype: DType) throws -> [Double] {
    try Self.decode(fields[key], dtype, field: key)
  }

  func gradients(_ dtype: DType) throws -> [[Double]] {
    guard let list = fields["grads"] as? [Any] else { throw Malformed(field: "grads") }
    return try list.map { try Self.decode($0, dtype, field: "grads") }
  }

  private static func decode(_ encoded: Any?, _ dtype: DType, field: String) throws -> [Double] {
    guard let text = encoded as? String, let data = Data(base64Encoded: text), data.count % dtype.itemSize == 0 else {
      throw Malformed(field: field)
    }
    return data.withUnsafeBytes { bytes in
      dtype == .float64 ? bytes.bindMemory(to: Double.self).map { $0 } : bytes.bindMemory(to: Float.self).map(Double.init)
    }
  }
}
