import CTorchKernels
import Foundation

extension Tensor {
  /// Fills with uniform samples from [from, to) (`uniform_`), drawing as PyTorch's CPU generator does.
  @discardableResult
  public func uniform_(_ from: Double = 0, _ to: Double = 1, generator: Generator? = nil) -> Tensor {
    fillRandom(generator) { state, buffer, count in
      if dtype == .float64 {
        ctk_uniform_fill_f64(&state.engine.raw, buffer.assumingMemoryBound(to: Double.self), Int64(count), from, to)
      } else {
        ctk_uniform_fill_f32(&state.engine.raw, buffer.assumingMemoryBound(to: Float.self), Int64(count), Float(from), Float(to))
      }
    }
  }

  /// Fills with normal samples (`normal_`), using PyTorch's two sampling paths: element by
  /// element below 16 elements, and its 16-wide Box-Muller batches from 16 elements up.
  @discardableResult
  public func normal_(mean: Double = 0, std: Double = 1, generator: Generator? = nil) -> Tensor {
    fillRandom(generator) { state, buffer, count in
      if count < 16 {
        for i in 0..<count {
          let value = state.normalDouble(mean: mean, std: std)
          if dtype == .float64 { buffer.storeBytes(of: value, toByteOffset: 8 * i, as: Double.self) }
          else { buffer.storeBytes(of: Float(value), toByteOffset: 4 * i, as: Float.self) }
        }
      } else if dtype == .float64 {
        Self.normalFill(buffer.assumingMemoryBound(to: Double.self), count, &state, mean: mean, std: std)
      } else {
        Self.normalFillFloat(buffer.assumingMemoryBound(to: Float.self), count, &state, mean: Float(mean), std: Float(std))
      }
    }
  }

  /// Fills with 1 with probability `p`, else 0 (`bernoulli_(p)`): one uniform double per
  /// element in order, kept when below `p` — PyTorch's CPU kernel wherever it does not sample
  /// through MKL (AMD and Arm CPUs; on Intel CPUs PyTorch's MKL builds use MKL's own stream).
  @discardableResult
  public func bernoulli_(_ p: Double = 0.5, generator: Generator? = nil) -> Tensor {
    torchCheck(p >= 0 && p <= 1, "bernoulli_ expects p to be in [0, 1], but got p=\(p)")
    return bernoulliFill(p, one: 1, generator: generator)
  }

  /// Fills with exponential samples of rate `lambd` (`exponential_`): −1/λ · log1p(−u) in
  /// double for one uniform double u per element in order, as PyTorch's CPU kernel draws them.
  @discardableResult
  public func exponential_(_ lambd: Double = 1, generator: Generator? = nil) -> Tensor {
    torchCheck(lambd > 0, "exponential_ expects lambda > 0.0, but found lambda=\(String(format: "%g", lambd))")
    return fillRandom(generator) { state, buffer, count in
      for i in 0..<count {
        let value = -1 / lambd * Foundation.log1p(-state.uniformDouble(0, 1))
        if dtype == .float64 { buffer.storeBytes(of: value, toByteOffset: 8 * i, as: Double.self) }
        else { buffer.storeBytes(of: Float(value), toByteOffset: 4 * i, as: Float.self) }
      }
    }
  }

  /// `bernoulli_(p)` whose ones are `one` (as this dtype rounds it): the draws of `bernoulli_`,
  /// and the values of a following multiplication by `one`, in one pass.
  @discardableResult
  func bernoulliFill(_ p: Double, one: Double, generator: Generator? = nil) -> Tensor {
    fillRandom(generator) { state, buffer, count in
      if dtype == .float64 {
        ctk_bernoulli_fill_f64(&state.engine.raw, buffer.assumingMemoryBound(to: Double.self), Int64(count), p, one)
      } else {
        ctk_bernoulli_fill_f32(&state.engine.raw, buffer.assumingMemoryBound(to: Float.self), Int64(count), p, Float(one))
      }
    }
  }

  /// PyTorch's `normal_fill` in double: draw all uniforms, then transform blocks of 16 with
  /// Box-Muller; a ragged tail recomputes the last 16 slots from fresh uniforms.
  private static func normalFill(_ data: UnsafeMutablePointer<Double>, _ count: Int, _ state: inout Generator.State, mean: Double, std: Double) {
    ctk_uniform_fill_f64(&state.engine.raw, data, Int64(count), 0, 1)
    func transform16(_ start: Int) {
      for j in 0..<8 {
        let u1 = 1 - data[start + j], u2 = data[start + j + 8]
        let radius = (-2 * Foundation.log(u1)).squareRoot()
        let theta = 2.0 * Double.pi * u2
        data[start + j] = radius * Foundation.cos(theta) * std + mean
        data[start + j + 8] = radius * Foundation.sin(theta) * std + mean
      }
    }
    for start in Swift.stride(from: 0, to: count - 15, by: 16) { transform16(start) }
    if count % 16 != 0 {
      ctk_uniform_fill_f64(&state.engine.raw, data + count - 16, 16, 0, 1)
      transform16(count - 16)
    }
  }

  /// The float32 form of `normal_fill`, with PyTorch's AVX2 transform (see `ctk_normal_fill_16_f32`).
  private static func normalFillFloat(_ data: UnsafeMutablePointer<Float>, _ count: Int, _ state: inout Generator.State, mean: Float, std: Float) {
    ctk_uniform_fill_f32(&state.engine.raw, data, Int64(count), 0, 1)
    for start in Swift.stride(from: 0, to: count - 15, by: 16) { ctk_normal_fill_16_f32(data + start, mean, std) }
    if count % 16 != 0 {
      ctk_uniform_fill_f32(&state.engine.raw, data + count - 16, 16, 0, 1)
      ctk_normal_fill_16_f32(data + count - 16, mean, std)
    }
  }

