import Foundation
import CTorchKernels
import XCTest
@testable import Torch

/// The SIMD kernels against straightforward reference loops, on every dispatch path this
/// CPU can run (AVX2+FMA where present, and the portable path everywhere).
final class KernelTests: XCTestCase {
  /// The dispatch paths to exercise: "portable" always, "avx2+fma" when the CPU has it, and
  /// then AVX2 without AVX-512 as well when the CPU has AVX-512F (which SGEMM then uses).
  var paths: [Int32] { ctk_cpu_has_avx2_fma() == 0 ? [1] : ctk_cpu_has_avx512f() != 0 ? [1, 2, 0] : [1, 0] }

  /// Indices where `ours` and `expected` differ in bits (two NaNs count as equal).
  func differingBits(_ ours: [Float], _ expected: [Float]) -> [Int] {
    ours.indices.filter { ours[$0].bitPattern != expected[$0].bitPattern && !(ours[$0].isNaN && expected[$0].isNaN) }
  }

  /// The largest distance of `results` from `reference` of each input rounded to float, in ulp
  /// of that rounded value (missing an infinite one is infinitely far; NaN matches NaN).
  func largestUlpError(_ results: [Float], _ inputs: [Float], _ reference: (Double) -> Double) -> Float {
    let expected = inputs.map { Float(reference(Double($0))) }
    return differingBits(results, expected).map { k in
      expected[k].isFinite ? abs(results[k] - expected[k]) / expected[k].ulp : .infinity
    }.max() ?? 0
  }

  override func tearDown() { ctk_force_portable(0) }

  /// C = A·B in float64 loops, as the reference.
  func referenceProduct(_ a: Tensor, _ b: Tensor) -> [Double] {
    let (m, k, n) = (a.size(0), a.size(1), b.size(1))
    let x = a.toArray(Double.self), y = b.toArray(Double.self)
    var c = [Double](repeating: 0, count: m * n)
    for i in 0..<m { for p in 0..<k { let v = x[i * k + p]; for j in 0..<n { c[i * n + j] += v * y[p * n + j] } } }
    return c
  }

  func testSGEMMOnOddSizesTransposesAndStrides() {
    let shapes = [(1, 1, 1), (7, 13, 5), (6, 16, 16), (65, 33, 17), (64, 784, 10), (130, 260, 70), (13, 300, 301), (300, 5, 37)]
    for path in paths {
      ctk_force_portable(path)
      torch.manualSeed(UInt64(path))
      for (m, k, n) in shapes {
        for (transA, transB) in [(false, false), (true, false), (false, true), (true, true)] {
          let a = transA ? torch.randn(k, m).t() : torch.randn(m, k)
          let b = transB ? torch.randn(n, k).t() : torch.randn(k, n)
          let product = a.mm(b).toArray(Double.self), expected = referenceProduct(a, b)
          XCTAssertEqual(product.count, expected.count)
          for i in product.indices where !isClose(product[i], expected[i], rtol: 1e-4, atol: 1e-4) {
            XCTFail("path \(String(cString: ctk_kernel_path())) \(m)x\(k)x\(n) transA \(transA) transB \(transB): \(product[i]) vs \(expected[i])")
            break
          }
        }
        // Strided views (every other row and column) that no BLAS layout covers.
        let a = torch.randn(2 * m, 2 * k).slice(0, step: 2).slice(1, step: 2)
        let b = torch.randn(2 * k, 3 * n).slice(0, step: 2).slice(1, step: 3)
        assertClose(a.mm(b), Tensor(referenceProduct(a, b).map { Float($0) }, shape: [m, n]), rtol: 1e-4, atol: 1e-4)
      }
    }
  }

  /// CRC-32 on both paths (carry-less multiply folding, slicing by eight) against the bitwise
  /// definition, for every length up to 300 at odd offsets and for longer random buffers, with
  /// a running CRC carried in; and the standard check value of "123456789".
  func testCRC32MatchesTheBitwiseDefinition() {
    func reference(_ seed: UInt32, _ bytes: ArraySlice<UInt8>) -> UInt32 {
      var crc = ~seed
      for byte in bytes {
        crc ^= UInt32(byte)
        for _ in 0..<8 { crc = (crc >> 1) ^ (0xEDB8_8320 & (0 &- (crc & 1))) }
      }
      return ~crc
    }
    var random = SplitMix64(seed: 32)
    let buffer = (0..<5000).map { _ in UInt8(random.below(256)) }
    for path in paths {
      ctk_force_portable(path)
      XCTAssertEqual(ctk_crc32(0, Array("123456789".utf8), 9), 0xCBF4_3926)
      let lengths = Array(0...300) + (0..<200).map { _ in random.below(4900) }
      for length in lengths {
        let offset = random.below(64), seed = UInt32(truncatingIfNeeded: random.next())
        let slice = buffer[offset..<(offset + length)]
        let crc = slice.withUnsafeBytes { ctk_crc32(seed, $0.baseAddress, $0.count) }
        XCTAssertEqual(crc, reference(seed, slice), "path \(path), length \(length), offset \(offset)")
      }
    }
  }

  func testAddmmFusesBiasAndScales() {
    for path in paths {
      ctk_force_portable(path)
      let bias = torch.randn(7), a = torch.randn(5, 9), b = torch.randn(9, 7)
      let fused = torch.addmm(bias, a, b, beta: 0.5, alpha: 2)
      let separate = bias * 0.5 + a.mm(b) * 2.0
      assertClose(fused, separate, rtol: 1e-5, atol: 1e-5)
    }
  }

  func testVectorKernelsMatchReferenceLoops() {
    for path in paths {
      ctk_force_portable(path)
      for n in [1, 7, 8, 31, 40, 1000, 1027] {
        let x = torch.randn(n), y = torch.randn(n)
        let xs = x.toArray(), ys = y.toArray()
        XCTAssertEqual((x + y).toArray(), zip(xs, ys).map { $0 + $1 })
        XCTAssertEqual((x * y).toArray(), zip(xs, ys).map { $0 * $1 })
        XCTAssertEqual((x - y).toArray(), zip(xs, ys).map { $0 - $1 })
        XCTAssertEqual((x / y).toArray(), zip(xs, ys).map { $0 / $1 })
        XCTAssertEqual(x.relu().toArray(), xs.map { Swift.max($0, 0) })
        XCTAssertEqual(x.sum().item(), xs.reduce(0.0) { $0 + Double($1) }, accuracy: 1e-3)
        ctk_force_portable(1)
        let portableSum = x.sum().item(Float.self)
        ctk_force_portable(path)
        XCTAssertEqual(x.sum().item(Float.self).bitPattern, portableSum.bitPattern, "the sum's bits do not depend on the path")
        // add(alpha:) is one FMA, as PyTorch's kernel: with alpha 0.1 (not a float) the fused
        // and unfused results differ in some elements, so this tells them apart.
        let alpha: Float = 0.1
        let fused = zip(xs, ys).map { $0.addingProduct(alpha, $1) }, unfused = zip(xs, ys).map { $0 + alpha * $1 }
        if n >= 1000 { XCTAssertNotEqual(fused, unfused, "the check must discriminate") }
        let copy = x.clone()
        torch.noGrad { copy.add_(y, alpha: Double(alpha)) }
        XCTAssertEqual(copy.toArray(), fused, "add_ in place")
        XCTAssertEqual(x.add(y, alpha: Double(alpha)).toArray(), fused, "add out of place")
        XCTAssertEqual(x.add(y.t().t(), alpha: Double(alpha)).toArray(), fused)
      }
    }
  }

  /// tanh's and sigmoid's derivative kernels round each product on its own, as PyTorch's
  /// formulas and the float64 form: no fused multiply-add, on either path.
  func testActivationDerivativeKernelsMatchTheirFormulas() {
    for path in paths {
      ctk_force_portable(path)
      let g = torch.randn(1027), y = torch.rand(1027) * 2 - 1
      let gs = g.toArray(), ys = y.toArray()
      let tanh = zip(gs, ys).map { $0 * (1 - $1 * $1) }, sigmoid = zip(gs, ys).map { $0 * (1 - $1) * $1 }
      let fused = zip(gs, ys).map { $0 * Float(1).addingProduct(-$1, $1) }
      XCTAssertNotEqual(tanh, fused, "the check must discriminate a fused 1 − y²")
      var out = [Float](repeating: 0, count: 1027)
      ctk_tanh_backward_f32(1027, gs, ys, &out)
      XCTAssertEqual(out, tanh)
      ctk_sigmoid_backward_f32(1027, gs, ys, &out)
      XCTAssertEqual(out, sigmoid)
    }
  }

  /// pow's special exponents are PyTorch's products and quotients (x³ is (x·x)·x, x⁻² is
  /// 1/(x·x)), not `pow`, whose correctly rounded x³ differs in the last bit for some x.
  func testPowerSpecialCasesRoundAsPyTorch() {
    let x = torch.rand(4096) * 4 + 0.25
    let xs = x.toArray()
    let cubes = xs.map { $0 * $0 * $0 }
    XCTAssertEqual(x.pow(3).toArray(), cubes)
    XCTAssertNotEqual(cubes, xs.map { Foundation.pow($0, 3) }, "the check must discriminate")
    XCTAssertEqual(x.pow(-2).toArray(), xs.map { 1 / ($0 * $0) })
    XCTAssertEqual(x.pow(-1).toArray(), xs.map { 1 / $0 })
    XCTAssertEqual(x.pow(-0.5).toArray(), xs.map { 1 / $0.squareRoot() })
    XCTAssertEqual(x.pow(1).toArray(), xs)
    XCTAssertEqual(torch.tensor([Float.nan]).pow(0).item(), 1)
  }

