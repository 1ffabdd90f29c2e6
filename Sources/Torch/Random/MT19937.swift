/// The 32-bit Mersenne Twister, exactly as PyTorch's CPU generator runs it (`at::mt19937`).
struct MT19937 {
  static let n = 624, m = 397
  private(set) var state = [UInt32](repeating: 0, count: 624)
  /// The next word to temper; `n` means the state twists first.
  private var index = 624
  /// Seeded but not yet twisted (PyTorch records this as `next == 0`).
  private var fresh = true

  init(seed: UInt64) {
    state[0] = UInt32(truncatingIfNeeded: seed)
    for i in 1..<Self.n {
      let previous = state[i - 1]
      state[i] = 1_812_433_253 &* (previous ^ (previous >> 30)) &+ UInt32(i)
    }
  }

  /// PyTorch's bookkeeping (`left_`, `next_`): the next draw twists when `left` is 1.
  var position: (left: Int, next: Int) { fresh ? (1, 0) : (Self.n + 1 - index, index) }

  /// Restores a state saved with `state` and `position`.
  init(state: [UInt32], left: Int, next: Int) {
    self.state = state
    index = left == 1 ? Self.n : next
    fresh = left == 1 && next == 0
  }

  mutating func next() -> UInt32 {
    if index >= Self.n { twist() }
    var y = state[index]
    index += 1
    y ^= y >> 11
    y ^= (y << 7) & 0x9D2C_5680
    y ^= (y << 15) & 0xEFC6_0000
    y ^= y >> 18
    return y
  }

  private mutating func twist() {
    state.withUnsafeMutableBufferPointer { s in
      for i in 0..<Self.n {
        let y = (s[i] & 0x8000_0000) | (s[(i + 1) % Self.n] & 0x7FFF_FFFF)
        var value = s[(i + Self.m) % Self.n] ^ (y >> 1)
        if y & 1 != 0 { value ^= 0x9908_B0DF }
        s[i] = value
      }
    }
    index = 0
    fresh = false
  }
}
