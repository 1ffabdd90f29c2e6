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

  /// Crops a `size` region at a random place (`RandomCrop`), after padding the image with
  /// `fill` (`padding`: all sides, [left/right, top/bottom] or [left, top, right, bottom], as
  /// torchvision's). The corner is drawn as torchvision's `get_params` draws it: the row, then
  /// the column, each `torch.randint(0, n + 1, (1,))`, nothing when the image is already `size`.
  public struct RandomCrop: Transform {
    public let size: [Int]
    public let padding: [Int]
    public let fill: Double

    public init(_ size: Int, padding: Int = 0, fill: Double = 0) { self.init([size, size], padding: [padding], fill: fill) }

    public init(_ size: [Int], padding: [Int] = [0], fill: Double = 0) {
      torchCheck(size.count == 2 || size.count == 1, "Please provide only two dimensions (h, w) for size.", kind: "ValueError")
      torchCheck([1, 2, 4].contains(padding.count),
        "Padding must be an int or a 1, 2, or 4 element tuple, not a \(padding.count) element tuple", kind: "ValueError")
      self.size = size.count == 1 ? [size[0], size[0]] : size
      self.padding = padding
      self.fill = fill
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
      let axes = ImageAxes(input)
      let padded = padding.allSatisfy { $0 == 0 } ? input : pad(input, axes)
      let (height, width) = (padded.size(axes.height), padded.size(axes.width))
      let (th, tw) = (size[0], size[1])
      torchCheck(height >= th && width >= tw,
        "Required crop size (\(th), \(tw)) is larger than input image size (\(height), \(width))", kind: "ValueError")
      if height == th && width == tw { return padded }
      let top = Int(torch.randint(0, height - th + 1, [1]).item(Int64.self))
      let left = Int(torch.randint(0, width - tw + 1, [1]).item(Int64.self))
      return padded.narrow(axes.height, start: top, length: th).narrow(axes.width, start: left, length: tw)
    }

    /// Pads the image's height and width (left, top, right, bottom as torchvision orders them).
    private func pad(_ input: Tensor, _ axes: ImageAxes) -> Tensor {
      let (left, top, right, bottom) = switch padding.count {
      case 1: (padding[0], padding[0], padding[0], padding[0])
      case 2: (padding[0], padding[1], padding[0], padding[1])
      default: (padding[0], padding[1], padding[2], padding[3])
      }
      // F.pad lists the last dim first: channels last leaves the channel dim unpadded.
      let widths = axes.width == input.dim() - 1 ? [left, right, top, bottom] : [0, 0, left, right, top, bottom]
      return F.pad(input, widths, value: fill)
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