  /// The dense power kernels on both paths, bit for bit PyTorch's formulas for the special
  /// exponents and powf for others, over signs, zeros, subnormals, infinities and NaN, at
  /// lengths that leave a tail after the vector loop; sqrt, rsqrt and reciprocal are the same
  /// loops.
  func testPowerKernelsAreTheirFormulasOnBothPaths() {
    let specials: [Float] = [0, -0.0, .infinity, -.infinity, .nan, .leastNonzeroMagnitude, -.leastNormalMagnitude, .greatestFiniteMagnitude]
    let inputs = stride(from: -9.0, through: 9.0, by: 1.0 / 256).map { Float($0) * 1.0001 } + specials
    let formulas: [(Float, (Float) -> Float)] = [
      (1, { $0 }), (2, { $0 * $0 }), (3, { $0 * $0 * $0 }), (0.5, { $0.squareRoot() }), (-0.5, { 1 / $0.squareRoot() }),
      (-1, { 1 / $0 }), (-2, { 1 / ($0 * $0) }), (1.7, { Foundation.powf($0, 1.7) }), (-3, { Foundation.powf($0, -3) }),
    ]
    let unary: [(String, (Int64, UnsafePointer<Float>?, UnsafeMutablePointer<Float>?) -> Void, (Float) -> Float)] = [
      ("sqrt", ctk_sqrt_f32, { $0.squareRoot() }), ("rsqrt", ctk_rsqrt_f32, { 1 / $0.squareRoot() }), ("reciprocal", ctk_reciprocal_f32, { 1 / $0 }),
    ]
    for path in paths {
      ctk_force_portable(path)
      let where_ = String(cString: ctk_kernel_path())
      for count in [inputs.count, 13] {
        let x = Array(inputs.prefix(count))
        for (p, formula) in formulas {
          var out = [Float](repeating: 0, count: count)
          ctk_pow_scalar_f32(Int64(count), x, p, 0, &out)
          let differing = differingBits(out, x.map(formula))
          XCTAssertEqual(differing.count, 0, "\(where_): x^\(p), first at \(differing.first.map { x[$0] } ?? 0)")
        }
        for (name, kernel, formula) in unary {
          var out = [Float](repeating: 0, count: count)
          kernel(Int64(count), x, &out)
          XCTAssertEqual(differingBits(out, x.map(formula)).count, 0, "\(where_): \(name)")
        }
      }
    }
    XCTAssertNotEqual(differingBits(inputs.map { $0 * $0 * $0 }, inputs.map { Foundation.powf($0, 3) }).count, 0,
                      "x·x·x and powf(x, 3) differ somewhere, so the cube's check discriminates")
  }

  /// The dense float32 reductions give the strided loop's bits: max, min, amax and amin over
  /// trailing dims (the first NaN, else the first element equal to the extremum, so a tie of
  /// +0 and −0 keeps the first) and sums over leading dims (each output element in row order),
  /// on both paths, with NaN, ±0 ties and ±∞ in some rows and a tail after the lanes.
  func testDenseReductionsGiveTheStridedLoopsBits() {
    torch.manualSeed(5)
    var values = (torch.randn(7, 37) * 4).toArray(Float.self)
    for (row, column, value) in [(1, 20, Float.nan), (1, 3, 1e30), (2, 0, -0.0), (3, 36, .infinity), (4, 9, -.infinity), (5, 35, .nan)] {
      values[row * 37 + column] = value
    }
    for k in 0..<37 { values[6 * 37 + k] = k == 0 ? -0.0 : 0.0 }  // all zeros: the first, −0, is the extremum's sign
    let dense = torch.tensor(values).view(7, 37)
    let strided = dense.t().contiguous().t()
    XCTAssertFalse(strided.isContiguous)
    for path in paths {
      ctk_force_portable(path)
      let name = String(cString: ctk_kernel_path())
      let pairs: [(String, (Tensor) -> Tensor)] = [
        ("amax", { $0.amax(dims: [1]) }), ("amin", { $0.amin(dims: [1]) }), ("amax all", { $0.amax(dims: [0, 1]) }), ("max", { $0.max() }),
        ("min", { $0.min() }), ("sum0", { $0.sum(dim: 0) }), ("mean0", { $0.mean(dim: 0) }),
        ("min of a row of zeros", { $0.narrow(0, start: 6, length: 1).min() }),
      ]
      for (op, reduce) in pairs {
        let ours = reduce(dense).toArray(Float.self), expected = reduce(strided).toArray(Float.self)
        XCTAssertEqual(differingBits(ours, expected).count, 0, "\(name) \(op): \(ours) against \(expected)")
      }
      XCTAssertEqual(dense.amax(dims: [1]).toArray(Float.self)[6].bitPattern, (-0.0 as Float).bitPattern, name)
      XCTAssertTrue(dense.amax(dims: [1]).toArray(Float.self)[1].isNaN, name)
      XCTAssertEqual(torch.tensor([Float(0), -0.0, -1]).amax(dims: [0]).item(Float.self).bitPattern, Float(0).bitPattern, name)
    }
  }

  /// `ctk_copy_rows_f32` (how the direct convolution fills its input planes) copies each row's
  /// floats and nothing else: row lengths below, at and between multiples of the vector width,
  /// pitches longer than the rows on both sides, on both paths.
  func testRowCopiesTouchOnlyTheirRows() {
    for path in paths {
      ctk_force_portable(path)
      let name = String(cString: ctk_kernel_path())
      for count in [1, 5, 7, 8, 9, 16, 23, 28, 33] {
        let (rows, sourcePitch, targetPitch) = (5, count + 3, count + 7)
        let source = (0..<rows * sourcePitch).map { Float($0) }
        var target = [Float](repeating: -1, count: rows * targetPitch + 4)
        source.withUnsafeBufferPointer { s in
          target.withUnsafeMutableBufferPointer { t in
            ctk_copy_rows_f32(s.baseAddress! + 1, Int64(sourcePitch), t.baseAddress! + 2, Int64(targetPitch), Int64(rows), Int64(count))
          }
        }
        var expected = [Float](repeating: -1, count: rows * targetPitch + 4)
        for r in 0..<rows {
          for i in 0..<count { expected[2 + r * targetPitch + i] = Float(1 + r * sourcePitch + i) }
        }
        XCTAssertEqual(target, expected, "\(name) rows of \(count)")
      }
    }
  }

  /// Transposed matrices (`t()`, a batch's last two dims swapped, a narrowed source with a
  /// longer leading dimension and an offset) copy into row-major order element for element,
  /// for 4- and 8-byte dtypes, on both paths, at sizes with and without full 8x8 tiles.
  func testTransposedCopiesMoveEveryElement() {
    for path in paths {
      ctk_force_portable(path)
      let name = String(cString: ctk_kernel_path())
      for (rows, cols) in [(2, 3), (8, 8), (7, 9), (37, 61), (512, 64), (9, 300)] {
        let source = torch.arange(0, Double(rows * cols)).view(cols, rows)  // int-valued float32 bits
        for dtype in [DType.float32, .int64, .float64] {
          let values = source.to(dtype).t().contiguous().toArray(Double.self)
          let expected = (0..<rows).flatMap { r -> [Double] in (0..<cols).map { c -> Double in Double(c * rows + r) } }
          XCTAssertEqual(values, expected, "\(name) \(dtype) \(rows)x\(cols)")
        }
        let wide = torch.arange(0, Double(cols * (rows + 5))).view(cols, rows + 5).narrow(1, start: 2, length: rows)
        XCTAssertEqual(wide.t().contiguous().toArray(Double.self),
                       (0..<rows).flatMap { r -> [Double] in (0..<cols).map { c -> Double in Double(c * (rows + 5) + r + 2) } },
                       "\(name) narrowed \(rows)x\(cols)")
      }
      let batch = torch.arange(0, Double(3 * 13 * 21)).view(3, 13, 21)  // [B, C, R]
      var batchExpected: [Double] = []
      for b in 0..<3 {
        for r in 0..<21 {
          for c in 0..<13 { batchExpected.append(Double(b * 273 + c * 21 + r)) }
        }
      }
      XCTAssertEqual(batch.transpose(1, 2).contiguous().toArray(Double.self), batchExpected, name)
    }
  }

  /// clamp and its derivative on dense float32 are the Swift forms bit for bit on both paths:
  /// x < lo ? lo : x, then above hi hi (a value equal to a bound, ±0 included, and NaN stay), and g
  /// strictly inside, where (lo is NaN or x > lo) and (hi is NaN or x < hi), else +0 (a NaN
  /// bound is an absent one), for bounds that are finite, infinite, equal or NaN.
  func testClampKernelsAreTheirFormulas() {
    let inputs = stride(from: -3.0, through: 3.0, by: 1.0 / 16).map { Float($0) } + [0, -0.0, .infinity, -.infinity, .nan, 0.5, -0.5]
    let gradients = inputs.indices.map { Float($0 % 7) - 3 }
    let bounds: [(Float, Float)] = [(-0.5, 0.5), (0, .infinity), (-.infinity, -0.0), (0, 0), (.nan, 1), (-1, .nan)]
    for path in paths {
      ctk_force_portable(path)
      for (lo, hi) in bounds {
        var clamped = [Float](repeating: 0, count: inputs.count), slope = clamped
        ctk_clamp_f32(Int64(inputs.count), inputs, lo, hi, &clamped)
        ctk_clamp_backward_f32(Int64(inputs.count), gradients, inputs, lo, hi, &slope)
        let expected = inputs.map { v in Torch.clamped(v, lo, hi) }
        let expectedSlope = inputs.indices.map { k -> Float in (lo.isNaN || inputs[k] > lo) && (hi.isNaN || inputs[k] < hi) ? gradients[k] : 0 }
        let name = "\(String(cString: ctk_kernel_path())) [\(lo), \(hi)]"
        XCTAssertEqual(differingBits(clamped, expected).count, 0, name)
        XCTAssertEqual(differingBits(slope, expectedSlope).count, 0, name + " backward")
      }
    }
  }

