/// The CUDA driver API (`libcuda.so.1`), resolved symbol by symbol into typed function
/// pointers. The driver is opened only by that soname: an unversioned `libcuda.so` can be
/// the toolkit's stub. Every status becomes a `TorchError` naming the call and the
/// driver's own description.
final class CUDADriver: @unchecked Sendable {
  typealias Device = Int32
  typealias Handle = OpaquePointer

  private typealias InitFn = @convention(c) (UInt32) -> Int32
  private typealias IntOutFn = @convention(c) (UnsafeMutablePointer<Int32>) -> Int32
  private typealias DeviceGetFn = @convention(c) (UnsafeMutablePointer<Int32>, Int32) -> Int32
  private typealias DeviceNameFn = @convention(c) (UnsafeMutablePointer<CChar>, Int32, Int32) -> Int32
  private typealias AttributeFn = @convention(c) (UnsafeMutablePointer<Int32>, Int32, Int32) -> Int32
  private typealias RetainFn = @convention(c) (UnsafeMutablePointer<Handle?>, Int32) -> Int32
  private typealias SetCurrentFn = @convention(c) (Handle?) -> Int32
  private typealias AllocFn = @convention(c) (UnsafeMutablePointer<UInt64>, Int) -> Int32
  private typealias FreeFn = @convention(c) (UInt64) -> Int32
  private typealias HtoDFn = @convention(c) (UInt64, UnsafeRawPointer?, Int, Handle?) -> Int32
  private typealias DtoHFn = @convention(c) (UnsafeMutableRawPointer?, UInt64, Int, Handle?) -> Int32
  private typealias DtoDFn = @convention(c) (UInt64, UInt64, Int, Handle?) -> Int32
  private typealias StreamCreateFn = @convention(c) (UnsafeMutablePointer<Handle?>, UInt32) -> Int32
  private typealias StreamSyncFn = @convention(c) (Handle?) -> Int32
  private typealias EventCreateFn = @convention(c) (UnsafeMutablePointer<Handle?>, UInt32) -> Int32
  private typealias EventRecordFn = @convention(c) (Handle, Handle?) -> Int32
  private typealias StreamWaitEventFn = @convention(c) (Handle?, Handle, UInt32) -> Int32
  private typealias EventFn = @convention(c) (Handle) -> Int32
  private typealias ModuleLoadFn = @convention(c) (UnsafeMutablePointer<Handle?>, UnsafeRawPointer) -> Int32
  private typealias GetFunctionFn = @convention(c) (UnsafeMutablePointer<Handle?>, Handle, UnsafePointer<CChar>) -> Int32
  private typealias LaunchFn = @convention(c) (Handle, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, Handle?,
                                               UnsafeMutablePointer<UnsafeMutableRawPointer?>?, UnsafeMutablePointer<UnsafeMutableRawPointer?>?) -> Int32
  private typealias ErrorStringFn = @convention(c) (Int32, UnsafeMutablePointer<UnsafePointer<CChar>?>) -> Int32
  private typealias MemInfoFn = @convention(c) (UnsafeMutablePointer<Int>, UnsafeMutablePointer<Int>) -> Int32

  let library: DynamicLibrary
  private let cuInit: InitFn
  private let cuDriverGetVersion: IntOutFn
  private let cuDeviceGetCount: IntOutFn
  private let cuDeviceGet: DeviceGetFn
  private let cuDeviceGetName: DeviceNameFn
  private let cuDeviceGetAttribute: AttributeFn
  private let cuDevicePrimaryCtxRetain: RetainFn
  private let cuCtxSetCurrent: SetCurrentFn
  private let cuMemAlloc: AllocFn
  private let cuMemFree: FreeFn
  private let cuMemcpyHtoDAsync: HtoDFn
  private let cuMemcpyDtoHAsync: DtoHFn
  private let cuMemcpyDtoDAsync: DtoDFn
  private let cuStreamCreate: StreamCreateFn
  private let cuStreamSynchronize: StreamSyncFn
  private let cuEventCreate: EventCreateFn
  private let cuEventRecord: EventRecordFn
  private let cuStreamWaitEvent: StreamWaitEventFn
  private let cuEventQuery: EventFn
  private let cuEventDestroy: EventFn
  private let cuModuleLoadData: ModuleLoadFn
  private let cuModuleGetFunction: GetFunctionFn
  private let cuLaunchKernel: LaunchFn
  private let cuGetErrorString: ErrorStringFn?
  private let cuGetErrorName: ErrorStringFn?
  /// Optional: memory figures only.
  private let cuMemGetInfo: MemInfoFn?

