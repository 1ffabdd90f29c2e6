// Pixel shuffle (sub-pixel convolution's rearrangement) and the padding modules over F.pad.

extension F {
  /// [*, C·r², H, W] → [*, C, H·r, W·r]: each group of r² channels becomes an r×r block
  /// (`F.pixel_shuffle`, node `PixelShuffleBackward0`).
  public static func pixelShuffle(_ input: Tensor, upscaleFactor r: Int) -> Tensor {
    torchCheck(input.dim() >= 3, "pixel_shuffle expects input to have at least 3 dimensions, but got input with \(input.dim()) dimension(s)")
    torchCheck(r > 0, "pixel_shuffle expects a positive upscale_factor, but got \(r)")
    let (c, h, w) = (input.size(-3), input.size(-2), input.size(-1))
    torchCheck(c % (r * r) == 0,
      "pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of upscale_factor, but input.size(-3)=\(c) is not divisible by \(r * r)")
    let batch = Array(input.dims.dropLast(3)), b = batch.count
    return Tensor.composite("PixelShuffleBackward0", [input]) { x in
      x[0].reshape(batch + [c / (r * r), r, r, h, w])
        .permute(Array(0..<b) + [b, b + 3, b + 1, b + 4, b + 2])
        .reshape(batch + [c / (r * r), h * r, w * r])
    }
  }

  /// The inverse of `pixelShuffle`: [*, C, H·r, W·r] → [*, C·r², H, W]
  /// (`F.pixel_unshuffle`, node `PixelUnshuffleBackward0`).
  public static func pixelUnshuffle(_ input: Tensor, downscaleFactor r: Int) -> Tensor {
    torchCheck(input.dim() >= 3, "pixel_unshuffle expects input to have at least 3 dimensions, but got input with \(input.dim()) dimension(s)")
    torchCheck(r > 0, "pixel_unshuffle expects a positive downscale_factor, but got \(r)")
    let (c, h, w) = (input.size(-3), input.size(-2), input.size(-1))
    torchCheck(h % r == 0, "pixel_unshuffle expects height to be divisible by downscale_factor, but input.size(-2)=\(h) is not divisible by \(r)")
    torchCheck(w % r == 0, "pixel_unshuffle expects width to be divisible by downscale_factor, but input.size(-1)=\(w) is not divisible by \(r)")
    let batch = Array(input.dims.dropLast(3)), b = batch.count
    return Tensor.composite("PixelUnshuffleBackward0", [input]) { x in
      x[0].reshape(batch + [c, h / r, r, w / r, r])
        .permute(Array(0..<b) + [b, b + 2, b + 4, b + 1, b + 3])
        .reshape(batch + [c * r * r, h / r, w / r])
    }
  }
}

extension nn {
  /// `torch.nn.PixelShuffle`.
  public final class PixelShuffle: Module {
    public let upscaleFactor: Int
    public init(_ upscaleFactor: Int) { self.upscaleFactor = upscaleFactor }
    public func forward(_ input: Tensor) -> Tensor { F.pixelShuffle(input, upscaleFactor: upscaleFactor) }
    public var extraRepr: String { "upscale_factor=\(upscaleFactor)" }
  }

  /// `torch.nn.PixelUnshuffle`.
  public final class PixelUnshuffle: Module {
    public let downscaleFactor: Int
    public init(_ downscaleFactor: Int) { self.downscaleFactor = downscaleFactor }
    public func forward(_ input: Tensor) -> Tensor { F.pixelUnshuffle(input, downscaleFactor: downscaleFactor) }
    public var extraRepr: String { "downscale_factor=\(downscaleFactor)" }
  }

  /// Pads an image's last two dims by `F.pad` (`ZeroPad2d`, `ConstantPad2d`, `ReflectionPad2d`,
  /// `ReplicationPad2d`): one size for all four sides, or [left, right, top, bottom].
  public class Pad2d: Module {
    public let padding: [Int]
    let mode: F.PaddingMode
    let value: Double
    init(_ padding: [Int], mode: F.PaddingMode, value: Double = 0) {
      torchCheck(padding.count == 1 || padding.count == 4, "expected padding to be a single integer value or a list of 4 values")
      self.padding = padding.count == 1 ? Array(repeating: padding[0], count: 4) : padding
      (self.mode, self.value) = (mode, value)
    }
    public func forward(_ input: Tensor) -> Tensor { F.pad(input, padding, mode: mode, value: value) }
    var paddingRepr: String { "(" + padding.map(String.init).joined(separator: ", ") + ")" }
    public var extraRepr: String { paddingRepr }
  }

  /// Pads with zeros (`torch.nn.ZeroPad2d`).
  public final class ZeroPad2d: Pad2d {
    public init(_ padding: Int...) { super.init(padding, mode: .constant) }
    public init(_ padding: [Int]) { super.init(padding, mode: .constant) }
  }

  /// Pads with `value` (`torch.nn.ConstantPad2d`).
  public final class ConstantPad2d: Pad2d {
    public init(_ padding: [Int], _ value: Double) { super.init(padding, mode: .constant, value: value) }
    public convenience init(_ padding: Int, _ value: Double) { self.init([padding], value) }
    public override var extraRepr: String { "padding=\(paddingRepr), value=\(pythonRepr(value))" }
  }

  /// Pads with the input mirrored at its edges (`torch.nn.ReflectionPad2d`).
  public final class ReflectionPad2d: Pad2d {
    public init(_ padding: Int...) { super.init(padding, mode: .reflect) }
    public init(_ padding: [Int]) { super.init(padding, mode: .reflect) }
  }

  /// Pads with the edge values repeated (`torch.nn.ReplicationPad2d`).
  public final class ReplicationPad2d: Pad2d {
    public init(_ padding: Int...) { super.init(padding, mode: .replicate) }
    public init(_ padding: [Int]) { super.init(padding, mode: .replicate) }
  }
}
