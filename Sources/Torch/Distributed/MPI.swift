#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Open MPI's C API, opened at run time (`libmpi.so.40`), so the package keeps no link-time
/// dependency and builds where MPI is absent. Open MPI's handles (`MPI_COMM_WORLD`,
/// `MPI_FLOAT`, `MPI_SUM`, ...) are the addresses of global objects in the library, looked up
/// with `dlsym`; MPICH's are integers, so this binding is for Open MPI (4.x and 5.x).
struct MPILibrary: @unchecked Sendable {
  typealias Handle = UnsafeMutableRawPointer
  typealias Buffer = UnsafeMutableRawPointer

  let library: DynamicLibrary
  let commWorld: Handle
  let errorsReturn: Handle
  /// Datatypes by dtype: float32, float64, int64, uint8.
  let float, double, int64, uint8: Handle
  /// Reduction ops.
  let sum, product, min, max: Handle

  let initThread: @convention(c) (OpaquePointer?, OpaquePointer?, Int32, UnsafeMutablePointer<Int32>) -> Int32
  let initialized: @convention(c) (UnsafeMutablePointer<Int32>) -> Int32
  let finalize: @convention(c) () -> Int32
  let commRank: @convention(c) (Handle, UnsafeMutablePointer<Int32>) -> Int32
  let commSize: @convention(c) (Handle, UnsafeMutablePointer<Int32>) -> Int32
  let commSetErrhandler: @convention(c) (Handle, Handle) -> Int32
  let errorString: @convention(c) (Int32, UnsafeMutablePointer<CChar>, UnsafeMutablePointer<Int32>) -> Int32
  let allreduce: @convention(c) (UnsafeRawPointer?, Buffer?, Int32, Handle, Handle, Handle) -> Int32
  let bcast: @convention(c) (Buffer?, Int32, Handle, Int32, Handle) -> Int32
  let reduce: @convention(c) (UnsafeRawPointer?, Buffer?, Int32, Handle, Handle, Int32, Handle) -> Int32
  let allgather: @convention(c) (UnsafeRawPointer?, Int32, Handle, Buffer?, Int32, Handle, Handle) -> Int32
  let gather: @convention(c) (UnsafeRawPointer?, Int32, Handle, Buffer?, Int32, Handle, Int32, Handle) -> Int32
  let scatter: @convention(c) (UnsafeRawPointer?, Int32, Handle, Buffer?, Int32, Handle, Int32, Handle) -> Int32
  let reduceScatterBlock: @convention(c) (UnsafeRawPointer?, Buffer?, Int32, Handle, Handle, Handle) -> Int32
  let barrier: @convention(c) (Handle) -> Int32
  let send: @convention(c) (UnsafeRawPointer?, Int32, Handle, Int32, Int32, Handle) -> Int32
  let recv: @convention(c) (Buffer?, Int32, Handle, Int32, Int32, Handle, UnsafeMutableRawPointer?) -> Int32

  /// `MPI_IN_PLACE` in Open MPI.
  static var inPlace: UnsafeRawPointer { UnsafeRawPointer(bitPattern: 1)! }
  /// `MPI_THREAD_SERIALIZED`: any thread may call, one at a time.
  static let threadSerialized: Int32 = 2

  /// Opens Open MPI from `TORCH_MPI_LIBRARY` (only there, when set) or the usual sonames, or
  /// throws naming each place tried.
  static func load() throws(TorchError) -> MPILibrary {
    var candidates = ["libmpi.so.40", "libmpi.so"]
    if let path = getenv("TORCH_MPI_LIBRARY") { candidates = [String(cString: path)] }
    return try load(candidates)
  }

  static func load(_ candidates: [String]) throws(TorchError) -> MPILibrary {
    let library = try DynamicLibrary.open("Open MPI (libmpi.so.40; Debian: apt-get install openmpi-bin libopenmpi3)",
                                          candidates: candidates, global: true)
    return try MPILibrary(library)
  }

  private init(_ library: DynamicLibrary) throws(TorchError) {
    self.library = library
    func object(_ name: String) throws(TorchError) -> Handle {
      do { return try library.address(of: name) } catch {
        throw .backend("\(library.path) lacks \(name): only Open MPI is supported (MPICH's handles are integers)")
      }
    }
    func function<T>(_ name: String, _ type: T.Type) throws(TorchError) -> T { try library.require(name, type) }
    commWorld = try object("ompi_mpi_comm_world")
    errorsReturn = try object("ompi_mpi_errors_return")
    (float, double, int64, uint8) = (try object("ompi_mpi_float"), try object("ompi_mpi_double"),
                                     try object("ompi_mpi_int64_t"), try object("ompi_mpi_uint8_t"))
    (sum, product, min, max) = (try object("ompi_mpi_op_sum"), try object("ompi_mpi_op_prod"),
                                try object("ompi_mpi_op_min"), try object("ompi_mpi_op_max"))
    initThread = try function("MPI_Init_thread", type(of: initThread))
    initialized = try function("MPI_Initialized", type(of: initialized))
    finalize = try function("MPI_Finalize", type(of: finalize))
    commRank = try function("MPI_Comm_rank", type(of: commRank))
    commSize = try function("MPI_Comm_size", type(of: commSize))
    commSetErrhandler = try function("MPI_Comm_set_errhandler", type(of: commSetErrhandler))
    errorString = try function("MPI_Error_string", type(of: errorString))
    allreduce = try function("MPI_Allreduce", type(of: allreduce))
    bcast = try function("MPI_Bcast", type(of: bcast))
    reduce = try function("MPI_Reduce", type(of: reduce))
    allgather = try function("MPI_Allgather", type(of: allgather))
    gather = try function("MPI_Gather", type(of: gather))
    scatter = try function("MPI_Scatter", type(of: scatter))
    reduceScatterBlock = try function("MPI_Reduce_scatter_block", type(of: reduceScatterBlock))
    barrier = try function("MPI_Barrier", type(of: barrier))
    send = try function("MPI_Send", type(of: send))
    recv = try function("MPI_Recv", type(of: recv))
  }

  /// The datatype handle of a dtype, or nil for one MPI collectives do not carry here.
  func datatype(_ dtype: DType) -> Handle? {
    switch dtype {
    case .float32: float
    case .float64: double
    case .int64: int64
    case .uint8: uint8
    case .bool: nil
    }
  }

  /// MPI's text for an error code.
  func message(_ code: Int32) -> String {
    var buffer = [CChar](repeating: 0, count: 512)
    var length: Int32 = 0
    _ = errorString(code, &buffer, &length)
    return String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }
}