  /// Runs `fill(state, buffer, count)` under the generator's lock on contiguous memory of this
  /// tensor's dtype: the tensor's own when it is a contiguous CPU tensor, else a scratch copy.
  private func fillRandom(_ generator: Generator?, _ fill: (inout Generator.State, UnsafeMutableRawPointer, Int) -> Void) -> Tensor {
    torchCheck(dtype.isFloatingPoint, "random fill expects a floating point tensor, got \(dtype)")
    checkInPlace()
    let direct = device == .cpu && isContiguous
    let target = direct ? self : Tensor(uninitialized: dims, dtype: dtype)
    let count = numel()
    if count > 0 {
      let buffer = target.storage.data + target.storageOffset * dtype.itemSize
      (generator ?? torch.defaultGenerator).withState { fill(&$0, buffer, count) }
    }
    if direct { bumpVersion() } else { torch.noGrad { _ = self.copy_(target) } }
    return self
  }
}

extension torch {
  /// Uniform samples in [0, 1) (`torch.rand`).
  public static func rand(_ shape: Int..., dtype: DType = .float32, device: Device = .cpu,
                          generator: Generator? = nil, requiresGrad: Bool = false) -> Tensor {
    rand(shape, dtype: dtype, device: device, generator: generator, requiresGrad: requiresGrad)
  }
  public static func rand(_ shape: [Int], dtype: DType = .float32, device: Device = .cpu,
                          generator: Generator? = nil, requiresGrad: Bool = false) -> Tensor {
    let result = Tensor(uninitialized: shape, dtype: dtype).uniform_(0, 1, generator: generator)
    let placed = device == .cpu ? result : result.to(device)
    placed.requiresGrad = requiresGrad
    return placed
  }

  /// Standard normal samples (`torch.randn`).
  public static func randn(_ shape: Int..., dtype: DType = .float32, device: Device = .cpu,
                           generator: Generator? = nil, requiresGrad: Bool = false) -> Tensor {
    randn(shape, dtype: dtype, device: device, generator: generator, requiresGrad: requiresGrad)
  }
  public static func randn(_ shape: [Int], dtype: DType = .float32, device: Device = .cpu,
                           generator: Generator? = nil, requiresGrad: Bool = false) -> Tensor {
    let result = Tensor(uninitialized: shape, dtype: dtype).normal_(generator: generator)
    let placed = device == .cpu ? result : result.to(device)
    placed.requiresGrad = requiresGrad
    return placed
  }

  /// Integers uniform in [low, high) (`torch.randint`), int64.
  public static func randint(_ low: Int = 0, _ high: Int, _ shape: [Int], dtype: DType = .int64,
                             device: Device = .cpu, generator: Generator? = nil) -> Tensor {
    torchCheck(low < high, "random_ expects 'from' to be less than 'to', but got from=\(low) >= to=\(high)")
    let range = UInt64(high - low)
    let count = shape.reduce(1, *)
    let values: [Int64] = (generator ?? defaultGenerator).withState { state in
      (0..<count).map { _ in
        let r = range >= 1 << 32 ? state.random64() % range : UInt64(state.random()) % range
        return Int64(low) + Int64(r)
      }
    }
    let result = Tensor(values, shape: shape).to(dtype)
    return device == .cpu ? result : result.to(device)
  }

  /// A random permutation of `0..<n` (`torch.randperm`), identical to PyTorch's for a seed.
  public static func randperm(_ n: Int, dtype: DType = .int64, device: Device = .cpu,
                              generator: Generator? = nil) -> Tensor {
    torchCheck(n >= 0, "Trying to create tensor with negative dimension \(n): [\(n)]")
    var values = (0..<n).map(Int64.init)
    (generator ?? defaultGenerator).withState { state in
      if n < Int(UInt32.max / 20) {
        for i in 0..<Swift.max(n - 1, 0) {
          let z = Int(state.random()) % (n - i)
          values.swapAt(i, z + i)
        }
      } else {
        for i in 0..<n {
          let z = Int(state.random64() % UInt64(i + 1))
          values[i] = values[z]
          values[z] = Int64(i)
        }
      }
    }
    let result = Tensor(values, shape: [n]).to(dtype)
    return device == .cpu ? result : result.to(device)
  }

  /// Uniform [0, 1) values shaped like `x` (`torch.rand_like`), in `x`'s dtype unless `dtype` is given.
  public static func randLike(_ x: Tensor, dtype: DType? = nil) -> Tensor { rand(x.dims, dtype: dtype ?? x.dtype, device: x.device) }
  /// Standard normal values shaped like `x` (`torch.randn_like`).
  public static func randnLike(_ x: Tensor, dtype: DType? = nil) -> Tensor { randn(x.dims, dtype: dtype ?? x.dtype, device: x.device) }

  /// Integers uniform in [0, high) (`torch.randint(high, size)`).
  public static func randint(_ high: Int, _ shape: [Int], dtype: DType = .int64, device: Device = .cpu,
                             generator: Generator? = nil) -> Tensor {
    randint(0, high, shape, dtype: dtype, device: device, generator: generator)
  }
}