  /// torch.where and masked_fill over dense operands pick each element's bits from the right
  /// side, for float32 (the vector path), float64 and int64, at lengths with a tail, with NaN
  /// payloads and −0 carried through, on both paths; a strided condition takes the general loop
  /// and agrees.
  func testDenseWherePicksEachElementsBits() {
    torch.manualSeed(6)
    for path in paths {
      ctk_force_portable(path)
      for n in [1, 8, 13, 1027] {
        let condition = torch.rand(n).gt(0.5)
        let picks = condition.toArray(Bool.self)
        for dtype in [DType.float32, .float64, .int64] {
          var first = (torch.randn(n) * 100).to(dtype), second = (torch.randn(n) * 100).to(dtype)
          if dtype == .float32 {
            first = torch.tensor((0..<n).map { $0 % 3 == 0 ? Float(bitPattern: 0x7fc0_0042) : Float($0) })
            second = torch.tensor((0..<n).map { $0 % 2 == 0 ? -0.0 : -Float($0) })
          }
          let result = torch.where(condition, first, second).toArray(Double.self)
          let (xs, ys) = (first.toArray(Double.self), second.toArray(Double.self))
          let expected = (0..<n).map { picks[$0] ? xs[$0] : ys[$0] }
          XCTAssertEqual(result.map { $0.bitPattern }, expected.map { $0.bitPattern }, "\(String(cString: ctk_kernel_path())) \(dtype) \(n)")
        }
        let x = torch.randn(n)
        XCTAssertEqual(x.maskedFill(condition, -1).toArray(Float.self), zip(picks, x.toArray(Float.self)).map { $0 ? -1 : $1 })
      }
      let strided = torch.rand(7, 5).gt(0.5).t()
      let (a, b) = (torch.randn(5, 7), torch.randn(5, 7))
      XCTAssertEqual(torch.where(strided, a, b).toArray(Float.self), torch.where(strided.contiguous(), a, b).toArray(Float.self))
    }
  }

  /// TORCH_NUM_THREADS (then OMP_NUM_THREADS) sizes the pool; setNumThreads changes it; results
  /// do not depend on it.
  func testThreadCountComesFromTheEnvironmentAndSetNumThreads() {
    assertStops("reportThreads", with: "threads=3", environment: ["TORCH_NUM_THREADS": "3", "OMP_NUM_THREADS": "5"])
    assertStops("reportThreads", with: "threads=5", environment: ["TORCH_NUM_THREADS": "", "OMP_NUM_THREADS": "5"])
    let saved = torch.getNumThreads()
    defer { torch.setNumThreads(saved) }
    torch.manualSeed(4)
    let a = torch.randn(300, 200), b = torch.randn(200, 150)
    torch.setNumThreads(1)
    XCTAssertEqual(torch.getNumThreads(), 1)
    let single = a.mm(b).toArray(Float.self)
    torch.setNumThreads(2)
    XCTAssertEqual(torch.getNumThreads(), 2)
    XCTAssertEqual(a.mm(b).toArray(Float.self), single, "the same bits on one thread and two")
  }

  func testAdamKernelMatchesTensorEquations() {
    var results: [[Float]] = []
    for path in paths {
      ctk_force_portable(path)
      for amsgrad in [false, true] {
        torch.manualSeed(9)
        let p32 = torch.randn([37], requiresGrad: true), p64 = p32.detach().double().requiresGrad_()
        let fast = optim.Adam([p32], lr: 0.01, weightDecay: amsgrad ? 0.1 : 0, amsgrad: amsgrad)
        let reference = optim.Adam([p64], lr: 0.01, weightDecay: amsgrad ? 0.1 : 0, amsgrad: amsgrad)
        for step in 0..<5 {
          let g = torch.randn(37) * Double(step + 1)
          p32.grad = g
          p64.grad = g.double()
          fast.step()
          reference.step()
        }
        assertClose(p32.double(), p64, rtol: 1e-5, atol: 1e-6)
        results.append(p32.toArray())
      }
    }
    // Every path rounds as PyTorch does (FMAs included), so they agree bit for bit.
    if results.count == 4 {
      XCTAssertEqual(results[0], results[2])
      XCTAssertEqual(results[1], results[3])
    }
  }

  func testNormalTransformIsPathIndependent() {
    for path in paths {
      ctk_force_portable(path)
      torch.manualSeed(0)
      let bits = torch.randn(100_003).toArray().map(\.bitPattern)
      XCTAssertEqual(Swift.stride(from: 0, to: bits.count, by: 997).map { bits[$0] }, pytorchRandnBits)
    }
  }

  /// Shallow stride-1 convolutions take the direct kernel (no columns), and so do deeper ones
  /// that keep their width, up to 4608 taps (the last eight cases: the weight gradient then
  /// runs the GEMM on the taps in place); output and weight gradient match float64
  /// convolutions (the generic columns path) on both dispatch paths: rows narrower and wider
  /// than the 16-wide tile (the overlapping last tile), 1 to 512 input channels, channel counts
  /// off the 6-row tile, groups, dilation, 1×1 and 5×5 kernels, no padding, and no bias; two
  /// outputs large enough to be written with streaming stores (the CNN's first layer, and one
  /// walked row by row); and planes of several 256-position blocks (the last block taking a
  /// tail shorter than a tile, or not).
  func testDirectConvolutionMatchesFloat64Columns() {
    struct Case { let n, cin, cout, h, w, k: Int; let padding: [Int]; let dilation, groups: Int; let bias: Bool }
    // Layers that keep their width (2·pw = dw·(kw − 1)) read kw shifted planes per channel as one
    // row; the others (second, fifth and last cases) read zero-padded planes row by row.
    let cases = [Case(n: 3, cin: 1, cout: 8, h: 28, w: 28, k: 3, padding: [1, 1], dilation: 1, groups: 1, bias: true),
                 Case(n: 2, cin: 3, cout: 7, h: 9, w: 11, k: 3, padding: [0, 0], dilation: 1, groups: 1, bias: false),
                 Case(n: 1, cin: 4, cout: 6, h: 17, w: 19, k: 3, padding: [2, 2], dilation: 2, groups: 2, bias: true),
                 Case(n: 2, cin: 2, cout: 13, h: 6, w: 40, k: 5, padding: [2, 2], dilation: 1, groups: 1, bias: true),
                 Case(n: 2, cin: 1, cout: 32, h: 10, w: 12, k: 3, padding: [2, 2], dilation: 1, groups: 1, bias: true),
                 Case(n: 2, cin: 2, cout: 5, h: 7, w: 5, k: 3, padding: [0, 1], dilation: 1, groups: 1, bias: true),
                 Case(n: 1, cin: 1, cout: 1, h: 16, w: 16, k: 1, padding: [0, 0], dilation: 1, groups: 1, bias: false),
                 Case(n: 1, cin: 1, cout: 3, h: 4, w: 3, k: 3, padding: [1, 3], dilation: 1, groups: 1, bias: true),
                 Case(n: 64, cin: 1, cout: 32, h: 28, w: 28, k: 3, padding: [1, 1], dilation: 1, groups: 1, bias: true),
                 Case(n: 4, cin: 1, cout: 64, h: 66, w: 66, k: 3, padding: [0, 0], dilation: 1, groups: 1, bias: true),
                 Case(n: 3, cin: 32, cout: 64, h: 14, w: 14, k: 3, padding: [1, 1], dilation: 1, groups: 1, bias: true),
                 Case(n: 2, cin: 10, cout: 13, h: 9, w: 7, k: 3, padding: [1, 1], dilation: 1, groups: 1, bias: false),
                 Case(n: 2, cin: 24, cout: 10, h: 11, w: 13, k: 3, padding: [2, 2], dilation: 2, groups: 2, bias: true),
                 Case(n: 2, cin: 56, cout: 7, h: 6, w: 5, k: 3, padding: [1, 1], dilation: 1, groups: 1, bias: true),
                 Case(n: 2, cin: 100, cout: 20, h: 5, w: 9, k: 1, padding: [0, 0], dilation: 1, groups: 1, bias: false),
                 Case(n: 1, cin: 4, cout: 9, h: 12, w: 10, k: 5, padding: [2, 2], dilation: 1, groups: 1, bias: true),
                 Case(n: 2, cin: 70, cout: 8, h: 5, w: 6, k: 3, padding: [1, 1], dilation: 1, groups: 1, bias: true),
                 Case(n: 1, cin: 512, cout: 7, h: 3, w: 3, k: 3, padding: [1, 1], dilation: 1, groups: 1, bias: false),
                 Case(n: 1, cin: 3, cout: 7, h: 23, w: 23, k: 3, padding: [1, 1], dilation: 1, groups: 1, bias: true),
                 Case(n: 1, cin: 2, cout: 5, h: 30, w: 26, k: 3, padding: [1, 1], dilation: 1, groups: 1, bias: true)]
    let streamed = cases.prefix(10).suffix(2).map { $0.n * $0.cout * ($0.h + 2 * $0.padding[0] - 2) * ($0.w + 2 * $0.padding[1] - 2) * 4 }
    XCTAssertTrue(streamed.allSatisfy { $0 >= CPUConvolution.streamedOutputBytes }, "\(streamed)")
    // One channel more than 512 of 3×3 is past the direct kernel's 4608 taps: columns.
    let deepest = SlidingWindow(inputSize: [3, 3], kernel: [3, 3], padding: [1, 1], stride: [1, 1], dilation: [1, 1])
    XCTAssertFalse(CPUConvolution(geometry: ConvolutionGeometry(window: deepest, groups: 1, inChannels: 513, outChannels: 4),
                                  batch: 1).usesDirectKernel)
    for path in paths {
      ctk_force_portable(path)
      torch.manualSeed(3)
      for c in cases {
        let window = SlidingWindow(inputSize: [c.h, c.w], kernel: [c.k, c.k], padding: c.padding, stride: [1, 1],
                                   dilation: [c.dilation, c.dilation])
        let geometry = ConvolutionGeometry(window: window, groups: c.groups, inChannels: c.cin, outChannels: c.cout)
        XCTAssertTrue(CPUConvolution(geometry: geometry, batch: c.n).usesDirectKernel, "\(c)")
        let x = torch.randn(c.n, c.cin, c.h, c.w)
        let w = torch.randn([c.cout, c.cin / c.groups, c.k, c.k], requiresGrad: true)
        let b = c.bias ? torch.randn(c.cout) : nil
        let y = F.conv2d(x, w, b, padding: c.padding, dilation: c.dilation, groups: c.groups)
        let g = torch.randn(y.shape.dims)
        let gw = torch.autograd.grad([y], [w], gradOutputs: [g])[0]
        let w64 = w.detach().double().requiresGrad_()
        let y64 = F.conv2d(x.double(), w64, b?.double(), padding: c.padding, dilation: c.dilation, groups: c.groups)
        let gw64 = torch.autograd.grad([y64], [w64], gradOutputs: [g.double()])[0]
        let label = "\(c) on \(String(cString: ctk_kernel_path()))"
        assertClose(y, y64, rtol: 1e-4, atol: 1e-4, "output \(label)")
        assertClose(gw, gw64, rtol: 1e-4, atol: 1e-3, "weight gradient \(label)")
      }
    }
  }

