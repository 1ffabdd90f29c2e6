extension nn {
  /// Max over sliding windows of images (`torch.nn.MaxPool2d`); `stride` defaults to the kernel size.
  public final class MaxPool2d: Module {
    public let kernelSize: any IntOrTuple
    public let stride: any IntOrTuple
    public let padding: any IntOrTuple
    public let dilation: any IntOrTuple
    public let ceilMode: Bool
    public let returnIndices: Bool

    public init(kernelSize: any IntOrTuple, stride: (any IntOrTuple)? = nil, padding: any IntOrTuple = 0, dilation: any IntOrTuple = 1,
                returnIndices: Bool = false, ceilMode: Bool = false) {
      self.kernelSize = kernelSize
      self.stride = stride ?? kernelSize
      self.padding = padding
      self.dilation = dilation
      self.returnIndices = returnIndices
      self.ceilMode = ceilMode
    }

    /// `nn.MaxPool2d(2)`, `nn.MaxPool2d((2, 3), stride=(1, 2))`.
    public convenience init(_ kernelSize: any IntOrTuple, stride: (any IntOrTuple)? = nil, padding: any IntOrTuple = 0,
                            dilation: any IntOrTuple = 1, returnIndices: Bool = false, ceilMode: Bool = false) {
      self.init(kernelSize: kernelSize, stride: stride, padding: padding, dilation: dilation, returnIndices: returnIndices, ceilMode: ceilMode)
    }

    /// `nn.MaxPool2d(3, 2, 1)`: kernel size, stride and padding by position.
    public convenience init(_ kernelSize: any IntOrTuple, _ stride: any IntOrTuple, _ padding: any IntOrTuple = 0,
                            dilation: any IntOrTuple = 1, returnIndices: Bool = false, ceilMode: Bool = false) {
      self.init(kernelSize: kernelSize, stride: stride, padding: padding, dilation: dilation, returnIndices: returnIndices, ceilMode: ceilMode)
    }

    public func forward(_ input: Tensor) -> Tensor {
      torchCheck(!returnIndices,
        "MaxPool2d(returnIndices: true) gives (values, indices), which one Tensor cannot hold: call forwardWithIndices(x)",
        kind: "TypeError")
      return F.maxPool2d(input, kernelSize: kernelSize, stride: stride, padding: padding, dilation: dilation, ceilMode: ceilMode)
    }

    /// The maxima and their flat positions in each input plane (`return_indices=True`).
    public func forwardWithIndices(_ input: Tensor) -> (values: Tensor, indices: Tensor) {
      F.maxPool2dWithIndices(input, kernelSize: kernelSize, stride: stride, padding: padding, dilation: dilation, ceilMode: ceilMode)
    }

    public var extraRepr: String {
      "kernel_size=\(kernelSize.pythonDescription), stride=\(stride.pythonDescription), padding=\(padding.pythonDescription), dilation=\(dilation.pythonDescription), ceil_mode=\(pythonRepr(ceilMode))"
    }
  }

  /// Max over sliding windows of sequences (`torch.nn.MaxPool1d`).
  public final class MaxPool1d: Module {
    public let kernelSize: Int
    public let stride: Int
    public let padding: Int
    public let dilation: Int
    public let ceilMode: Bool

    public init(_ kernelSize: Int, stride: Int? = nil, padding: Int = 0, dilation: Int = 1, ceilMode: Bool = false) {
      self.kernelSize = kernelSize
      self.stride = stride ?? kernelSize
      self.padding = padding
      self.dilation = dilation
      self.ceilMode = ceilMode
    }

    public func forward(_ input: Tensor) -> Tensor {
      F.maxPool1d(input, kernelSize: kernelSize, stride: stride, padding: padding, dilation: dilation, ceilMode: ceilMode)
    }

    public var extraRepr: String {
      "kernel_size=\(kernelSize), stride=\(stride), padding=\(padding), dilation=\(dilation), ceil_mode=\(pythonRepr(ceilMode))"
    }
  }

  /// Mean over sliding windows of images (`torch.nn.AvgPool2d`).
  public final class AvgPool2d: Module {
    public let kernelSize: any IntOrTuple
    public let stride: any IntOrTuple
    public let padding: any IntOrTuple
    public let ceilMode: Bool
    public let countIncludePad: Bool
    public let divisorOverride: Int?

    public init(_ kernelSize: any IntOrTuple, stride: (any IntOrTuple)? = nil, padding: any IntOrTuple = 0, ceilMode: Bool = false,
                countIncludePad: Bool = true, divisorOverride: Int? = nil) {
      self.kernelSize = kernelSize
      self.stride = stride ?? kernelSize
      self.padding = padding
      self.ceilMode = ceilMode
      self.countIncludePad = countIncludePad
      self.divisorOverride = divisorOverride
    }

    public func forward(_ input: Tensor) -> Tensor {
      F.avgPool2d(input, kernelSize: kernelSize, stride: stride, padding: padding, ceilMode: ceilMode,
                  countIncludePad: countIncludePad, divisorOverride: divisorOverride)
    }

    public var extraRepr: String {
      "kernel_size=\(kernelSize.pythonDescription), stride=\(stride.pythonDescription), padding=\(padding.pythonDescription)"
    }
  }

  /// Pooling to a fixed output size (PyTorch's `_AdaptiveAvgPoolNd`/`_AdaptiveMaxPoolNd`).
  public class AdaptivePool2d: Module {
    public let outputSize: any IntOrTuple
    public init(_ outputSize: any IntOrTuple) { self.outputSize = outputSize }
    /// `nn.AdaptiveAvgPool2d(output_size=(7, 7))`.
    public convenience init(outputSize: any IntOrTuple) { self.init(outputSize) }
    public var extraRepr: String { "output_size=\(outputSize.pythonDescription)" }
    /// Overridden by each kind of pooling (this base is not a layer by itself).
    public func forward(_ input: Tensor) -> Tensor {
      torchFail("Module [\(typeName)] is missing the required \"forward\" function", kind: "NotImplementedError")
    }
  }

  /// Average pooling to a fixed output size (`torch.nn.AdaptiveAvgPool2d`).
  public final class AdaptiveAvgPool2d: AdaptivePool2d {
    public override func forward(_ input: Tensor) -> Tensor { F.adaptiveAvgPool2d(input, outputSize) }
  }

  /// Max pooling to a fixed output size (`torch.nn.AdaptiveMaxPool2d`).
  public final class AdaptiveMaxPool2d: AdaptivePool2d {
    public override func forward(_ input: Tensor) -> Tensor { F.adaptiveMaxPool2d(input, outputSize) }
  }
}
