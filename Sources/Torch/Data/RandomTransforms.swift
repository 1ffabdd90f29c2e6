extension transforms {
  /// Flips an image left to right with probability `p` (`RandomHorizontalFlip`), drawing
  /// `torch.rand(1)` from the default generator per image as torchvision does, so a seeded
  /// pipeline flips the images torchvision flips.
  public struct RandomHorizontalFlip: Transform {
    public let p: Double
    public init(p: Double = 0.5) { self.p = p }
    public func callAsFunction(_ input: Tensor) -> Tensor {
      // PyTorch compares the float32 draw with p in float32 (a Python float does not promote).
      torch.rand(1).item(Float.self) < Float(p) ? input.flip(dims: [ImageAxes(input).width]) : input
    }
  }

  /// Pads an image's sides (`Pad`): `padding` all round, [left/right, top/bottom] or [left, top,
  /// right, bottom], with `fill` (`.constant`) or by repeating the edge pixel (`.edge`),
  /// mirroring without it (`.reflect`: 3 2 | 1 2 3) or with it (`.symmetric`: 2 1 | 1 2 3), as
  /// torchvision pads, on channels-last pixels or `[..., H, W]` tensors.
  public struct Pad: Transform {
    public enum Mode: String, Sendable { case constant, edge, reflect, symmetric }
    public let padding: [Int]
    public let fill: Double
    public let paddingMode: Mode

    public init(_ padding: Int, fill: Double = 0, paddingMode: Mode = .constant) {
      self.init([padding], fill: fill, paddingMode: paddingMode)
    }

    public init(_ padding: [Int], fill: Double = 0, paddingMode: Mode = .constant) {
      (self.padding, self.fill, self.paddingMode) = (Self.checked(padding), fill, paddingMode)
    }

    /// `padding` if torchvision accepts its length.
    static func checked(_ padding: [Int]) -> [Int] {
      torchCheck([1, 2, 4].contains(padding.count),
        "Padding must be an int or a 1, 2, or 4 element tuple, not a \(padding.count) element tuple", kind: "ValueError")
      return padding
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
      let axes = ImageAxes(input)
      let (left, top, right, bottom) = switch padding.count {
      case 1: (padding[0], padding[0], padding[0], padding[0])
      case 2: (padding[0], padding[1], padding[0], padding[1])
      default: (padding[0], padding[1], padding[2], padding[3])
      }
      guard paddingMode != .constant else {
        // F.pad lists the last dim first: channels last leaves the channel dim unpadded.
        let widths = axes.width == input.dim() - 1 ? [left, right, top, bottom] : [0, 0, left, right, top, bottom]
        return F.pad(input, widths, value: fill)
      }
      let rows = input.indexSelect(axes.height, sources(input.size(axes.height), before: top, after: bottom))
      return rows.indexSelect(axes.width, sources(input.size(axes.width), before: left, after: right))
    }

    /// For each position of an axis of `count` padded by `before` and `after`, the input
    /// position the mode copies.
    private func sources(_ count: Int, before: Int, after: Int) -> Tensor {
      let limit = paddingMode == .reflect ? count - 1 : count
      torchCheck(max(before, after) <= limit,
        "Padding size should be less than the corresponding input dimension, but got: padding (\(before), \(after)) of a dimension of size \(count) in mode \(paddingMode.rawValue)")
      let positions = (-before..<(count + after)).map { p -> Int64 in
        switch paddingMode {
        case .edge: Int64(min(max(p, 0), count - 1))
        case .reflect: Int64(p < 0 ? -p : p >= count ? 2 * (count - 1) - p : p)
        default: Int64(p < 0 ? -p - 1 : p >= count ? 2 * count - 1 - p : p)
        }
      }
      return Tensor(positions, shape: [positions.count])
    }
  }

  /// Crops a `size` region at a random place (`RandomCrop`), after padding the image as `Pad`
  /// does and, with `padIfNeeded`, padding each side of a dimension smaller than `size` by the
  /// difference (torchvision's order: width, then height). The corner is drawn as torchvision's
  /// `get_params` draws it: the row, then the column, each `torch.randint(0, n + 1, (1,))`,
  /// nothing when the image is already `size`.
  public struct RandomCrop: Transform {
    public let size: [Int]
    public let padding: [Int]
    public let padIfNeeded: Bool
    public let fill: Double
    public let paddingMode: Pad.Mode

    public init(_ size: Int, padding: Int = 0, padIfNeeded: Bool = false, fill: Double = 0, paddingMode: Pad.Mode = .constant) {
      self.init([size, size], padding: [padding], padIfNeeded: padIfNeeded, fill: fill, paddingMode: paddingMode)
    }

    public init(_ size: [Int], padding: [Int] = [0], padIfNeeded: Bool = false, fill: Double = 0, paddingMode: Pad.Mode = .constant) {
      torchCheck(size.count == 2 || size.count == 1, "Please provide only two dimensions (h, w) for size.", kind: "ValueError")
      self.size = size.count == 1 ? [size[0], size[0]] : size
      (self.padding, self.padIfNeeded, self.fill, self.paddingMode) = (Pad.checked(padding), padIfNeeded, fill, paddingMode)
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
      let axes = ImageAxes(input)
      var padded = padding.allSatisfy { $0 == 0 } ? input : Pad(padding, fill: fill, paddingMode: paddingMode)(input)
      let (th, tw) = (size[0], size[1])
      if padIfNeeded && padded.size(axes.width) < tw {
        padded = Pad([tw - padded.size(axes.width), 0], fill: fill, paddingMode: paddingMode)(padded)
      }
      if padIfNeeded && padded.size(axes.height) < th {
        padded = Pad([0, th - padded.size(axes.height)], fill: fill, paddingMode: paddingMode)(padded)
      }
      let (height, width) = (padded.size(axes.height), padded.size(axes.width))
      torchCheck(height >= th && width >= tw,
        "Required crop size (\(th), \(tw)) is larger than input image size (\(height), \(width))", kind: "ValueError")
      if height == th && width == tw { return padded }
      let top = Int(torch.randint(0, height - th + 1, [1]).item(Int64.self))
      let left = Int(torch.randint(0, width - tw + 1, [1]).item(Int64.self))
      return padded.narrow(axes.height, start: top, length: th).narrow(axes.width, start: left, length: tw)
    }
  }
}

/// Where an image's height and width are: channels last for uint8 color images as datasets
/// hold them (`[H, W, 3|4]`, as `ToTensor` reads them), else the last two dims (`[H, W]`,
/// `[C, H, W]`), as torchvision's tensor transforms take them.
struct ImageAxes {
  let height: Int
  let width: Int

  init(_ image: Tensor) {
    torchCheck(image.dim() >= 2, "an image needs at least 2 dims (height, width), got \(image.dim())")
    if Self.isChannelsLast(image) {
      (height, width) = (image.dim() - 3, image.dim() - 2)
    } else {
      (height, width) = (image.dim() - 2, image.dim() - 1)
    }
  }

  /// uint8 color pixels with the channel last: `[H, W, C]` or a batch of them, C = 3 or 4.
  static func isChannelsLast(_ image: Tensor) -> Bool {
    image.dtype == .uint8 && (image.dim() == 3 || image.dim() == 4) && [3, 4].contains(image.size(-1))
  }
}
