/// The CPU's pointwise loops over raw pointers, for any strides (`StridedLoop` walks the outer
/// dims; the innermost run is a plain loop the compiler vectorizes where strides are 1).
enum CPULoops {
  /// Calls `body` with `out` when it is contiguous, else with a contiguous temporary then
  /// copied into `out`: how a dense kernel serves every layout (a view then gets the bits of
  /// its contiguous copy, where a strided loop with libm's functions would round differently).
  static func intoContiguous(_ out: Tensor, _ body: (Tensor) -> Void) {
    let target = out.isContiguous ? out : Tensor(uninitialized: out.dims, dtype: out.dtype)
    withExtendedLifetime(target) { body(target) }
    if target !== out { Backends.cpu.copy(target, into: out) }
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