  /// Pooling (max and average) and batch, layer and group norm kernels, with their gradients, give the same bits on both paths (odd sizes, padding,
  /// strides, a NaN in a pooling window); convolution, whose GEMM rounds differently with FMA,
  /// agrees within float32 tolerance.
  func testConvolutionPoolingAndBatchNormKernelsArePathIndependent() {
    var exact: [[[UInt32]]] = []
    var convolutions: [[Tensor]] = []
    for path in paths {
      ctk_force_portable(path)
      torch.manualSeed(0)
      let x = torch.randn([3, 5, 9, 7], requiresGrad: true), w = torch.randn([4, 5, 3, 2], requiresGrad: true)
      let y = F.conv2d(x, w, stride: [2, 1], padding: 1, dilation: [1, 2])
      y.sum().backward()
      convolutions.append([y.detach(), x.grad!, w.grad!])
      let pooled = F.maxPool2d(x.detach().withNaN(), kernelSize: 3, stride: 2, padding: 1)
      let pooled2 = F.maxPool2d(x.detach().withNaN(), kernelSize: 2)
      XCTAssertTrue(pooled[0, 0, 0, 0].item().isNaN && pooled2[0, 0, 0, 0].item().isNaN, "max pooling propagates NaN")
      let input = x.detach().requiresGrad_()
      let normalized = F.batchNorm(input, runningMean: nil, runningVar: nil, weight: torch.rand(5), training: true)
      (normalized * normalized).sum().backward()
      let averaged = x.detach().requiresGrad_()
      let average = F.avgPool2d(averaged, kernelSize: 3, stride: 2, padding: 1, ceilMode: true, countIncludePad: false)
      (average * average).sum().backward()
      let layered = x.detach().requiresGrad_(), (gain, shift) = (torch.randn([9, 7], requiresGrad: true), torch.randn([9, 7], requiresGrad: true))
      let layerNormed = F.layerNorm(layered, [9, 7], weight: gain, bias: shift)
      (layerNormed * layerNormed).sum().backward()
      let grouped = torch.randn([3, 6, 4, 5], requiresGrad: true), groupGain = torch.randn([6], requiresGrad: true)
      let groupNormed = F.groupNorm(grouped, numGroups: 3, weight: groupGain)
      (groupNormed * groupNormed).sum().backward()
      exact.append([pooled, pooled2, normalized, input.grad!, average, averaged.grad!, layerNormed, layered.grad!, gain.grad!, shift.grad!,
                    groupNormed, grouped.grad!, groupGain.grad!].map { $0.detach().flatten().toArray(Float.self).map(\.bitPattern) })
    }
    guard exact.count == 2 else { return }
    for (index, (a, b)) in zip(exact[0], exact[1]).enumerated() { XCTAssertTrue(a == b, "result \(index) differs between the paths") }
    for (a, b) in zip(convolutions[0], convolutions[1]) { assertClose(a, b, rtol: 1e-5, atol: 1e-5) }
  }

  /// The 2×2, stride-2 max pool (eight outputs at a time on the AVX2 path) gives, on both
  /// paths, each window's maximum and its flat position by the scan rule, computed here
  /// independently: the first maximum in scan order, replaced by any later NaN (PyTorch's CPU
  /// rule). Small integers make ties common; NaNs, −∞ and −0 are sprinkled in; rows 37 wide
  /// give 18 outputs (two blocks of eight and an overlapping last one) and leave the last
  /// column unread, rows 13 wide give 6 (one masked block).
  func testMaxPool2x2MatchesTheScanRuleOnBothPaths() {
    torch.manualSeed(11)
    for width in [37, 13] {
      let (planes, height, outWidth) = (6, 10, width / 2)
      var flat = torch.rand(planes * height * width).toArray(Float.self).map { ($0 * 4).rounded(.down) - 2 }
      for (index, special) in [(5, Float.nan), (40, .nan), (41, .nan), (77, -.infinity), (78, -0.0), (300, .nan), (711, .nan)] {
        flat[index] = special
      }
      let x = torch.tensor(flat).reshape(2, 3, height, width)
      var expectedValues: [UInt32] = [], expectedIndices: [Int64] = []
      for plane in 0..<planes {
        for oy in 0..<height / 2 {
          for ox in 0..<outWidth {
            var best = 2 * oy * width + 2 * ox, maximum = flat[plane * height * width + best]
            for position in [best + 1, best + width, best + width + 1] {
              let v = flat[plane * height * width + position]
              if v > maximum || v.isNaN { (maximum, best) = (v, position) }
            }
            expectedValues.append(maximum.bitPattern)
            expectedIndices.append(Int64(best))
          }
        }
      }
      for path in paths {
        ctk_force_portable(path)
        let (pooled, indices) = F.maxPool2dWithIndices(x, kernelSize: 2)
        let label = "width \(width) on \(String(cString: ctk_kernel_path()))"
        XCTAssertEqual(pooled.shape.dims, [2, 3, height / 2, outWidth])
        XCTAssertEqual(pooled.flatten().toArray(Float.self).map(\.bitPattern), expectedValues, label)
        XCTAssertEqual(indices.flatten().toArray(Int64.self), expectedIndices, label)
      }
    }
  }

  /// The float32 exp kernel gives libm's expf bit for bit on both paths (the AVX2 path
  /// computes glibc's steps eight lanes at a time; elsewhere than Linux only the portable
  /// path, which calls the platform's expf, is held to it), over 2M floats spread across [−110, 110]
  /// and the edges (NaN, ±∞, overflow, subnormal results); sigmoid, SiLU and SiLU's slope
  /// give their formulas over libm's expf, bit for bit.
  func testFloat32ExpFamilyGivesLibmsBits() {
    var inputs = (0..<2_000_000).map { Float(-110 + 220 * Double($0) / 2_000_000) }
    inputs += [0, -0.0, 1e-30, -1e-30, 87.99, 88, 88.7, 88.73, 89, -87.3, -88, -100, -103.9, -104, -150, 1e30, -1e30, .infinity, -.infinity, .nan]
    inputs += (0..<1000).map { Float(bitPattern: 0x42AF_FF00 + UInt32($0)) }  // around 88, where glibc's fast path ends
    let n = inputs.count
    var exp = [Float](repeating: 0, count: n), sigmoid = exp, silu = exp, slope = exp
    for path in paths {
      ctk_force_portable(path)
      let kernel = String(cString: ctk_kernel_path())
      ctk_exp_f32(Int64(n), inputs, &exp)
      ctk_sigmoid_f32(Int64(n), inputs, &sigmoid)
      ctk_silu_f32(Int64(n), inputs, &silu)
      ctk_silu_backward_f32(Int64(n), [Float](repeating: 1.5, count: n), inputs, &slope)
      var mismatches = (exp: 0, sigmoid: 0, silu: 0, slope: 0)
      for (k, x) in inputs.enumerated() {
        let e = Foundation.expf(x), s = 1 / (1 + Foundation.expf(-x))
        if exp[k].bitPattern != e.bitPattern { mismatches.exp += 1 }
        if sigmoid[k].bitPattern != s.bitPattern { mismatches.sigmoid += 1 }
        if silu[k].bitPattern != (x / (1 + Foundation.expf(-x))).bitPattern { mismatches.silu += 1 }
        let expectedSlope: Float = 1.5 * s * (1 + x * (1 - s))
        if slope[k].bitPattern != expectedSlope.bitPattern { mismatches.slope += 1 }
      }
      #if !os(Linux)
      // The AVX2 path computes glibc's expf; another libm rounds differently in rare cases.
      if path == 0 { continue }
      #endif
      XCTAssertEqual(mismatches.exp, 0, "\(kernel): exp results differing from expf")
      XCTAssertEqual(mismatches.sigmoid, 0, "\(kernel): sigmoid results differing from 1 / (1 + expf(-x))")
      XCTAssertEqual(mismatches.silu, 0, "\(kernel): SiLU results differing from x / (1 + expf(-x))")
      XCTAssertEqual(mismatches.slope, 0, "\(kernel): SiLU slopes differing from their formula")
    }
  }

