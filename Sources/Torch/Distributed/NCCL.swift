import CTorchKernels
import Foundation

/// NVIDIA's NCCL (`libnccl.so.2`), opened at run time: the collectives that move CUDA tensors
/// between GPUs, each enqueued on a CUDA stream. Its API is plain C but for
/// `ncclCommInitRank`, whose 128-byte id goes by value (called through a C trampoline).
struct NCCLLibrary: @unchecked Sendable {
  typealias Comm = OpaquePointer
  typealias Stream = OpaquePointer?
  typealias Send = UnsafeRawPointer?
  typealias Receive = UnsafeMutableRawPointer?

  let library: DynamicLibrary
  /// NCCL's version code, e.g. 22804 for 2.28.4.
  let version: Int
  let getUniqueId: @convention(c) (UnsafeMutableRawPointer) -> Int32
  let commInitRank: UnsafeRawPointer
  let commDestroy: @convention(c) (Comm) -> Int32
  let errorString: @convention(c) (Int32) -> UnsafePointer<CChar>?
  let allReduce: @convention(c) (Send, Receive, Int, Int32, Int32, Comm, Stream) -> Int32
  let broadcast: @convention(c) (Send, Receive, Int, Int32, Int32, Comm, Stream) -> Int32
  let reduce: @convention(c) (Send, Receive, Int, Int32, Int32, Int32, Comm, Stream) -> Int32
  let allGather: @convention(c) (Send, Receive, Int, Int32, Comm, Stream) -> Int32
  let reduceScatter: @convention(c) (Send, Receive, Int, Int32, Int32, Comm, Stream) -> Int32
  let send: @convention(c) (Send, Int, Int32, Int32, Comm, Stream) -> Int32
  let recv: @convention(c) (Receive, Int, Int32, Int32, Comm, Stream) -> Int32
  let groupStart: @convention(c) () -> Int32
  let groupEnd: @convention(c) () -> Int32
  /// `ncclCommGetAsyncError`, when the library has it.
  private let getAsyncError: (@convention(c) (Comm, UnsafeMutablePointer<Int32>) -> Int32)?

  /// `ncclRedOp_t` values.
  static let sum: Int32 = 0, product: Int32 = 1, max: Int32 = 2, min: Int32 = 3
  /// Bytes in an `ncclUniqueId`.
  static let uniqueIdBytes = 128

  /// Opens NCCL from `TORCH_NCCL_LIBRARY` (only there, when set), the usual soname, or the
  /// `nvidia-nccl` wheel of a Python installation, or throws naming each place tried.
  static func load() throws(TorchError) -> NCCLLibrary {
    if let path = ProcessInfo.processInfo.environment["TORCH_NCCL_LIBRARY"] { return try load([path]) }
    return try load(["libnccl.so.2"] + DynamicLibrary.toolkitDirectories().map { $0 + "/libnccl.so.2" })
  }

  static func load(_ candidates: [String]) throws(TorchError) -> NCCLLibrary {
    let library = try DynamicLibrary.open("NCCL (libnccl.so.2; pip install nvidia-nccl-cu13)", candidates: candidates)
    return try NCCLLibrary(library)
  }

  private init(_ library: DynamicLibrary) throws(TorchError) {
    self.library = library
    func function<T>(_ name: String, _ type: T.Type) throws(TorchError) -> T { try library.require(name, type) }
    let getVersion = try function("ncclGetVersion", (@convention(c) (UnsafeMutablePointer<Int32>) -> Int32).self)
    var code: Int32 = 0
    _ = getVersion(&code)
    version = Int(code)
    guard let initRank = dlsym(library.handle, "ncclCommInitRank") else { throw .backend("\(library.path) lacks ncclCommInitRank") }
    commInitRank = UnsafeRawPointer(initRank)
    getUniqueId = try function("ncclGetUniqueId", type(of: getUniqueId))
    commDestroy = try function("ncclCommDestroy", type(of: commDestroy))
    errorString = try function("ncclGetErrorString", type(of: errorString))
    allReduce = try function("ncclAllReduce", type(of: allReduce))
    broadcast = try function("ncclBroadcast", type(of: broadcast))
    reduce = try function("ncclReduce", type(of: reduce))
    allGather = try function("ncclAllGather", type(of: allGather))
    reduceScatter = try function("ncclReduceScatter", type(of: reduceScatter))
    send = try function("ncclSend", type(of: send))
    recv = try function("ncclRecv", type(of: recv))
    groupStart = try function("ncclGroupStart", type(of: groupStart))
    groupEnd = try function("ncclGroupEnd", type(of: groupEnd))
    getAsyncError = library.symbol("ncclCommGetAsyncError", (@convention(c) (Comm, UnsafeMutablePointer<Int32>) -> Int32).self)
  }

  /// `ncclCommInitRank`: joins communicator `id` as `rank` of `worldSize`.
  func communicator(id: UnsafeRawPointer, worldSize: Int, rank: Int) -> (Comm?, Int32) {
    var comm: UnsafeMutableRawPointer?
    let code = ctk_nccl_comm_init_rank(commInitRank, &comm, Int32(worldSize), id, Int32(rank))
    return (comm.map(OpaquePointer.init), code)
  }

  /// The communicator's asynchronous error (0: none; nil where NCCL cannot tell).
  func asyncError(_ comm: Comm) -> Int32? {
    guard let getAsyncError else { return nil }
    var result: Int32 = 0
    return getAsyncError(comm, &result) == 0 ? result : nil
  }

  /// The `ncclDataType_t` of a dtype, or nil for one NCCL does not carry here.
  static func datatype(_ dtype: DType) -> Int32? {
    switch dtype {
    case .uint8: 1
    case .int64: 4
    case .float32: 7
    case .float64: 8
    case .bool: nil
    }
  }

  /// NCCL's text for a result code.
  func message(_ code: Int32) -> String {
    "NCCL error \(code): " + (errorString(code).map { String(cString: $0) } ?? "unknown")
  }
}
