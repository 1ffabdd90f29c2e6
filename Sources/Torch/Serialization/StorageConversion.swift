/// Element conversions for checkpoint storages that cannot be used in place: other byte
/// orders, misaligned records, and (with `widening: true`) the dtypes swift-torch lacks,
/// converted exactly (float16 and bfloat16 to float32, int8/16/32 to int64).
enum StorageConversion {
  /// Converts `count` elements of PyTorch storage class `kind` at `source` into `target`.
  static func convert(_ source: UnsafeRawPointer, kind: String, count: Int, bigEndian: Bool, into target: UnsafeMutableRawPointer) {
    func each<S: FixedWidthInteger, T>(_: S.Type, _: T.Type, _ transform: (S) -> T) {
      let out = target.assumingMemoryBound(to: T.self)
      for i in 0..<count {
        let raw = source.loadUnaligned(fromByteOffset: i * MemoryLayout<S>.size, as: S.self)
        out[i] = transform(bigEndian ? S(bigEndian: raw) : S(littleEndian: raw))
      }
    }
    switch kind {
    case "FloatStorage": each(UInt32.self, UInt32.self) { $0 }
    case "DoubleStorage", "LongStorage": each(UInt64.self, UInt64.self) { $0 }
    case "ByteStorage", "BoolStorage": each(UInt8.self, UInt8.self) { $0 }
    case "HalfStorage": each(UInt16.self, Float.self, halfToFloat)
    case "BFloat16Storage": each(UInt16.self, Float.self) { Float(bitPattern: UInt32($0) << 16) }
    case "CharStorage": each(UInt8.self, Int64.self) { Int64(Int8(bitPattern: $0)) }
    case "ShortStorage": each(UInt16.self, Int64.self) { Int64(Int16(bitPattern: $0)) }
    case "IntStorage": each(UInt32.self, Int64.self) { Int64(Int32(bitPattern: $0)) }
    default: preconditionFailure("no conversion from \(kind)")
    }
  }

  /// IEEE binary16 to binary32, exactly (subnormals, infinities and NaN payloads included).
  static func halfToFloat(_ bits: UInt16) -> Float {
    let sign = UInt32(bits & 0x8000) << 16
    let exponent = Int(bits >> 10) & 0x1F
    let mantissa = UInt32(bits & 0x3FF)
    switch exponent {
    case 0:
      let magnitude = Float(mantissa) * 0x1p-24
      return sign == 0 ? magnitude : -magnitude
    case 31: return Float(bitPattern: sign | 0x7F80_0000 | mantissa << 13)
    default: return Float(bitPattern: sign | UInt32(exponent + 112) << 23 | mantissa << 13)
    }
  }
}
