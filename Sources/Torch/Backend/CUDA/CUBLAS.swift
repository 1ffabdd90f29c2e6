/// cuBLAS (`libcublas.so.13` or `.12`), optional: when it loads, dense matrix products go
/// through `cublasSgemm_v2`/`cublasDgemm_v2` with the default math mode (no TF32, as PyTorch's
/// default); otherwise the tiled NVRTC kernel runs.
final class CUBLAS: @unchecked Sendable {
  private typealias CreateFn = @convention(c) (UnsafeMutablePointer<OpaquePointer?>) -> Int32
  private typealias SetStreamFn = @convention(c) (OpaquePointer?, OpaquePointer?) -> Int32
  private typealias SetMathModeFn = @convention(c) (OpaquePointer?, Int32) -> Int32
  private typealias SgemmFn = @convention(c) (OpaquePointer?, Int32, Int32, Int32, Int32, Int32, UnsafePointer<Float>,
                                              UInt64, Int32, UInt64, Int32, UnsafePointer<Float>, UInt64, Int32) -> Int32
  private typealias DgemmFn = @convention(c) (OpaquePointer?, Int32, Int32, Int32, Int32, Int32, UnsafePointer<Double>,
                                              UInt64, Int32, UInt64, Int32, UnsafePointer<Double>, UInt64, Int32) -> Int32

  let library: DynamicLibrary
  private let handle: OpaquePointer?
  private let sgemm: SgemmFn
  private let dgemm: DgemmFn

  static func candidates() -> [String] {
    let names = ["libcublas.so.13", "libcublas.so.12"]
    return names + DynamicLibrary.toolkitDirectories().flatMap { directory in names.map { directory + "/" + $0 } }
  }

  init(path: String? = nil, stream: OpaquePointer?) throws(TorchError) {
    let library = try DynamicLibrary.open("cuBLAS (libcublas)", candidates: path.map { [$0] } ?? Self.candidates())
    self.library = library
    guard let create = library.symbol("cublasCreate_v2", CreateFn.self),
      let setStream = library.symbol("cublasSetStream_v2", SetStreamFn.self),
      let sgemm = library.symbol("cublasSgemm_v2", SgemmFn.self),
      let dgemm = library.symbol("cublasDgemm_v2", DgemmFn.self)
    else { throw .backend("cuBLAS at \(library.path) lacks cublasCreate_v2, cublasSetStream_v2 or the GEMM functions") }
    self.sgemm = sgemm
    self.dgemm = dgemm
    var handle: OpaquePointer?
    guard create(&handle) == 0 else { throw .backend("cublasCreate_v2 failed") }
    self.handle = handle
    _ = setStream(handle, stream)
    // CUBLAS_DEFAULT_MATH (0): full float32 precision, no TF32 tensor-core rounding.
    _ = library.symbol("cublasSetMathMode", SetMathModeFn.self)?(handle, 0)
  }

  /// How a row-major operand with strides (rows, columns) reads as a column-major matrix:
  /// its transpose flag and leading dimension, or nil when neither stride is 1.
  static func columnMajor(rowStride: Int, columnStride: Int, rows: Int, columns: Int) -> (transpose: Bool, ld: Int)? {
    if columnStride == 1 && rowStride >= Swift.max(columns, 1) { return (false, Swift.max(rowStride, 1)) }
    if rowStride == 1 && columnStride >= Swift.max(rows, 1) { return (true, Swift.max(columnStride, 1)) }
    return nil
  }

  /// C = alpha·A·B + beta·C for row-major C (unit column stride), computed as the column-major
  /// Cᵀ = Bᵀ·Aᵀ. Returns false when an operand's layout needs the general kernel instead.
  func gemm(dtype: DType, m: Int, n: Int, k: Int, a: UInt64, rsA: Int, csA: Int, b: UInt64, rsB: Int, csB: Int,
            c: UInt64, rsC: Int, alpha: Double, beta: Double) -> Bool {
    guard let la = Self.columnMajor(rowStride: rsA, columnStride: csA, rows: m, columns: k),
      let lb = Self.columnMajor(rowStride: rsB, columnStride: csB, rows: k, columns: n), rsC >= n,
      [m, n, k, la.ld, lb.ld, rsC].allSatisfy({ $0 <= Int(Int32.max) })
    else { return false }
    // Column-major view: Bᵀ is (n × k), Aᵀ is (k × m); a row-major operand read as column-major
    // is already its transpose, so a "transposed" row-major layout becomes op = T.
    let (transB, transA) = (Int32(lb.transpose ? 1 : 0), Int32(la.transpose ? 1 : 0))
    let status: Int32
    switch dtype {
    case .float32:
      var (al, be) = (Float(alpha), Float(beta))
      status = sgemm(handle, transB, transA, Int32(n), Int32(m), Int32(k), &al, b, Int32(lb.ld), a, Int32(la.ld), &be, c, Int32(rsC))
    case .float64:
      var (al, be) = (alpha, beta)
      status = dgemm(handle, transB, transA, Int32(n), Int32(m), Int32(k), &al, b, Int32(lb.ld), a, Int32(la.ld), &be, c, Int32(rsC))
    default:
      return false
    }
    if status != 0 { torchFail("cublas gemm failed with status \(status)") }
    return true
  }
}
