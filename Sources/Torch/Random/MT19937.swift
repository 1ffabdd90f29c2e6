import CTorchKernels

/// The 32-bit Mersenne Twister, exactly as PyTorch's CPU generator runs it (`at::mt19937`).
/// The engine itself is C (`CTKMT19937`), so bulk fills run at memory speed in any build.
struct MT19937 {
  static let n = 624, m = 397
  var raw = CTKMT19937()

  init(seed: UInt64) { ctk_mt_seed(&raw, seed) }

  /// Restores a state saved with `state` and `position`.
  init(state: [UInt32], left: Int, next: Int) {
    state.withUnsafeBytes { words in withUnsafeMutableBytes(of: &raw.state) { $0.copyMemory(from: words) } }
    raw.index = Int32(left == 1 ? Self.n : next)
    raw.fresh = left == 1 && next == 0 ? 1 : 0
  }

  /// The 624 state words.
  var state: [UInt32] { withUnsafeBytes(of: raw.state) { Array($0.bindMemory(to: UInt32.self)) } }

  /// PyTorch's bookkeeping (`left_`, `next_`): the next draw twists when `left` is 1.
  var position: (left: Int, next: Int) { raw.fresh != 0 ? (1, 0) : (Self.n + 1 - Int(raw.index), Int(raw.index)) }

  mutating func next() -> UInt32 { ctk_mt_next(&raw) }
}
