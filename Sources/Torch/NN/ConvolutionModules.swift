import Foundation

extension nn {
  /// How a convolution module fills its padding (`padding_mode`).
  public enum PaddingMode: String, Sendable {
    case zeros, reflect, replicate, circular
  }

  /// The configuration every convolution module shares (PyTorch's `_ConvNd`), with its
  /// checks, initialization and repr.
  struct ConvolutionOptions {
    let inChannels: Int
    let outChannels: Int
    let kernelSize: [Int]
    let stride: [Int]
    /// A size per spatial dim, or nil with `paddingString` ("same" / "valid").
    let padding: [Int]?
    let paddingString: String?
    let dilation: [Int]
    let outputPadding: [Int]
    let groups: Int
    let paddingMode: PaddingMode

    init(_ inChannels: Int, _ outChannels: Int, kernelSize: any IntOrTuple, stride: any IntOrTuple, padding: any ConvolutionPadding,
         dilation: any IntOrTuple, outputPadding: any IntOrTuple = 0, groups: Int, paddingMode: PaddingMode, dims: Int) {
      torchCheck(groups > 0, "groups must be a positive integer", kind: "ValueError")
      torchCheck(inChannels % groups == 0, "in_channels must be divisible by groups", kind: "ValueError")
      torchCheck(outChannels % groups == 0, "out_channels must be divisible by groups", kind: "ValueError")
      self.inChannels = inChannels
      self.outChannels = outChannels
      self.kernelSize = kernelSize.values(dims)
      self.stride = stride.values(dims)
      self.dilation = dilation.values(dims)
      self.outputPadding = outputPadding.values(dims)
      self.groups = groups
      self.paddingMode = paddingMode
      switch padding {
      case let mode as String:
        torchCheck(mode == "same" || mode == "valid",
          "Invalid padding string '\(mode)', should be one of ['valid', 'same']", kind: "ValueError")
        torchCheck(mode != "same" || self.stride.allSatisfy { $0 == 1 },
          "padding='same' is not supported for strided convolutions", kind: "ValueError")
        (self.padding, paddingString) = (nil, mode)
      case let size as any IntOrTuple:
        (self.padding, paddingString) = (size.values(dims), nil)
      default:
        torchFail("padding must be an int, a tuple of ints, 'same' or 'valid'", kind: "TypeError")
      }
    }

    /// `padding` as `F.conv2d` takes it.
    var functionalPadding: any ConvolutionPadding { padding ?? paddingString! }

    /// For a padding mode other than zeros: the `F.pad` sizes, last dim first
    /// (`_reversed_padding_repeated_twice`).
    var explicitPadding: [Int] {
      if let padding { return padding.reversed().flatMap { [$0, $0] } }
      if paddingString == "valid" { return Array(repeating: 0, count: 2 * kernelSize.count) }
      return (0..<kernelSize.count).reversed().flatMap { d -> [Int] in
        let total = dilation[d] * (kernelSize[d] - 1)
        return [total / 2, total - total / 2]
      }
    }

    /// Convolves, padding first with `F.pad` when the mode is not zeros.
    func convolve(_ input: Tensor, _ weight: Tensor, _ bias: Tensor?, dims: Int) -> Tensor {
      let conv = dims == 1 ? F.conv1d : F.conv2d
      if paddingMode != .zeros {
        let padded = F.pad(input, explicitPadding, mode: F.PaddingMode(rawValue: paddingMode.rawValue)!)
        return conv(padded, weight, bias, stride, 0, dilation, groups)
      }
      return conv(input, weight, bias, stride, functionalPadding, dilation, groups)
    }

    /// `_ConvNd.extra_repr`.
    func repr(transposed: Bool = false, hasBias: Bool) -> String {
      var s = "\(inChannels), \(outChannels), kernel_size=\(pythonTuple(kernelSize)), stride=\(pythonTuple(stride))"
      if let padding, padding.contains(where: { $0 != 0 }) { s += ", padding=\(pythonTuple(padding))" }
      if let paddingString { s += ", padding=\(paddingString)" }
      if dilation.contains(where: { $0 != 1 }) { s += ", dilation=\(pythonTuple(dilation))" }
      if outputPadding.contains(where: { $0 != 0 }) { s += ", output_padding=\(pythonTuple(outputPadding))" }
      if groups != 1 { s += ", groups=\(groups)" }
      if !hasBias { s += ", bias=False" }
      if paddingMode != .zeros { s += ", padding_mode=\(paddingMode.rawValue)" }
      return s
    }