  /// The float32 log kernel gives libm's logf bit for bit on both paths (the AVX2 one computes
  /// glibc's steps eight lanes at a time): 2M float bit patterns spread over every positive
  /// exponent, the run around 1 (where the table's subintervals meet), and the values its
  /// fast path leaves to logf (zero, subnormals, negatives, ±∞, NaN).
  func testFloat32LogGivesLibmsBits() {
    var inputs = (0..<2_000_000).map { Float(bitPattern: 0x0080_0000 + UInt32($0) * 1063) }
    inputs += (0..<20_000).map { Float(bitPattern: 0x3F7F_D8F0 + UInt32($0)) }
    inputs += [0, -0.0, 1, -1, .leastNonzeroMagnitude, Float(bitPattern: 0x0004_5B20), -Float(bitPattern: 0x0004_5B20), .leastNormalMagnitude, .greatestFiniteMagnitude, .infinity, -.infinity, .nan]
    let n = inputs.count
    var log = [Float](repeating: 0, count: n)
    for path in paths {
      ctk_force_portable(path)
      ctk_log_f32(Int64(n), inputs, &log)
      let differing = differingBits(log, inputs.map { Foundation.logf($0) })
      #if !os(Linux)
      // The AVX2 path computes glibc's logf; another libm rounds differently in rare cases.
      if path == 0 { continue }
      #endif
      XCTAssertEqual(differing.count, 0, "\(String(cString: ctk_kernel_path())): log differs from logf, first at \(differing.first.map { inputs[$0] } ?? 0)")
    }
  }

  /// log1p is within 1 ulp of the correctly rounded value on both paths: across its two forms
  /// and their seams (1 + x = √½ and √2), tiny inputs (where it is x), near −1, large values,
  /// and the special values libm's log1pf takes (−1, below −1, ±∞, NaN; −0 stays −0).
  func testFloat32Log1pIsWithinAnUlp() {
    var inputs = stride(from: -0.999, through: 8.0, by: 1.0 / 4096).map { Float($0) }
    inputs += (-60...60).map { Float(bitPattern: 0x3E95_F61A &+ UInt32(bitPattern: Int32($0))) }  // around −0.29289 as magnitude
    inputs += (-60...60).map { -Float(bitPattern: 0x3E95_F61A &+ UInt32(bitPattern: Int32($0))) }
    inputs += (-60...60).map { Float(bitPattern: 0x3ED4_13CD &+ UInt32(bitPattern: Int32($0))) }  // around 0.41421
    inputs += (0..<200).map { Float(bitPattern: 0x0080_0000 + UInt32($0) * 5_000_000) }  // tiny to huge
    inputs += [0, -0.0, 1e-30, -1e-30, .leastNonzeroMagnitude, -0.99999994, -1, -1.5, 1e30, .greatestFiniteMagnitude, .infinity, -.infinity, .nan]
    let n = inputs.count
    var log1p = [Float](repeating: 0, count: n)
    for path in paths {
      ctk_force_portable(path)
      ctk_log1p_f32(Int64(n), inputs, &log1p)
      XCTAssertLessThanOrEqual(largestUlpError(log1p, inputs, Foundation.log1p), 1, "\(String(cString: ctk_kernel_path())): log1p's largest error in ulp")
    }
  }

  /// softplus and its derivative on dense float32 are their formulas over expf and the log1p
  /// kernel, bit for bit, on both paths, with β and a threshold other than the defaults too;
  /// `F.softplus` and its gradient run them.
  func testFloat32SoftplusIsItsFormula() {
    let inputs = stride(from: -120.0, through: 120.0, by: 1.0 / 64).map { Float($0) } + [0, -0.0, .infinity, -.infinity, .nan]
    let n = inputs.count, gradients = inputs.indices.map { Float($0 % 5) - 2 }
    for path in paths {
      ctk_force_portable(path)
      for (beta, threshold) in [(Float(1), Float(20)), (Float(2.5), Float(7))] {
        let scaled = inputs.map { $0 * beta }
        let exponentials = scaled.map { Foundation.expf($0) }
        var logs = exponentials
        ctk_log1p_f32(Int64(n), exponentials, &logs)
        var soft = [Float](repeating: 0, count: n), slope = soft
        ctk_softplus_f32(Int64(n), inputs, beta, threshold, &soft)
        ctk_softplus_backward_f32(Int64(n), gradients, inputs, beta, threshold, &slope)
        let expected = (0..<n).map { k -> Float in scaled[k] > threshold ? inputs[k] : logs[k] / beta }
        let expectedSlope = (0..<n).map { k -> Float in
          let (e, g) = (exponentials[k], gradients[k])
          return scaled[k] > threshold ? g : g * e / (e + 1)
        }
        let differing = (forward: differingBits(soft, expected).count, backward: differingBits(slope, expectedSlope).count)
        XCTAssertEqual(differing.forward, 0, "\(String(cString: ctk_kernel_path())): softplus, beta \(beta)")
        XCTAssertEqual(differing.backward, 0, "\(String(cString: ctk_kernel_path())): softplus's derivative, beta \(beta)")
      }
    }
    torch.manualSeed(2)
    let x = (torch.randn(40, 300) * 8).requiresGrad_(), g = torch.randn(40, 300)
    let y = F.softplus(x, beta: 2.5, threshold: 7)
    let written = torch.where((x * 2.5).gt(7.0), x, (x * 2.5).exp().log1p() / 2.5)
    XCTAssertEqual(y.detach().toArray(Float.self).map(\.bitPattern), written.detach().toArray(Float.self).map(\.bitPattern))
    let gradient = torch.autograd.grad([y], [x], gradOutputs: [g])[0], z = (x.detach() * 2.5).exp()
    let writtenGradient = torch.where((x.detach() * 2.5).gt(7.0), g, g * z / (z + 1))
    XCTAssertEqual(gradient.toArray(Float.self).map(\.bitPattern), writtenGradient.toArray(Float.self).map(\.bitPattern))
  }

  /// expm1 is within 1 ulp of the correctly rounded value on both paths (the AVX2 one evaluates
  /// it in doubles: a polynomial below |x| = ½, exp less 1 above; the portable one calls libm's
  /// expm1f), across the seam, tiny and saturating inputs and the special values.
  func testFloat32Expm1IsWithinAnUlp() {
    var inputs = stride(from: -100.0, through: 88.0, by: 1.0 / 256).map { Float($0) }
    inputs += [0, -0.0, 1e-30, -1e-30, 1e-8, -1e-8, 0.49999997, 0.5, -0.49999997, -0.5, 88.7, 89, -87, -88, .infinity, -.infinity, .nan]
    var expm1 = [Float](repeating: 0, count: inputs.count)
    for path in paths {
      ctk_force_portable(path)
      ctk_expm1_f32(Int64(inputs.count), inputs, &expm1)
      XCTAssertLessThanOrEqual(largestUlpError(expm1, inputs, Foundation.expm1), 1, "\(String(cString: ctk_kernel_path())): expm1's largest error in ulp")
    }
  }

  /// ELU and its derivative on dense float32 are their formulas over the expm1 kernel and expf,
  /// bit for bit, on both paths and for two values of α.
  func testFloat32EluIsItsFormula() {
    let inputs = stride(from: -110.0, through: 20.0, by: 1.0 / 64).map { Float($0) } + [0, -0.0, .infinity, -.infinity, .nan]
    let n = inputs.count, gradients = inputs.indices.map { Float($0 % 5) - 2 }
    for path in paths {
      ctk_force_portable(path)
      var expm1 = [Float](repeating: 0, count: n)
      ctk_expm1_f32(Int64(n), inputs, &expm1)
      for alpha in [Float(1), Float(0.3)] {
        var elu = [Float](repeating: 0, count: n), slope = elu
        ctk_elu_f32(Int64(n), inputs, alpha, 0, &elu)
        ctk_elu_backward_f32(Int64(n), gradients, inputs, alpha, 0, &slope)
        let expected = (0..<n).map { k -> Float in inputs[k] > 0 ? inputs[k] : alpha * expm1[k] }
        let expectedSlope = (0..<n).map { k -> Float in inputs[k] > 0 ? gradients[k] : gradients[k] * alpha * Foundation.expf(inputs[k]) }
        let differing = differingBits(elu, expected) + differingBits(slope, expectedSlope)
        XCTAssertEqual(differing.count, 0, "\(String(cString: ctk_kernel_path())): ELU, alpha \(alpha), first at \(differing.first.map { inputs[$0] } ?? 0)")
      }
    }
  }

