/// The CPU's pointwise loops over raw pointers, for any strides (`StridedLoop` walks the outer
/// dims; the innermost run is a plain loop the compiler vectorizes where strides are 1).
enum CPULoops {
  /// Runs a dense float32 kernel over tensors of any layout: `kernel(start, count, sources,
  /// target)` on contiguous copies of `inputs` (the tensors themselves when contiguous) and on
  /// `out` or a contiguous temporary then copied into it, in chunks of at least `grain`
  /// elements split over the pool (`Int.max`: one call). A view so gets the bits of its
  /// contiguous copy, where a strided loop with libm's functions would round differently.
  static func dense(_ inputs: Tensor..., into out: Tensor, grain: Int,
                    _ kernel: (_ start: Int, _ count: Int, _ sources: [UnsafePointer<Float>], _ target: UnsafeMutablePointer<Float>) -> Void) {
    let sources = inputs.map { $0.contiguous() }
    let target = out.isContiguous ? out : Tensor(uninitialized: out.dims, dtype: out.dtype)
    withExtendedLifetime((sources, target)) {
      let pointers = sources.map { UnsafePointer($0.pointer(Float.self)) }, destination = target.pointer(Float.self)
      ThreadPool.parallelChunks(out.numel(), minimumChunk: grain) { start, count in kernel(start, count, pointers, destination) }
    }
    if target !== out { Backends.cpu.copy(target, into: out) }
  }

  /// out[i] = f(x[i]), contiguous chunks of at least `grain` elements on the pool's threads
  /// where both are contiguous (f costly enough per element to be worth it), else `map`.
  @inline(__always)
  static func map<T, R>(_ x: Tensor, into out: Tensor, grain: Int, _ f: (T) -> R) {
    guard grain < out.numel(), x.isContiguous, out.isContiguous else { return map(x, into: out, f) }
    let source = UnsafeMutableRawPointer(x.storage.data).assumingMemoryBound(to: T.self) + x.storageOffset
    let target = UnsafeMutableRawPointer(out.storage.data).assumingMemoryBound(to: R.self) + out.storageOffset
    ThreadPool.parallelChunks(out.numel(), minimumChunk: grain) { start, count in
      for i in start..<(start + count) { target[i] = f(source[i]) }
    }
  }

  /// out[i] = f(x[i]).
  @inline(__always)
  static func map<T, R>(_ x: Tensor, into out: Tensor, _ f: (T) -> R) {
    let loop = StridedLoop(shape: out.dims, strides: [out.elementStrides, x.elementStrides])
    let o = UnsafeMutableRawPointer(out.storage.data).assumingMemoryBound(to: R.self) + out.storageOffset
    let p = UnsafeMutableRawPointer(x.storage.data).assumingMemoryBound(to: T.self) + x.storageOffset
    let n = loop.innerCount, so = loop.innerStride(0), sx = loop.innerStride(1)
    loop.forEachRun { oo, ox in
      if so == 1 && sx == 1 {
        let a = o + oo, b = p + ox
        for i in 0..<n { a[i] = f(b[i]) }
      } else {
        for i in 0..<n { o[oo + i * so] = f(p[ox + i * sx]) }
      }
    }
  }

  /// out[i] = f(a[i], b[i]), split over the pool as `map(_:into:grain:_:)`.
  @inline(__always)
  static func zip<T, R>(_ a: Tensor, _ b: Tensor, into out: Tensor, grain: Int, _ f: (T, T) -> R) {
    guard grain < out.numel(), a.isContiguous, b.isContiguous, out.isContiguous, a.dims == out.dims, b.dims == out.dims else {
      return zip(a, b, into: out, f)
    }
    let first = UnsafeMutableRawPointer(a.storage.data).assumingMemoryBound(to: T.self) + a.storageOffset
    let second = UnsafeMutableRawPointer(b.storage.data).assumingMemoryBound(to: T.self) + b.storageOffset
    let target = UnsafeMutableRawPointer(out.storage.data).assumingMemoryBound(to: R.self) + out.storageOffset
    ThreadPool.parallelChunks(out.numel(), minimumChunk: grain) { start, count in
      for i in start..<(start + count) { target[i] = f(first[i], second[i]) }
    }
  }

  /// out[i] = f(a[i], b[i]).
  @inline(__always)
  static func zip<T, R>(_ a: Tensor, _ b: Tensor, into out: Tensor, _ f: (T, T) -> R) {
    let loop = StridedLoop(
      shape: out.dims, strides: [out.elementStrides, a.elementStrides, b.elementStrides])
    let o = out.storage.data.assumingMemoryBound(to: R.self) + out.storageOffset
    let pa = a.storage.data.assumingMemoryBound(to: T.self) + a.storageOffset
    let pb = b.storage.data.assumingMemoryBound(to: T.self) + b.storageOffset
    let n = loop.innerCount
    let so = loop.innerStride(0), sa = loop.innerStride(1), sb = loop.innerStride(2)
    loop.forEachRun3 { oo, oa, ob in
      if so == 1 && sa == 1 && sb == 1 {
        let x = o + oo, y = pa + oa, z = pb + ob
        for i in 0..<n { x[i] = f(y[i], z[i]) }
      } else if so == 1 && sa == 1 && sb == 0 {
        let x = o + oo, y = pa + oa, z = pb[ob]
        for i in 0..<n { x[i] = f(y[i], z) }
      } else {
        for i in 0..<n { o[oo + i * so] = f(pa[oa + i * sa], pb[ob + i * sb]) }
      }
    }
  }
}
