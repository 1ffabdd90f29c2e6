import Foundation
import Synchronization

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

  let state: Mutex<State>

  public init(seed: UInt64 = Generator.defaultSeed) {
    state = Mutex(State(engine: MT19937(seed: seed), seed: seed, cachedNormal: nil))
  }

  /// Re-seeds the generator (`generator.manual_seed(seed)`) and returns it.
  @discardableResult
  public func manualSeed(_ seed: UInt64) -> Generator {
    state.withLock { $0 = State(engine: MT19937(seed: seed), seed: seed, cachedNormal: nil) }
    return self
  }

  /// The seed last set (`generator.initial_seed()`).
  public func initialSeed() -> UInt64 { state.withLock { $0.seed } }

  /// Runs `body` with exclusive access to the generator's state.
  func withState<R>(_ body: (inout State) -> R) -> R { state.withLock { body(&$0) } }
}

extension Generator.State {
  mutating func random() -> UInt32 { engine.next() }

  mutating func random64() -> UInt64 {
    let high = UInt64(engine.next()), low = UInt64(engine.next())
    return high << 32 | low
  }

  /// A float32 in [from, to): 24 random bits, scaled in double (`uniform_real` in ATen).
  mutating func uniformFloat(_ from: Float, _ to: Float) -> Float {
    let x = Double(random() & 0xFF_FFFF) / Double(1 << 24)
    return Float(x * (Double(to) - Double(from)) + Double(from))
  }

  /// A float64 in [from, to): 53 random bits from two draws.
  mutating func uniformDouble(_ from: Double, _ to: Double) -> Double {
    let x = Double(random64() & ((1 << 53) - 1)) / Double(UInt64(1) << 53)
    return x * (to - from) + from
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

  /// Seeds the default generator (`torch.manual_seed`), so seeded code prints what
  /// seeded PyTorch code prints.
  @discardableResult
  public static func manualSeed(_ seed: UInt64) -> Generator {
    defaultGenerator.manualSeed(seed)
  }

  /// The default generator's seed (`torch.initial_seed()`).
  public static func initialSeed() -> UInt64 { defaultGenerator.initialSeed() }
}