  /// The float32 tanh kernel (Transcendental.h's exp-based form) against float64 libm, rounded
  /// to float32, over [−30, 30] in steps of 1/512 and the edges: within 2 ulp, NaN kept, ±∞
  /// and huge inputs saturating, on both paths. The fused LSTM cell's activations (its
  /// workspace: σ of the input gate, tanh of the cell gate) are the kernels' bits.
  func testFloat32TanhIsWithinTwoUlps() {
    var inputs = stride(from: -30.0, through: 30.0, by: 1.0 / 512).map { Float($0) }
    inputs += [0, -0.0, 1e-30, -1e-30, 0.4, -0.4, 0.39999998, 9.01, 9.1, -9.1, 88, -88, 89, -89, 100, -100, 1e30, -1e30, .infinity, -.infinity, .nan]
    let n = inputs.count
    var sigmoid = [Float](repeating: 0, count: n), tanh = sigmoid, workspace = [Float](repeating: 0, count: 5 * n), h = sigmoid, c = sigmoid
    let hiddenGates = inputs + [Float](repeating: 0, count: n) + inputs + [Float](repeating: 0, count: n)
    for path in paths {
      ctk_force_portable(path)
      let kernel = String(cString: ctk_kernel_path())
      ctk_tanh_f32(Int64(n), inputs, &tanh)
      XCTAssertLessThanOrEqual(largestUlpError(tanh, inputs, Foundation.tanh), 2, "\(kernel): tanh's largest error in ulp")
      ctk_sigmoid_f32(Int64(n), inputs, &sigmoid)
      ctk_lstm_cell_f32(1, Int64(n), hiddenGates, [Float](repeating: 0, count: 4 * n), [Float](repeating: 0, count: n), &h, &c, &workspace)
      XCTAssertEqual(Array(workspace[0..<n]).map(\.bitPattern), sigmoid.map(\.bitPattern), "\(kernel): the fused cell's sigmoid")
      XCTAssertEqual(Array(workspace[2 * n ..< 3 * n]).map(\.bitPattern), tanh.map(\.bitPattern), "\(kernel): the fused cell's tanh")
    }
  }

  /// erf is within 1 ulp of the correctly rounded value on both paths (the AVX2 one evaluates
  /// it in doubles, the portable one calls libm's erff), across both polynomial pieces, their
  /// seams, the saturated tails and the special values; GELU and its derivative are their
  /// float formulas over that erf, bit for bit.
  func testFloat32ErfIsWithinAnUlpAndGeluIsItsFormula() {
    var inputs = stride(from: -6.0, through: 6.0, by: 1.0 / 1024).map { Float($0) }
    inputs += [0, -0.0, 1e-30, -1e-30, 1e-5, 0.99999994, 1, 1.0000001, -1, 3.92, 3.9999998, 4, -4, 10, -10, 1e30, -1e30]
    inputs += [.infinity, -.infinity, .nan]
    let n = inputs.count
    let halves = inputs.map { $0 * Float(0.5.squareRoot()) }
    let gradients = inputs.indices.map { Float($0 % 7) - 3 }
    var erfs = [Float](repeating: 0, count: n), erfsOfHalves = erfs, gelu = erfs, slope = erfs
    for path in paths {
      ctk_force_portable(path)
      let kernel = String(cString: ctk_kernel_path())
      ctk_erf_f32(Int64(n), inputs, &erfs)
      XCTAssertLessThanOrEqual(largestUlpError(erfs, inputs, Foundation.erf), 1, "\(kernel): erf's largest error in ulp")
      ctk_erf_f32(Int64(n), halves, &erfsOfHalves)
      ctk_gelu_f32(Int64(n), inputs, &gelu)
      ctk_gelu_backward_f32(Int64(n), gradients, inputs, &slope)
      var expectedGelu = [Float](repeating: 0, count: n), expectedSlope = expectedGelu
      for k in 0..<n {
        let x = inputs[k], cdf = Float(0.5) * (1 + erfsOfHalves[k])
        expectedGelu[k] = x * Float(0.5) * (1 + erfsOfHalves[k])
        let pdf = Foundation.expf(-Float(0.5) * x * x) * Float(1 / (2 * Double.pi).squareRoot())
        expectedSlope[k] = gradients[k] * (cdf + x * pdf)
      }
      for (name, ours, expected) in [("GELU", gelu, expectedGelu), ("GELU's derivative", slope, expectedSlope)] {
        let differing = differingBits(ours, expected)
        XCTAssertEqual(differing.count, 0, "\(kernel): \(name) differs from its formula, first at x = \(differing.first.map { inputs[$0] } ?? 0)")
      }
    }
  }

  /// Under AVX2 erf takes blocks of eight lanes whose mix decides the work (lanes below |u| = 1
  /// need only the first piece; the others are computed whole, gathered four at a time), so a
  /// lane's bits must not depend on its neighbours: erf of values mixed at random (small,
  /// large, past 4, ±0, ±∞, NaN), over several chunks and a tail, equals erf of each value in a
  /// block of eight copies of it, and GELU and its derivative on the same values stay their
  /// formulas over it.
  func testErfLanesDoNotDependOnTheirNeighbours() {
    torch.manualSeed(21)
    let specials: [Float] = [0, -0.0, .infinity, -.infinity, .nan, 0.99999994, 1, -1, 1.0000001, 3.9999998, 4, 10, 1e-30]
    for n in [8, 64, 1003, 2051] {
      let kinds = torch.randint(0, 4, [n]).toArray(Int64.self), uniform = torch.rand(n).toArray(Float.self)
      let values: [Float] = (0..<n).map { k in
        switch kinds[k] {
        case 0: return uniform[k] * 2 - 1
        case 1: return (uniform[k] * 2 - 1) * 4.5
        case 2: return specials[k % specials.count]
        default: return (uniform[k] * 2 - 1) * 0.9
        }
      }
      var mixed = [Float](repeating: 0, count: n)
      ctk_erf_f32(Int64(n), values, &mixed)
      let full = n / 8 * 8
      for k in 0..<full {
        var alone = [Float](repeating: 0, count: 8)
        ctk_erf_f32(8, [Float](repeating: values[k], count: 8), &alone)
        XCTAssertEqual(mixed[k].bitPattern, alone[0].bitPattern, "erf(\(values[k])) at \(k) of \(n): \(mixed[k]) mixed, \(alone[0]) alone")
      }
      let halves = values.map { $0 * Float(0.5.squareRoot()) }
      var erfsOfHalves = [Float](repeating: 0, count: n), gelu = erfsOfHalves, slope = erfsOfHalves
      ctk_erf_f32(Int64(n), halves, &erfsOfHalves)
      ctk_gelu_f32(Int64(n), values, &gelu)
      let gradients = (0..<n).map { Float($0 % 5) - 2 }
      ctk_gelu_backward_f32(Int64(n), gradients, values, &slope)
      for k in 0..<full {
        let x = values[k], cdf = Float(0.5) * (1 + erfsOfHalves[k])
        let expectedGelu = x * Float(0.5) * (1 + erfsOfHalves[k])
        let pdf = Foundation.expf(-Float(0.5) * x * x) * Float(1 / (2 * Double.pi).squareRoot())
        XCTAssertEqual(gelu[k].bitPattern, expectedGelu.bitPattern, "GELU(\(x))")
        XCTAssertEqual(slope[k].bitPattern, (gradients[k] * (cdf + x * pdf)).bitPattern, "GELU's derivative at \(x)")
      }
    }
  }

  /// Layer norm with and without each affine parameter (each combination runs its own loop in
  /// the C kernels): float32 outputs and gradients agree with the formula written in float64
  /// tensor ops, (x − mean) / √(var + ε) · w + b, and its autograd gradients.
  func testLayerNormWithEitherOrNeitherParameterMatchesItsFormula() {
    torch.manualSeed(11)
    let x = torch.randn(6, 37) * 3 + 1, weight = torch.randn(37), bias = torch.randn(37), g = torch.randn(6, 37)
    for (useWeight, useBias) in [(false, false), (true, false), (false, true), (true, true)] {
      var results: [[Tensor]] = []
      for written in [false, true] {
        let dtype: DType = written ? .float64 : .float32
        let input = x.to(dtype).detach().requiresGrad_()
        let w = useWeight ? weight.to(dtype).detach().requiresGrad_() : nil, b = useBias ? bias.to(dtype).detach().requiresGrad_() : nil
        var y: Tensor
        if written {
          let centered = input - input.mean(dim: 1, keepdim: true)
          y = centered / ((centered * centered).mean(dim: 1, keepdim: true) + 1e-5).sqrt()
          if let w { y = y * w }
          if let b { y = y + b }
        } else {
          y = F.layerNorm(input, [37], weight: w, bias: b)
        }
        results.append([y] + torch.autograd.grad([y], [input] + [w, b].compactMap { $0 }, gradOutputs: [g.to(dtype)]))
      }
      for (kernel, formula) in zip(results[0], results[1]) {
        let difference = (kernel.to(.float64) - formula).abs().max().item()
        XCTAssertLessThan(difference, 2e-5, "weight \(useWeight), bias \(useBias)")
      }
    }
  }

