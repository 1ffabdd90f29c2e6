/// PNG files (8-bit grey or RGB), compressed with the system's zlib: how images are looked at
/// here, where PyTorch's tutorials show them with matplotlib.
enum PNG {
  private typealias Compress2 = @convention(c) (UnsafeMutablePointer<UInt8>, UnsafeMutablePointer<UInt>, UnsafePointer<UInt8>, UInt, Int32) -> Int32
  private typealias CompressBound = @convention(c) (UInt) -> UInt
  private typealias CRC32 = @convention(c) (UInt, UnsafePointer<UInt8>, UInt32) -> UInt

  /// The file's bytes for `pixels`, rows of `width * channels` bytes (1 channel: grey, 3: RGB).
  static func encode(_ pixels: [UInt8], width: Int, height: Int, channels: Int) throws(TorchError) -> [UInt8] {
    guard let compress = try ZLib.symbol("compress2", Compress2.self), let bound = try ZLib.symbol("compressBound", CompressBound.self),
      let crc = try ZLib.symbol("crc32", CRC32.self)
    else { throw .backend("zlib is missing compress2/compressBound/crc32") }
    precondition(pixels.count == width * height * channels && (channels == 1 || channels == 3))
    // Each row starts with its filter type; 0 (none).
    var raw = [UInt8](repeating: 0, count: height * (1 + width * channels))
    for row in 0..<height {
      raw.replaceSubrange((row * (1 + width * channels) + 1)..<((row + 1) * (1 + width * channels)),
                          with: pixels[(row * width * channels)..<((row + 1) * width * channels)])
    }
    var compressedCount = bound(UInt(raw.count))
    var compressed = [UInt8](repeating: 0, count: Int(compressedCount))
    let status = compress(&compressed, &compressedCount, raw, UInt(raw.count), 6)
    guard status == 0 else { throw .backend("zlib compress2 failed with status \(status)") }
    func bigEndian(_ value: Int) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (24 - 8 * $0)) } }
    func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
      let body = Array(type.utf8) + data
      return bigEndian(data.count) + body + bigEndian(Int(crc(0, body, UInt32(body.count))))
    }
    let header = bigEndian(width) + bigEndian(height) + [8, channels == 3 ? 2 : 0, 0, 0, 0]
    return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + chunk("IHDR", header)
      + chunk("IDAT", Array(compressed[..<Int(compressedCount)])) + chunk("IEND", [])
  }
}

extension utils {
  /// Images side by side in a grid (`torchvision.utils.make_grid`): `[B, C, H, W]` (or one
  /// `[C, H, W]` / `[H, W]` image) with values in [0, 1] becomes `[3, rows, columns]`, `nrow`
  /// images per row, `padding` pixels of `padValue` around each; grey images are repeated into
  /// three channels, and a single image is returned without padding, as torchvision does.
  public static func makeGrid(_ images: Tensor, nrow: Int = 8, padding: Int = 2, padValue: Double = 0) -> Tensor {
    var batch = images.detach()
    if batch.dim() == 2 { batch = batch.unsqueeze(0) }
    if batch.dim() == 3 { batch = (batch.size(0) == 1 ? torch.cat([batch, batch, batch], dim: 0) : batch).unsqueeze(0) }
    torchCheck(batch.dim() == 4, "make_grid expects a 2-, 3- or 4-D tensor, got \(images.dim())-D")
    if batch.size(1) == 1 { batch = torch.cat([batch, batch, batch], dim: 1) }
    if batch.size(0) == 1 { return batch.squeeze(0) }
    let count = batch.size(0), columns = Swift.min(nrow, count), rows = (count + columns - 1) / columns
    let height = batch.size(2) + padding, width = batch.size(3) + padding
    let grid = torch.full([batch.size(1), height * rows + padding, width * columns + padding], padValue, dtype: batch.dtype)
    for k in 0..<count {
      let (y, x) = (k / columns, k % columns)
      grid.narrow(1, start: y * height + padding, length: height - padding)
        .narrow(2, start: x * width + padding, length: width - padding).copy_(batch[k])
    }
    return grid
  }

  /// Writes images to a PNG file (`torchvision.utils.save_image`): a batch goes through
  /// `makeGrid` first; values in [0, 1] become bytes as torchvision rounds them
  /// (`x * 255 + 0.5`, clamped, truncated). Written atomically.
  public static func saveImage(_ images: Tensor, to path: String, nrow: Int = 8, padding: Int = 2, padValue: Double = 0) throws {
    let grid = makeGrid(images, nrow: nrow, padding: padding, padValue: padValue)
    let bytes = imageBytes(grid)
    try AtomicFile.write(PNG.encode(bytes.toArray(UInt8.self), width: bytes.size(1), height: bytes.size(0), channels: bytes.size(2)), to: path)
  }

  /// `[C, H, W]` in [0, 1] to `[H, W, C]` uint8, rounded as torchvision rounds.
  static func imageBytes(_ grid: Tensor) -> Tensor {
    torch.noGrad { ((grid.float() * 255 + 0.5).clamp(min: 0, max: 255)).permute([1, 2, 0]).to(.uint8).contiguous() }
  }
}