  /// Opens `libcuda.so.1`, or the library at `path` (for tests with a stand-in driver).
  init(path: String? = nil) throws(TorchError) {
    let library = try DynamicLibrary.open("The NVIDIA driver (libcuda.so.1)", candidates: [path ?? "libcuda.so.1"])
    self.library = library
    func require<T>(_ name: String, _ type: T.Type) throws(TorchError) -> T {
      try library.require(name, type, advice: "a newer NVIDIA driver is needed")
    }
    cuInit = try require("cuInit", InitFn.self)
    cuDriverGetVersion = try require("cuDriverGetVersion", IntOutFn.self)
    cuDeviceGetCount = try require("cuDeviceGetCount", IntOutFn.self)
    cuDeviceGet = try require("cuDeviceGet", DeviceGetFn.self)
    cuDeviceGetName = try require("cuDeviceGetName", DeviceNameFn.self)
    cuDeviceGetAttribute = try require("cuDeviceGetAttribute", AttributeFn.self)
    cuDevicePrimaryCtxRetain = try require("cuDevicePrimaryCtxRetain", RetainFn.self)
    cuCtxSetCurrent = try require("cuCtxSetCurrent", SetCurrentFn.self)
    cuMemAlloc = try require("cuMemAlloc_v2", AllocFn.self)
    cuMemFree = try require("cuMemFree_v2", FreeFn.self)
    cuMemcpyHtoDAsync = try require("cuMemcpyHtoDAsync_v2", HtoDFn.self)
    cuMemcpyDtoHAsync = try require("cuMemcpyDtoHAsync_v2", DtoHFn.self)
    cuMemcpyDtoDAsync = try require("cuMemcpyDtoDAsync_v2", DtoDFn.self)
    cuStreamCreate = try require("cuStreamCreate", StreamCreateFn.self)
    cuStreamSynchronize = try require("cuStreamSynchronize", StreamSyncFn.self)
    cuEventCreate = try require("cuEventCreate", EventCreateFn.self)
    cuEventRecord = try require("cuEventRecord", EventRecordFn.self)
    cuStreamWaitEvent = try require("cuStreamWaitEvent", StreamWaitEventFn.self)
    cuEventQuery = try require("cuEventQuery", EventFn.self)
    cuEventDestroy = try require("cuEventDestroy_v2", EventFn.self)
    cuModuleLoadData = try require("cuModuleLoadData", ModuleLoadFn.self)
    cuModuleGetFunction = try require("cuModuleGetFunction", GetFunctionFn.self)
    cuLaunchKernel = try require("cuLaunchKernel", LaunchFn.self)
    cuGetErrorString = library.symbol("cuGetErrorString", ErrorStringFn.self)
    cuGetErrorName = library.symbol("cuGetErrorName", ErrorStringFn.self)
    cuMemGetInfo = library.symbol("cuMemGetInfo_v2", MemInfoFn.self)
    try check(cuInit(0), "cuInit")
  }

  /// Throws `"<call> failed: CUDA_ERROR_X (description)"` for a non-zero status.
  func check(_ status: Int32, _ call: String) throws(TorchError) {
    guard status != 0 else { return }
    var name: UnsafePointer<CChar>?, text: UnsafePointer<CChar>?
    _ = cuGetErrorName?(status, &name)
    _ = cuGetErrorString?(status, &text)
    let label = name.map { String(cString: $0) } ?? "CUDA error \(status)"
    throw .backend("\(call) failed: \(label)" + (text.map { " (\(String(cString: $0)))" } ?? ""))
  }

  var driverVersion: Int {
    var version: Int32 = 0
    _ = cuDriverGetVersion(&version)
    return Int(version)
  }

  func deviceCount() throws(TorchError) -> Int {
    var count: Int32 = 0
    try check(cuDeviceGetCount(&count), "cuDeviceGetCount")
    return Int(count)
  }

  func device(_ ordinal: Int) throws(TorchError) -> Device {
    var device: Int32 = 0
    try check(cuDeviceGet(&device, Int32(ordinal)), "cuDeviceGet")
    return device
  }

  func name(_ device: Device) throws(TorchError) -> String {
    var buffer = [CChar](repeating: 0, count: 256)
    try check(cuDeviceGetName(&buffer, 256, device), "cuDeviceGetName")
    return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }

  /// The compute capability, e.g. (9, 0) on H100/H200.
  func computeCapability(_ device: Device) throws(TorchError) -> (Int, Int) {
    var major: Int32 = 0, minor: Int32 = 0
    try check(cuDeviceGetAttribute(&major, 75, device), "cuDeviceGetAttribute(COMPUTE_CAPABILITY_MAJOR)")
    try check(cuDeviceGetAttribute(&minor, 76, device), "cuDeviceGetAttribute(COMPUTE_CAPABILITY_MINOR)")
    return (Int(major), Int(minor))
  }

  /// Retains the device's primary context and makes it current on this thread.
  func activatePrimaryContext(_ device: Device) throws(TorchError) -> Handle? {
    var context: Handle?
    try check(cuDevicePrimaryCtxRetain(&context, device), "cuDevicePrimaryCtxRetain")
    try check(cuCtxSetCurrent(context), "cuCtxSetCurrent")
    return context
  }