  /// A softmax row's sum: eight lanes over the full eights, added as a fixed tree, then the
  /// tail in order (Softmax.c).
  func laneSum(_ values: ArraySlice<Float>) -> Float {
    var lanes = [Float](repeating: 0, count: 8), tail: Float = 0
    let full = values.count / 8 * 8
    for (k, v) in values.enumerated() {
      if k < full { lanes[k % 8] += v } else { tail += v }
    }
    return ((lanes[0] + lanes[4]) + (lanes[1] + lanes[5])) + ((lanes[2] + lanes[6]) + (lanes[3] + lanes[7])) + tail
  }

  /// Softmax and log-softmax over dense float32 rows, and their gradients, are their formulas
  /// bit for bit on both paths: e = expf(x − peak) (peak the row's first NaN, else its max,
  /// 0 for an all −∞ row), e / Σe or (x − peak) − logf(Σe); y·(g − Σg·y) and g − expf(y)·Σg,
  /// each Σ in lanes (`laneSum`). Rows of 131 (a tail after the lanes), an all −∞ row, a row
  /// with a NaN and one with −∞ entries among finite ones.
  func testSoftmaxFamilyGivesItsFormulasBits() {
    torch.manualSeed(4)
    let n = 131
    var xs = (torch.randn(6, n) * 3).toArray(Float.self)
    xs += [Float](repeating: -.infinity, count: n)
    xs += (0..<n).map { $0 == 70 ? .nan : Float($0 % 9) - 4 }
    xs += (0..<n).map { $0 % 3 == 0 ? -.infinity : Float($0) / 40 }
    let rows = xs.count / n
    let x = torch.tensor(xs).view(rows, n), g = torch.randn(rows, n)
    let gs = g.toArray(Float.self)
    func expected(log: Bool, _ ys: [Float]) -> (forward: [Float], backward: [Float]) {
      var forward = [Float](), backward = [Float]()
      for r in 0..<rows {
        let row = xs[r * n ..< (r + 1) * n], gRow = gs[r * n ..< (r + 1) * n], yRow = ys[r * n ..< (r + 1) * n]
        let peak = row.first(where: \.isNaN) ?? row.max()!
        let shift = peak == -.infinity ? 0 : peak
        let e = row.map { Foundation.expf($0 - shift) }, sum = laneSum(e[...])
        forward += log ? row.map { ($0 - shift) - Foundation.logf(sum) } : e.map { $0 / sum }
        if log {
          let dot = laneSum(gRow)
          backward += zip(gRow, yRow).map { g, y in g - Foundation.expf(y) * dot }
        } else {
          let dot = laneSum(ArraySlice(zip(gRow, yRow).map { $0 * $1 }))
          backward += zip(gRow, yRow).map { g, y in y * (g - dot) }
        }
      }
      return (forward, backward)
    }
    for path in paths {
      ctk_force_portable(path)
      for log in [false, true] {
        let leaf = x.clone().requiresGrad_()
        let y = log ? leaf.logSoftmax(dim: 1) : leaf.softmax(dim: 1)
        y.backward(g)
        let ys = y.detach().toArray(Float.self), reference = expected(log: log, ys)
        let name = "\(String(cString: ctk_kernel_path())) \(log ? "log-softmax" : "softmax")"
        let wrongForward = differingBits(ys, reference.forward), wrongBackward = differingBits(leaf.grad!.toArray(Float.self), reference.backward)
        XCTAssertEqual(wrongForward.count, 0, "\(name): first at \(wrongForward.first ?? -1)")
        XCTAssertEqual(wrongBackward.count, 0, "\(name) backward: first at \(wrongBackward.first ?? -1)")
      }
    }
  }

  /// Cross entropy's gradient through the fused kernel (`ctk_scaled_exp_rows_f32`, both paths) is
  /// bit for bit its formula on the log-probabilities: expf(lp)·s, then −s added at the target,
  /// s = the incoming gradient (over the total weight for 'mean') times the target's class
  /// weight (0 where the target is ignored), for each reduction, with and without weights, on
  /// rows with a tail past the last eight lanes; float64 takes the composed form.
  func testCrossEntropyGradientIsItsFormulasBits() {
    torch.manualSeed(5)
    let (rows, classes) = (9, 131)
    let x = torch.randn(rows, classes) * 3
    let targetValues = (0..<rows).map { $0 == 4 ? -100 : ($0 * 37) % classes }
    let target = torch.tensor(targetValues.map(Int64.init))
    // Quarter weights: every total is exact, whatever order it is summed in.
    let weightValues = (0..<classes).map { Float(1 + $0 % 4) / 4 }
    let lp = x.logSoftmax(dim: 1).toArray(Float.self)
    for path in paths {
      ctk_force_portable(path)
      for reduction in [Reduction.mean, .sum, .none] {
        for weighted in [false, true] {
          let leaf = x.clone().requiresGrad_()
          let loss = F.crossEntropy(leaf, target, weight: weighted ? torch.tensor(weightValues) : nil, reduction: reduction)
          let incoming = reduction == .none ? torch.randn(rows) : torch.ones([])
          loss.backward(incoming)
          let gs = incoming.toArray(Float.self)
          let weightOf = { (r: Int) -> Float in targetValues[r] == -100 ? 0 : (weighted ? weightValues[targetValues[r]] : 1) }
          let total = (0..<rows).map(weightOf).reduce(0, +)
          var expected = [Float](repeating: 0, count: rows * classes)
          for r in 0..<rows {
            let perRow: Float = reduction == .none ? gs[r] : (reduction == .sum ? gs[0] : gs[0] / total)
            let scale = perRow * weightOf(r)
            for k in 0..<classes { expected[r * classes + k] = Foundation.expf(lp[r * classes + k]) * scale }
            let t = targetValues[r] == -100 ? 0 : targetValues[r]
            expected[r * classes + t] = expected[r * classes + t] + -scale
          }
          let wrong = differingBits(leaf.grad!.toArray(Float.self), expected)
          XCTAssertEqual(wrong.count, 0, "\(String(cString: ctk_kernel_path())) \(reduction) weighted \(weighted): first at \(wrong.first ?? -1)")
        }
      }
    }
    // float64: the composed exp and product.
    let leaf = x.to(.float64).requiresGrad_()
    F.crossEntropy(leaf, target).backward()
    let lp64 = x.to(.float64).logSoftmax(dim: 1).toArray(Double.self), valid = Double(rows - 1)
    for r in 0..<rows where targetValues[r] != -100 {
      let k = (r * 5) % classes
      let expectedValue = Foundation.exp(lp64[r * classes + k]) * (1 / valid) - (k == targetValues[r] ? 1 / valid : 0)
      XCTAssertEqual(leaf.grad!.toArray(Double.self)[r * classes + k], expectedValue, accuracy: 1e-15)
    }
  }

  /// Byte targets (a segmentation's, ignoring 255) and strided long targets give cross entropy
  /// the loss and gradient bits of the same contiguous long targets ignoring −100: the safe
  /// indices the gradient scatters at are read through the targets' dtype and stride.
  func testCrossEntropyTargetsOfEitherDtypeAndAnyStrideGiveTheSameBits() {
    torch.manualSeed(6)
    let x = torch.randn(7, 5)
    let classes: [Int64] = [3, 255, 0, 4, 255, 1, 2]
    let long = torch.tensor(classes.map { $0 == 255 ? -100 : $0 })
    let byte = torch.tensor(classes.map(Double.init)).to(.uint8)
    let strided = torch.stack([long, torch.zerosLike(long)], dim: 1).select(1, 0)
    XCTAssertFalse(strided.isContiguous)
    func lossAndGradient(_ target: Tensor, ignoring ignoreIndex: Int) -> [UInt32] {
      let leaf = x.clone().requiresGrad_()
      let loss = F.crossEntropy(leaf, target, ignoreIndex: ignoreIndex)
      loss.backward()
      return ([loss.item(Float.self)] + leaf.grad!.toArray(Float.self)).map(\.bitPattern)
    }
    let reference = lossAndGradient(long, ignoring: -100)
    XCTAssertEqual(lossAndGradient(byte, ignoring: 255), reference, "byte targets ignoring 255")
    XCTAssertEqual(lossAndGradient(strided, ignoring: -100), reference, "strided long targets")
  }

