/// Element conversions for checkpoint storages that cannot be used in place: other byte
/// orders, misaligned records, and (with `widening: true`) the dtypes swift-torch lacks,
/// converted exactly (float16, bfloat16 and float8 to float32, int8/16/32 and uint16/32 to int64).
enum StorageConversion {
  /// Converts `count` elements of PyTorch dtype `type` ("torch.float16") at `source` into `target`.
  static func convert(_ source: UnsafeRawPointer, from type: String, count: Int, bigEndian: Bool, into target: UnsafeMutableRawPointer) {
    func each<S: FixedWidthInteger, T>(_: S.Type, _: T.Type, _ transform: (S) -> T) {
      let out = target.assumingMemoryBound(to: T.self)
      for i in 0..<count {
        let raw = source.loadUnaligned(fromByteOffset: i * MemoryLayout<S>.size, as: S.self)
        out[i] = transform(bigEndian ? S(bigEndian: raw) : S(littleEndian: raw))
      }
    }
    switch type {
    case "torch.float32": each(UInt32.self, UInt32.self) { $0 }
    case "torch.float64", "torch.int64": each(UInt64.self, UInt64.self) { $0 }
    case "torch.uint8", "torch.bool": each(UInt8.self, UInt8.self) { $0 }
    case "torch.float16": each(UInt16.self, Float.self, halfToFloat)
    case "torch.bfloat16": each(UInt16.self, Float.self) { Float(bitPattern: UInt32($0) << 16) }
    case "torch.float8_e5m2": each(UInt8.self, Float.self) { halfToFloat(UInt16($0) << 8) }
    case "torch.float8_e4m3fn": each(UInt8.self, Float.self, e4m3ToFloat)
    case "torch.int8": each(UInt8.self, Int64.self) { Int64(Int8(bitPattern: $0)) }
    case "torch.int16": each(UInt16.self, Int64.self) { Int64(Int16(bitPattern: $0)) }
    case "torch.int32": each(UInt32.self, Int64.self) { Int64(Int32(bitPattern: $0)) }
    case "torch.uint16": each(UInt16.self, Int64.self) { Int64($0) }
    case "torch.uint32": each(UInt32.self, Int64.self) { Int64($0) }
    default: preconditionFailure("no conversion from \(type)")
    }
  }

  /// float8 e4m3fn (bias 7, no infinities, S.1111.111 is NaN) to binary32, exactly.
  static func e4m3ToFloat(_ bits: UInt8) -> Float {
    let exponent = Int(bits >> 3) & 0xF, mantissa = Float(bits & 7)
    let magnitude: Float =
      if exponent == 15 && bits & 7 == 7 { .nan }
      else if exponent == 0 { mantissa * 0x1p-9 }
      else { (1 + mantissa / 8) * Float(sign: .plus, exponent: exponent - 7, significand: 1) }
    return bits & 0x80 == 0 ? magnitude : -magnitude
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