  func setCurrent(_ context: Handle?) throws(TorchError) { try check(cuCtxSetCurrent(context), "cuCtxSetCurrent") }

  func allocate(_ bytes: Int) throws(TorchError) -> UInt64 {
    var address: UInt64 = 0
    try check(cuMemAlloc(&address, Swift.max(bytes, 1)), "cuMemAlloc_v2(\(bytes) bytes)")
    return address
  }

  func free(_ address: UInt64) throws(TorchError) { try check(cuMemFree(address), "cuMemFree_v2") }

  func createStream() throws(TorchError) -> Handle? {
    var stream: Handle?
    try check(cuStreamCreate(&stream, 1), "cuStreamCreate")
    return stream
  }

  func synchronize(_ stream: Handle?) throws(TorchError) { try check(cuStreamSynchronize(stream), "cuStreamSynchronize") }

  /// An event (without timing) marking the point `stream` has reached in its queue.
  func record(on stream: Handle?) throws(TorchError) -> Handle {
    var event: Handle?
    try check(cuEventCreate(&event, 2), "cuEventCreate")  // CU_EVENT_DISABLE_TIMING
    try check(cuEventRecord(event!, stream), "cuEventRecord")
    return event!
  }

  /// Makes `stream` wait, on the device, until `event` has happened.
  func wait(_ stream: Handle?, for event: Handle) throws(TorchError) {
    try check(cuStreamWaitEvent(stream, event, 0), "cuStreamWaitEvent")
  }

  /// Whether the work before `event` has finished (CUDA_ERROR_NOT_READY: not yet).
  func hasHappened(_ event: Handle) throws(TorchError) -> Bool {
    let status = cuEventQuery(event)
    if status == 600 { return false }
    try check(status, "cuEventQuery")
    return true
  }

  /// Releases an event (the driver keeps it until the work before it is done).
  func destroy(_ event: Handle) { _ = cuEventDestroy(event) }

  func copyToDevice(_ destination: UInt64, _ source: UnsafeRawPointer, _ bytes: Int, _ stream: Handle?) throws(TorchError) {
    try check(cuMemcpyHtoDAsync(destination, source, bytes, stream), "cuMemcpyHtoDAsync_v2")
  }

  func copyToHost(_ destination: UnsafeMutableRawPointer, _ source: UInt64, _ bytes: Int, _ stream: Handle?) throws(TorchError) {
    try check(cuMemcpyDtoHAsync(destination, source, bytes, stream), "cuMemcpyDtoHAsync_v2")
  }

  func copyOnDevice(_ destination: UInt64, _ source: UInt64, _ bytes: Int, _ stream: Handle?) throws(TorchError) {
    try check(cuMemcpyDtoDAsync(destination, source, bytes, stream), "cuMemcpyDtoDAsync_v2")
  }

  /// Loads a cubin or NUL-terminated PTX image.
  func loadModule(_ image: [UInt8]) throws(TorchError) -> Handle {
    var module: Handle?
    let status = image.withUnsafeBytes { cuModuleLoadData(&module, $0.baseAddress!) }
    try check(status, "cuModuleLoadData")
    return module!
  }

  func function(_ module: Handle, _ name: String) throws(TorchError) -> Handle {
    var function: Handle?
    try check(cuModuleGetFunction(&function, module, name), "cuModuleGetFunction(\(name))")
    return function!
  }

  /// Launches `function`; `arguments` points at each parameter's storage, which must live
  /// until this call returns (the driver copies the values at launch).
  func launch(_ function: Handle, grid: UInt32, block: UInt32, sharedBytes: UInt32 = 0, stream: Handle?,
              arguments: UnsafeMutablePointer<UnsafeMutableRawPointer?>, name: String) throws(TorchError) {
    try check(cuLaunchKernel(function, grid, 1, 1, block, 1, 1, sharedBytes, stream, arguments, nil), "cuLaunchKernel(\(name))")
  }

  /// A launch over a 2-D grid of 1-D blocks.
  func launch2D(_ function: Handle, grid: (UInt32, UInt32), block: UInt32, stream: Handle?,
                arguments: UnsafeMutablePointer<UnsafeMutableRawPointer?>, name: String) throws(TorchError) {
    try check(cuLaunchKernel(function, grid.0, grid.1, 1, block, 1, 1, 0, stream, arguments, nil), "cuLaunchKernel(\(name))")
  }

  /// Free and total device memory, when the driver has cuMemGetInfo_v2.
  func memoryInfo() -> (free: Int, total: Int)? {
    guard let cuMemGetInfo else { return nil }
    var free = 0, total = 0
    return cuMemGetInfo(&free, &total) == 0 ? (free, total) : nil
  }
}