  /// The benchmark's streamed-output bound writes exactly its range on both paths, from any
  /// alignment (an unaligned head before the streamed body) and with a tail after it.
  /// The generator's words and its uniform and Bernoulli fills (drawn in blocks, the state
  /// twisted without wrapping indices, Bernoulli as an integer compare) against the textbook
  /// Mersenne Twister written here (one word at a time, `% 624`) and the fills' formulas in
  /// doubles, on both paths: fills of sizes that end and start mid-state and across several
  /// twists, single words between them, and probabilities 0, tiny, 0.3, 0.9, 1, past 1 and NaN.
  func testGeneratorFillsMatchTheTextbookTwister() {
    struct Textbook {
      var state = [UInt32](repeating: 0, count: 624)
      var index = 624
      init(seed: UInt32) {
        state[0] = seed
        for i in 1..<624 { state[i] = 1_812_433_253 &* (state[i - 1] ^ (state[i - 1] >> 30)) &+ UInt32(i) }
      }
      mutating func next() -> UInt32 {
        if index == 624 {
          for i in 0..<624 {
            let y = (state[i] & 0x8000_0000) | (state[(i + 1) % 624] & 0x7FFF_FFFF)
            state[i] = state[(i + 397) % 624] ^ (y >> 1) ^ (y & 1 == 1 ? 0x9908_B0DF : 0)
          }
          index = 0
        }
        var y = state[index]
        index += 1
        y ^= y >> 11
        y ^= (y << 7) & 0x9D2C_5680
        y ^= (y << 15) & 0xEFC6_0000
        return y ^ (y >> 18)
      }
      mutating func uniform53() -> Double {
        let (high, low) = (UInt64(next()), UInt64(next()))
        return Double(((high << 32) | low) & ((1 << 53) - 1)) / Double(UInt64(1) << 53)
      }
    }
    let probabilities = [0, 1e-300, 0.3, 0.9, 1, 1.5, .nan]
    for path in paths {
      ctk_force_portable(path)
      var ours = CTKMT19937(), reference = Textbook(seed: 5489)
      ctk_mt_seed(&ours, 5489)
      let label = String(cString: ctk_kernel_path())
      for (round, size) in [5, 700, 1, 1300, 623, 2, 2500].enumerated() {
        XCTAssertEqual(ctk_mt_next(&ours), reference.next(), "\(label) word before round \(round)")
        var floats = [Float](repeating: -1, count: size), doubles = [Double](repeating: -1, count: size)
        ctk_uniform_fill_f32(&ours, &floats, Int64(size), -2, 3)
        XCTAssertEqual(floats, (0..<size).map { _ in Float(Double(reference.next() & 0xFF_FFFF) / Double(1 << 24) * 5 - 2) },
                       "\(label) uniform float32, round \(round)")
        ctk_uniform_fill_f64(&ours, &doubles, Int64(size), -2, 3)
        XCTAssertEqual(doubles, (0..<size).map { _ in reference.uniform53() * 5 - 2 }, "\(label) uniform float64, round \(round)")
        let p = probabilities[round % probabilities.count]
        let one = round % 2 == 0 ? 1 : 1.25  // bernoulli_'s ones, or a dropout mask's scale
        ctk_bernoulli_fill_f32(&ours, &floats, Int64(size), p, Float(one))
        XCTAssertEqual(floats, (0..<size).map { _ in reference.uniform53() < p ? Float(one) : 0 }, "\(label) Bernoulli float32 p=\(p)")
        ctk_bernoulli_fill_f64(&ours, &doubles, Int64(size), 1 - p, one)
        XCTAssertEqual(doubles, (0..<size).map { _ in reference.uniform53() < 1 - p ? one : 0 }, "\(label) Bernoulli float64 p=\(1 - p)")
      }
      XCTAssertEqual(ctk_mt_next(&ours), reference.next(), "\(label) last word")
    }
  }

  func testStreamFillWritesExactlyItsRange() {
    let capacity = 200
    let buffer = UnsafeMutablePointer<Float>.allocate(capacity: capacity)
    defer { buffer.deallocate() }
    for path in paths {
      ctk_force_portable(path)
      for start in [0, 1, 3, 7, 8] {
        for count in [0, 1, 7, 8, 9, 31, 64, 101] {
          buffer.initialize(repeating: -1, count: capacity)
          ctk_stream_fill_f32(buffer + start, Int64(count), 2.5)
          let written = (0..<capacity).filter { buffer[$0] != -1 }
          XCTAssertEqual(written, Array(start..<(start + count)), "path \(path) start \(start) count \(count)")
          XCTAssertTrue(written.allSatisfy { buffer[$0] == 2.5 }, "path \(path) start \(start) count \(count)")
        }
      }
    }
  }

  /// The float64 product sums each element over k in order, products and sums rounded apart,
  /// so it equals the plain loop bit for bit: on both paths, for rows split anywhere, with
  /// alpha and beta, a strided A, blocks that do not divide the sizes (256 columns, depth 128).
  func testFloat64ProductEqualsThePlainLoopOnBothPaths() {
    torch.manualSeed(3)
    let (m, k, n) = (7, 300, 270)
    let a = torch.randn([k, m], dtype: .float64).t()  // strided A
    let b = torch.randn([k, n], dtype: .float64), c0 = torch.randn([m, n], dtype: .float64)
    let (alpha, beta) = (0.75, -0.5)
    let (av, bv, cv) = (a.contiguous().toArray(Double.self), b.toArray(Double.self), c0.toArray(Double.self))
    var expected = [Double](repeating: 0, count: m * n)
    for i in 0..<m {
      for j in 0..<n {
        var sum = beta * cv[i * n + j]
        for p in 0..<k { sum = sum + (alpha * av[i * k + p]) * bv[p * n + j] }
        expected[i * n + j] = sum
      }
    }
    for path in paths {
      ctk_force_portable(path)
      let c = c0.clone()
      let (pa, pb, pc) = (a.pointer(Double.self), b.pointer(Double.self), c.pointer(Double.self))
      for (start, end) in [(0, 3), (3, 4), (4, 7)] {
        ctk_dgemm_rows(Int64(start), Int64(end), Int64(n), Int64(k), alpha, pa, Int64(a.elementStrides[0]), Int64(a.elementStrides[1]), pb, beta, pc, Int64(n))
      }
      XCTAssertEqual(c.toArray(Double.self), expected, String(cString: ctk_kernel_path()))
    }
    ctk_force_portable(0)
    // Through matmul (B transposed: made dense first), against the same loop with beta 0.
    let product = a.matmul(b.t().contiguous().t())
    for i in [0, 6] {
      for j in [0, 131, 269] {
        var sum = 0.0
        for p in 0..<k { sum = sum + av[i * k + p] * bv[p * n + j] }
        XCTAssertEqual(product[i, j].item(), sum, "matmul [\(i), \(j)]")
      }
    }
  }

  /// relu and x + alpha·y for one y write the same bits in place (one pointer, which the
  /// vectorizer takes) as into another buffer, and add's is one rounding (fma), on both paths,
  /// for lengths around the vector width and with NaN, ±0 and ±inf.
  func testInPlaceKernelsEqualTheirOutOfPlaceForms() {
    for path in paths {
      ctk_force_portable(path)
      let name = String(cString: ctk_kernel_path())
      for count in [1, 7, 8, 9, 33, 1000] {
        var x = (0..<count).map { Float(($0 * 37) % 23) - 11.5 }
        for (i, special) in [Float.nan, -0.0, .infinity, -.infinity].enumerated() where i < count { x[(i * 5) % count] = special }
        var apart = [Float](repeating: 7, count: count), inPlace = x
        ctk_relu_f32(Int64(count), x, &apart)
        inPlace.withUnsafeMutableBufferPointer { ctk_relu_f32(Int64(count), $0.baseAddress!, $0.baseAddress!) }
        XCTAssertEqual(apart.map(\.bitPattern), inPlace.map(\.bitPattern), "\(name) relu in place, \(count)")
        XCTAssertEqual(apart.map(\.bitPattern), x.map { ($0 < 0 ? 0 : $0).bitPattern }, "\(name) relu, \(count)")
        let (alpha, y): (Float, Float) = (0.3, 1.7)
        inPlace = x
        ctk_add_scaled_scalar_f32(Int64(count), x, alpha, y, &apart)
        inPlace.withUnsafeMutableBufferPointer { ctk_add_scaled_scalar_f32(Int64(count), $0.baseAddress!, alpha, y, $0.baseAddress!) }
        XCTAssertEqual(apart.map(\.bitPattern), inPlace.map(\.bitPattern), "\(name) add in place, \(count)")
        XCTAssertEqual(apart.map(\.bitPattern), x.map { $0.addingProduct(alpha, y).bitPattern }, "\(name) add, \(count)")
      }
    }
    ctk_force_portable(0)
    let t = torch.randn(3, 50)
    XCTAssertTrue(t.clone().add_(0.5).equal(t + 0.5), "add_ of a scalar")
    XCTAssertTrue(t.clone().add_(torch.tensor([2.0]), alpha: 0.25).equal(t + torch.tensor([2.0]) * 0.25), "add_ of a one-element tensor with alpha")
  }

  /// tanh, sigmoid, SiLU (and SiLU's backward) and exp on a strided view give the bits of the same
  /// values laid out contiguously (the strided path goes through the dense kernel too); relu_
  /// on a view writes through it.
  func testActivationsOfAViewEqualThoseOfItsCopy() {
    torch.manualSeed(2)
    let x = torch.randn(37, 29) * 4
    let view = x.t()
    XCTAssertTrue(view.tanh().equal(view.contiguous().tanh()))
    XCTAssertTrue(view.sigmoid().equal(view.contiguous().sigmoid()))
    XCTAssertTrue(view.silu().equal(view.contiguous().silu()))
    XCTAssertTrue(view.exp().equal(view.contiguous().exp()))
    let (a, b) = (view.detach().requiresGrad_(), view.contiguous().requiresGrad_())
    a.silu().backward(torch.ones(a.dims).t().contiguous().t())
    b.silu().backward(torch.ones(b.dims))
    XCTAssertTrue(a.grad!.equal(b.grad!), "SiLU's backward on a view")
    let inPlace = x.clone()
    inPlace.t().relu_()
    XCTAssertTrue(inPlace.equal(x.relu()))
  }
}

private extension Tensor {
  /// A copy with one NaN, which max pooling must propagate.
  func withNaN() -> Tensor {
    let copy = clone()
    copy[0, 0, 1, 1] = .nan
    return copy
  }
}