    /// PyTorch's `reset_parameters`: Kaiming uniform (a = √5) for the weight, then the bias
    /// uniform in ±1/√fan_in, from the default generator in that order.
    static func resetParameters(_ weight: Tensor, _ bias: Tensor?) {
      nn.`init`.kaimingUniform_(weight, a: 5.0.squareRoot())
      if let bias {
        let fanIn = nn.`init`.fans(weight).fanIn
        let bound = fanIn > 0 ? 1 / Double(fanIn).squareRoot() : 0
        nn.`init`.uniform_(bias, a: -bound, b: bound)
      }
    }
  }

  /// 2-D convolution over a batch of images (`torch.nn.Conv2d`): weight
  /// [outChannels, inChannels / groups, kH, kW], bias [outChannels].
  ///
  /// ```swift
  /// let conv = nn.Conv2d(1, 6, kernelSize: 5)                      // Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1))
  /// let same = nn.Conv2d(32, 64, kernelSize: 3, padding: "same")
  /// ```
  public final class Conv2d: Module {
    let options: ConvolutionOptions
    public let weight: Tensor
    public let bias: Tensor?

    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: any IntOrTuple, stride: any IntOrTuple = 1,
                padding: any ConvolutionPadding = 0, dilation: any IntOrTuple = 1, groups: Int = 1, bias: Bool = true,
                paddingMode: PaddingMode = .zeros, dtype: DType = .float32) {
      options = ConvolutionOptions(inChannels, outChannels, kernelSize: kernelSize, stride: stride, padding: padding,
                                   dilation: dilation, groups: groups, paddingMode: paddingMode, dims: 2)
      weight = nn.Parameter(torch.empty([outChannels, inChannels / groups] + options.kernelSize, dtype: dtype))
      self.bias = bias ? nn.Parameter(torch.empty(outChannels, dtype: dtype)) : nil
      resetParameters()
    }

    /// `nn.Conv2d(1, 6, 5)`: the kernel size as the third argument.
    public convenience init(_ inChannels: Int, _ outChannels: Int, _ kernelSize: any IntOrTuple, stride: any IntOrTuple = 1,
                            padding: any ConvolutionPadding = 0, dilation: any IntOrTuple = 1, groups: Int = 1, bias: Bool = true,
                            paddingMode: PaddingMode = .zeros, dtype: DType = .float32) {
      self.init(inChannels, outChannels, kernelSize: kernelSize, stride: stride, padding: padding, dilation: dilation,
                groups: groups, bias: bias, paddingMode: paddingMode, dtype: dtype)
    }

    public var inChannels: Int { options.inChannels }
    public var outChannels: Int { options.outChannels }
    public var kernelSize: [Int] { options.kernelSize }
    public var stride: [Int] { options.stride }
    public var dilation: [Int] { options.dilation }
    public var groups: Int { options.groups }
    public var paddingMode: PaddingMode { options.paddingMode }

    /// Draws fresh initial values (`reset_parameters`).
    public func resetParameters() { ConvolutionOptions.resetParameters(weight, bias) }

