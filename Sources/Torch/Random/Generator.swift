import CTorchKernels
import Foundation

/// A random number generator that reproduces PyTorch's CPU generator bit for bit: the same
/// seed gives the same `rand`, `randn`, `randint`, `randperm` and layer initializations.
public final class Generator: Sendable {
  /// PyTorch's default seed (`default_rng_seed_val`).
  public static let defaultSeed: UInt64 = 67_280_421_310_721

  struct State {
    var engine: MT19937
    var seed: UInt64
    var cachedNormal: Double?
  }

  let state: Locked<State>

  public init(seed: UInt64 = Generator.defaultSeed) {
    state = Locked(State(engine: MT19937(seed: seed), seed: seed, cachedNormal: nil))
  }

  /// Re-seeds the generator (`generator.manual_seed(seed)`) and returns it.
  @discardableResult
  public func manualSeed(_ seed: UInt64) -> Generator {
    state.withLock { $0 = State(engine: MT19937(seed: seed), seed: seed, cachedNormal: nil) }
    return self
  }

  /// The seed last set (`generator.initial_seed()`).
  public func initialSeed() -> UInt64 { state.withLock { $0.seed } }

  /// Byte sizes of PyTorch's saved generator state: the current layout and the legacy one.
  static let stateSize = 5056, legacyStateSize = 5048

  /// The generator's state as a uint8 tensor with PyTorch's layout (`generator.get_state()`):
  /// a state saved by PyTorch restores here and the reverse.
  public func getState() -> Tensor {
    var bytes = [UInt8](repeating: 0, count: Self.stateSize)
    withState { state in
      let (left, next) = state.engine.position
      bytes.withUnsafeMutableBytes { raw in
        raw.storeBytes(of: state.seed.littleEndian, toByteOffset: 0, as: UInt64.self)
        raw.storeBytes(of: Int32(left).littleEndian, toByteOffset: 8, as: Int32.self)
        raw.storeBytes(of: Int32(1).littleEndian, toByteOffset: 12, as: Int32.self)  // seeded
        raw.storeBytes(of: UInt64(next).littleEndian, toByteOffset: 16, as: UInt64.self)
        for (i, word) in state.engine.state.enumerated() {
          raw.storeBytes(of: UInt64(word).littleEndian, toByteOffset: 24 + 8 * i, as: UInt64.self)
        }
        if let cached = state.cachedNormal {
          raw.storeBytes(of: cached.bitPattern.littleEndian, toByteOffset: 5024, as: UInt64.self)  // normal_y
          raw.storeBytes(of: Int32(1).littleEndian, toByteOffset: 5040, as: Int32.self)  // normal_is_valid
        }
      }
    }
    return Tensor(bytes, shape: [bytes.count])
  }

  /// Restores a state from `getState()` or PyTorch's `get_rng_state()` (`generator.set_state`).
  public func setState(_ newState: Tensor) {
    torchCheck(newState.dtype == .uint8 && newState.device == .cpu, "RNG state must be a torch.ByteTensor", kind: "TypeError")
    let bytes = newState.contiguous().toArray(UInt8.self)
    torchCheck(bytes.count == Self.stateSize || bytes.count == Self.legacyStateSize,
      "Expected either a THGeneratorState of size \(Self.legacyStateSize) or a CPUGeneratorImplState of size \(Self.stateSize) but found the input RNG state size to be \(bytes.count)")
    bytes.withUnsafeBytes { raw in
      func load<T: FixedWidthInteger>(_ offset: Int, _: T.Type) -> T { T(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: T.self)) }
      let left = Int(load(8, Int32.self)), next = Int(load(16, UInt64.self))
      torchCheck(left >= 1 && left <= MT19937.n && next <= MT19937.n, "The input RNG state must be a valid MT19937 state")
      let words = (0..<MT19937.n).map { UInt32(truncatingIfNeeded: load(24 + 8 * $0, UInt64.self)) }
      let normalValid = load(5040, Int32.self) != 0
      let cached = normalValid ? Double(bitPattern: load(5024, UInt64.self)) : nil
      state.withLock {
        $0 = State(engine: MT19937(state: words, left: left, next: next), seed: load(0, UInt64.self), cachedNormal: cached)
      }
    }
  }

  /// Runs `body` with exclusive access to the generator's state.
  func withState<R>(_ body: (inout State) -> R) -> R { state.withLock { body(&$0) } }
}

extension Generator.State {
  mutating func random() -> UInt32 { engine.next() }

  mutating func random64() -> UInt64 {
    let high = UInt64(engine.next()), low = UInt64(engine.next())
    return high << 32 | low
  }

  /// A float64 in [from, to): 53 random bits from two draws (the fill kernels' formula).
  mutating func uniformDouble(_ from: Double, _ to: Double) -> Double {
    var value = 0.0
    ctk_uniform_fill_f64(&engine.raw, &value, 1, from, to)
    return value
  }

  /// Box-Muller in double with the second value cached, as `at::normal_distribution<double>`.
  mutating func normalDouble(mean: Double, std: Double) -> Double {
    if let cached = cachedNormal {
      cachedNormal = nil
      return cached * std + mean
    }
    let u1 = uniformDouble(0, 1), u2 = uniformDouble(0, 1)
    let r = (-2.0 * Foundation.log1p(-u2)).squareRoot()
    let theta = 2.0 * Double.pi * u1
    cachedNormal = r * Foundation.sin(theta)
    return r * Foundation.cos(theta) * std + mean
  }
}

extension torch {
  /// The generator that creation functions and layer initialization draw from.
  public static let defaultGenerator = Generator()

  /// The default generator's state (`torch.get_rng_state()`), in PyTorch's byte layout.
  public static func getRngState() -> Tensor { defaultGenerator.getState() }

  /// Restores the default generator (`torch.set_rng_state`), e.g. from a checkpoint.
  public static func setRngState(_ state: Tensor) { defaultGenerator.setState(state) }

  /// Seeds the default generator (`torch.manual_seed`), so seeded code prints what
  /// seeded PyTorch code prints.
  @discardableResult
  public static func manualSeed(_ seed: UInt64) -> Generator {
    defaultGenerator.manualSeed(seed)
  }

  /// The default generator's seed (`torch.initial_seed()`).
  public static func initialSeed() -> UInt64 { defaultGenerator.initialSeed() }
}
