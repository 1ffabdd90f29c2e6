import XCTest
@testable import Torch

/// CUDA tests. Compiling kernels needs only NVRTC (`pip install nvidia-cuda-nvrtc`), so it runs
/// on machines without a GPU; everything that launches kernels needs a device and skips here.
final class CUDATests: XCTestCase {
  func loadNVRTC() throws -> NVRTC {
    do { return try NVRTC() } catch {
      throw XCTSkip("NVRTC is not installed (pip install nvidia-cuda-nvrtc): \(error)")
    }
  }

  func testEveryKernelCompilesForHopperAndAmpere() throws {
    let nvrtc = try loadNVRTC()
    for architecture in ["compute_90", "sm_80"] {
      let output = try nvrtc.compile(CUDAKernels.source, name: "torch_kernels.cu", architecture: architecture)
      XCTAssertFalse(output.image.isEmpty, architecture)
      XCTAssertEqual(output.isCubin, architecture.hasPrefix("sm_"), architecture)
      if !output.isCubin {
        let ptx = String(decoding: output.image, as: UTF8.self)
        for kernel in ["gemm_f32", "softmax_f32", "reduce_sum_f32", "binary_add_f32", "nll_f32", "scatter_add_f32", "copy_u8_f32"] {
          XCTAssertTrue(ptx.contains(".entry \(kernel)("), "\(kernel) missing from the PTX")
        }
      }
    }
  }

  func testCompileErrorsCarryTheLog() throws {
    let nvrtc = try loadNVRTC()
    XCTAssertThrowsError(try nvrtc.compile("extern \"C\" __global__ void broken() { undeclared_name = 1; }", name: "broken.cu", architecture: "compute_90")) { error in
      XCTAssertTrue("\(error)".contains("nvrtcCompileProgram(broken.cu, compute_90) failed"), "\(error)")
      XCTAssertTrue("\(error)".contains("undeclared_name"), "the log is missing: \(error)")
    }
  }

  func testWithoutADeviceCudaIsUnavailableWithAReason() throws {
    guard !torch.cuda.isAvailable() else { throw XCTSkip("a CUDA device is present") }
    XCTAssertEqual(torch.cuda.deviceCount(), 0)
    XCTAssertNotNil(torch.cuda.unavailableReason)
    XCTAssertTrue(CUDARuntime.unavailableMessage(for: .cuda(0)).contains("cuda:0"))
  }

  func testMissingLibrariesAreNamedWithWhereTheLoaderLooked() {
    XCTAssertThrowsError(try DynamicLibrary.open("Example", candidates: ["libdefinitely-missing.so.9", "/nowhere/libx.so"])) { error in
      XCTAssertTrue("\(error)".contains("libdefinitely-missing.so.9"))
      XCTAssertTrue("\(error)".contains("/nowhere/libx.so"))
    }
  }
}