    public func forward(_ input: Tensor) -> Tensor { options.convolve(input, weight, bias, dims: 2) }
    public var extraRepr: String { options.repr(hasBias: bias != nil) }
  }

  /// 1-D convolution over a batch of sequences (`torch.nn.Conv1d`): weight
  /// [outChannels, inChannels / groups, k].
  public final class Conv1d: Module {
    let options: ConvolutionOptions
    public let weight: Tensor
    public let bias: Tensor?

    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1, padding: any ConvolutionPadding = 0,
                dilation: Int = 1, groups: Int = 1, bias: Bool = true, paddingMode: PaddingMode = .zeros, dtype: DType = .float32) {
      options = ConvolutionOptions(inChannels, outChannels, kernelSize: kernelSize, stride: stride, padding: padding,
                                   dilation: dilation, groups: groups, paddingMode: paddingMode, dims: 1)
      weight = nn.Parameter(torch.empty([outChannels, inChannels / groups, kernelSize], dtype: dtype))
      self.bias = bias ? nn.Parameter(torch.empty(outChannels, dtype: dtype)) : nil
      resetParameters()
    }

    /// `nn.Conv1d(3, 6, 3)`.
    public convenience init(_ inChannels: Int, _ outChannels: Int, _ kernelSize: Int, stride: Int = 1, padding: any ConvolutionPadding = 0,
                            dilation: Int = 1, groups: Int = 1, bias: Bool = true, paddingMode: PaddingMode = .zeros,
                            dtype: DType = .float32) {
      self.init(inChannels, outChannels, kernelSize: kernelSize, stride: stride, padding: padding, dilation: dilation,
                groups: groups, bias: bias, paddingMode: paddingMode, dtype: dtype)
    }

    public func resetParameters() { ConvolutionOptions.resetParameters(weight, bias) }
    public func forward(_ input: Tensor) -> Tensor { options.convolve(input, weight, bias, dims: 1) }
    public var extraRepr: String { options.repr(hasBias: bias != nil) }
  }

  /// Transposed 2-D convolution (`torch.nn.ConvTranspose2d`), upsampling by `stride`: weight
  /// [inChannels, outChannels / groups, kH, kW].
  public final class ConvTranspose2d: Module {
    let options: ConvolutionOptions
    public let weight: Tensor
    public let bias: Tensor?

    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: any IntOrTuple, stride: any IntOrTuple = 1,
                padding: any IntOrTuple = 0, outputPadding: any IntOrTuple = 0, groups: Int = 1, bias: Bool = true,
                dilation: any IntOrTuple = 1, dtype: DType = .float32) {
      options = ConvolutionOptions(inChannels, outChannels, kernelSize: kernelSize, stride: stride, padding: padding.values(2),
                                   dilation: dilation, outputPadding: outputPadding, groups: groups, paddingMode: .zeros, dims: 2)
      weight = nn.Parameter(torch.empty([inChannels, outChannels / groups] + options.kernelSize, dtype: dtype))
      self.bias = bias ? nn.Parameter(torch.empty(outChannels, dtype: dtype)) : nil
      resetParameters()
    }

    /// `nn.ConvTranspose2d(16, 8, 3, stride=2)`.
    public convenience init(_ inChannels: Int, _ outChannels: Int, _ kernelSize: any IntOrTuple, stride: any IntOrTuple = 1,
                            padding: any IntOrTuple = 0, outputPadding: any IntOrTuple = 0, groups: Int = 1, bias: Bool = true,
                            dilation: any IntOrTuple = 1, dtype: DType = .float32) {
      self.init(inChannels, outChannels, kernelSize: kernelSize, stride: stride, padding: padding, outputPadding: outputPadding,
                groups: groups, bias: bias, dilation: dilation, dtype: dtype)
    }

    public func resetParameters() { ConvolutionOptions.resetParameters(weight, bias) }
    public func forward(_ input: Tensor) -> Tensor { transposedConvolution(input, outputPadding: options.outputPadding) }

    /// `convt(x, output_size=...)`: the output of size `outputSize` ([H, W], or the whole
    /// shape), one of the `stride` sizes the same input can give (a stride-2 layer maps both 7
    /// and 8 to 4, so its transpose needs telling which to give back). The module's own
    /// `outputPadding` is ignored, as in PyTorch.
    public func forward(_ input: Tensor, outputSize: [Int]) -> Tensor {
      transposedConvolution(input, outputPadding: outputPadding(input, outputSize: outputSize))
    }

    /// `convt(x, outputSize: [16, 16])`, with the module's hooks.
    public func callAsFunction(_ input: Tensor, outputSize: [Int]) -> Tensor {
      callWithHooks(input) { forward($0, outputSize: outputSize) }
    }

    private func transposedConvolution(_ input: Tensor, outputPadding: [Int]) -> Tensor {
      F.convTranspose2d(input, weight, bias, stride: options.stride, padding: options.padding!, outputPadding: outputPadding,
                        groups: options.groups, dilation: options.dilation)
    }

    /// PyTorch's `_output_padding`: per spatial dimension, how far `outputSize` lies above the
    /// smallest output, (in − 1)·stride − 2·padding + dilation·(kernel − 1) + 1, which it may
    /// exceed by at most stride − 1.
    private func outputPadding(_ input: Tensor, outputSize: [Int]) -> [Int] {
      let nonSpatial = input.dim() == 4 ? 2 : 1
      let requested = outputSize.count == nonSpatial + 2 ? Array(outputSize.dropFirst(nonSpatial)) : outputSize
      torchCheck(requested.count == 2,
        "ConvTranspose2D: for \(input.dim())D input, output_size must have 2 or \(nonSpatial + 2) elements (got \(requested.count))",
        kind: "ValueError")
      let smallest = (0..<2).map { d in
        (input.dims[nonSpatial + d] - 1) * options.stride[d] - 2 * options.padding![d] + options.dilation[d] * (options.kernelSize[d] - 1) + 1
      }
      let largest = (0..<2).map { smallest[$0] + options.stride[$0] - 1 }
      torchCheck((0..<2).allSatisfy { smallest[$0] <= requested[$0] && requested[$0] <= largest[$0] },
        "requested an output size of \(requested), but valid sizes range from \(smallest) to \(largest) (for an input of \(Size(Array(input.dims.dropFirst(2)))))",
        kind: "ValueError")
      return (0..<2).map { requested[$0] - smallest[$0] }
    }
    public var extraRepr: String { options.repr(transposed: true, hasBias: bias != nil) }
  }
}
