/// A transform of one sample (an image `[H, W]`, a label), as torchvision's transforms are.
///
/// A transform that gives the same result applied to a whole batch (uint8 `[B, H, W]`) as to
/// each sample says so with `isBatchable`; datasets then transform a batch in one call, an
/// optimization with identical results. Others (a `Lambda`) run once per sample.
public protocol Transform {
  func callAsFunction(_ input: Tensor) -> Tensor
  /// Whether applying the transform to a batch equals applying it to each sample (default: no).
  var isBatchable: Bool { get }
}

extension Transform {
  public var isBatchable: Bool { false }
}

extension transforms {
  /// uint8 pixels to float32 in [0, 1], channels first (`ToTensor`): grey images gain a channel
  /// dim (`[H, W]` → `[1, H, W]`, `[B, H, W]` → `[B, 1, H, W]`); color images, which datasets
  /// hold channels last as PIL does (uint8 `[H, W, 3]` or `[H, W, 4]`, and batches of them),
  /// become `[C, H, W]` (`[B, C, H, W]`). So a uint8 batch of grey images 3 or 4 pixels wide
  /// would read as color: datasets hold grey images wider than that.
  public struct ToTensor: Transform {
    public init() {}
    public var isBatchable: Bool { true }
    public func callAsFunction(_ input: Tensor) -> Tensor {
      let scaled = input.dtype == .uint8 ? input.to(.float32) / 255.0 : input.to(.float32)
      if ImageAxes.isChannelsLast(input) { return input.dim() == 3 ? scaled.permute(2, 0, 1).contiguous() : scaled.permute(0, 3, 1, 2).contiguous() }
      return scaled.unsqueeze(scaled.dim() == 2 ? 0 : 1)
    }
  }

  /// (x − mean) / std per channel (`Normalize`), for images `[C, H, W]` and batches `[B, C, H, W]`.
  public struct Normalize: Transform {
    public let mean: [Double]
    public let std: [Double]
    public init(mean: [Double], std: [Double]) {
      self.mean = mean
      self.std = std
    }
    public var isBatchable: Bool { true }
    public func callAsFunction(_ input: Tensor) -> Tensor {
      let channelDim = input.dim() == 3 ? 0 : 1
      var shape = [Int](repeating: 1, count: input.dim())
      shape[channelDim] = mean.count
      let m = torch.tensor(mean).reshape(shape), s = torch.tensor(std).reshape(shape)
      return (input - m) / s
    }
  }

  /// Any function of one sample (`Lambda`): of an image (a `Transform`), or of a label, as the
  /// one-hot target transform `Lambda { (y: Int) in torch.zeros(10).scatter_(0, torch.tensor(y), value: 1) }`.
  public struct Lambda<Input, Output> {
    let body: (Input) -> Output
    public init(_ body: @escaping (Input) -> Output) { self.body = body }
    public func callAsFunction(_ input: Input) -> Output { body(input) }
  }

  /// Transforms applied in order (`Compose`).
  public struct Compose: Transform {
    let steps: [any Transform]
    public init(_ steps: [any Transform]) { self.steps = steps }
    public var isBatchable: Bool { steps.allSatisfy(\.isBatchable) }
    public func callAsFunction(_ input: Tensor) -> Tensor { steps.reduce(input) { $1($0) } }
  }
}

extension transforms.Lambda: Transform where Input == Tensor, Output == Tensor {
  /// A transform of images, its closure's types implied (`Lambda { x in x * 2 }`).
  public init(_ body: @escaping (Tensor) -> Tensor) { self.body = body }
}
