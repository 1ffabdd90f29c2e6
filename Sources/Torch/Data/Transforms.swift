/// A transform of an image batch (uint8 `[B, H, W]`) or a single image (`[H, W]`), as
/// torchvision's transforms (which work per image) compose.
public protocol Transform {
  func callAsFunction(_ input: Tensor) -> Tensor
}

extension transforms {
  /// uint8 pixels to float32 in [0, 1] with a channel dim: `[H, W]` → `[1, H, W]`,
  /// `[B, H, W]` → `[B, 1, H, W]` (`ToTensor`).
  public struct ToTensor: Transform {
    public init() {}
    public func callAsFunction(_ input: Tensor) -> Tensor {
      let scaled = input.dtype == .uint8 ? input.to(.float32) / 255.0 : input.to(.float32)
      return scaled.unsqueeze(scaled.dim() == 2 ? 0 : 1)
    }
  }

  /// (x − mean) / std per channel (`Normalize`), for one-channel images here.
  public struct Normalize: Transform {
    public let mean: [Double]
    public let std: [Double]
    public init(mean: [Double], std: [Double]) {
      self.mean = mean
      self.std = std
    }
    public func callAsFunction(_ input: Tensor) -> Tensor {
      let channelDim = input.dim() == 3 ? 0 : 1
      var shape = [Int](repeating: 1, count: input.dim())
      shape[channelDim] = mean.count
      let m = torch.tensor(mean).reshape(shape), s = torch.tensor(std).reshape(shape)
      return (input - m) / s
    }
  }

  /// Any function (`Lambda`), e.g. a one-hot target transform.
  public struct Lambda: Transform {
    let body: (Tensor) -> Tensor
    public init(_ body: @escaping (Tensor) -> Tensor) { self.body = body }
    public func callAsFunction(_ input: Tensor) -> Tensor { body(input) }
  }

  /// Transforms applied in order (`Compose`).
  public struct Compose: Transform {
    let steps: [any Transform]
    public init(_ steps: [any Transform]) { self.steps = steps }
    public func callAsFunction(_ input: Tensor) -> Tensor { steps.reduce(input) { $1($0) } }
  }
}
