/// Every op family, forward and backward, on a device against the CPU on the same random
/// inputs. `torch-bench --cuda-check` runs it on a GPU; the tests run it on the CUDA kernels
/// executed by a CPU emulator. Package-internal: a check of backends, not user API.
package enum DeviceParity {
  package struct Outcome: Sendable {
    package let name: String
    /// The largest absolute difference over the output and every input gradient, divided by
    /// the largest magnitude of the CPU values (absolute for integer and bool results).
    package let error: Double
    package let tolerance: Double
    package var passed: Bool { error <= tolerance }
  }

  /// One case: input shapes (standard-normal inputs) and the expression under test.
  private struct Case: Sendable {
    let name: String
    let shapes: [[Int]]
    let body: @Sendable ([Tensor], Device) -> Tensor
  }

  /// Runs every registry op (`OpRegistry`) and every case with `dtype` inputs on `device` and on
  /// the CPU. Float results must agree to 1e-4 (float32) or 1e-10 (float64) relative error;
  /// integer and bool results exactly. `stridedInputs`: the device's inputs are strided views
  /// (every other element of a wider buffer), so its kernels' stride handling is checked too.
  package static func run(on device: Device, dtype: DType = .float32, stridedInputs: Bool = false) -> [Outcome] {
    let tolerance = dtype == .float64 ? 1e-10 : 1e-4
    var outcomes = OpRegistry.ops.map { op in
      check(op.name, inputs: op.sampleInputs(dtype: dtype), op.body, on: device, strided: stridedInputs, tolerance: tolerance)
    }
    outcomes += cases.map { c in
      torch.manualSeed(1)
      let inputs = c.shapes.map { torch.randn($0, dtype: dtype).requiresGrad_() }
      return check(c.name, inputs: inputs, c.body, on: device, strided: stridedInputs, tolerance: tolerance)
    }
    if !stridedInputs { outcomes.append(trainingSteps(on: device, dtype: dtype, tolerance: tolerance)) }
    return outcomes
  }

  /// `x` on `device` as a leaf, contiguous or every other element of a buffer twice as wide.
  private static func deviceLeaf(_ x: Tensor, on device: Device, strided: Bool) -> Tensor {
    guard strided else { return x.detach().to(device).requiresGrad_() }
    let wide = torch.zeros(x.dims + [2], dtype: x.dtype, device: device)
    wide.select(-1, 0).copy_(x.detach().to(device))
    return wide.select(-1, 0).detach().requiresGrad_()
  }

  private static func check(_ name: String, inputs cpuInputs: [Tensor], _ body: ([Tensor], Device) -> Tensor,
                            on device: Device, strided: Bool, tolerance: Double) -> Outcome {
    let deviceInputs = cpuInputs.map { deviceLeaf($0, on: device, strided: strided) }
    let expected = body(cpuInputs, .cpu)
    let actual = body(deviceInputs, device)
    torchCheck(actual.device == device, "\(name) ran on \(actual.device), not \(device)")
    guard expected.dtype.isFloatingPoint else {
      return Outcome(name: name, error: absoluteError(actual.cpu(), expected), tolerance: 0)
    }
    var worst = relativeError(actual.cpu(), expected)
    if expected.requiresGrad {
      let weights = OpInfo.weights(expected.shape.dims, dtype: expected.dtype)
      (expected * weights).sum().backward()
      (actual * weights.to(device)).sum().backward()
      for (d, c) in zip(deviceInputs, cpuInputs) {
        guard let expectedGrad = c.grad else { continue }
        guard let actualGrad = d.grad else { return Outcome(name: name + " (no gradient)", error: .infinity, tolerance: tolerance) }
        worst = Swift.max(worst, relativeError(actualGrad.cpu(), expectedGrad))
      }
    }
    return Outcome(name: name, error: worst, tolerance: tolerance)
  }

  /// Two steps each of SGD with momentum, Adam, AdamW with amsgrad, and Adam with weight decay
  /// maximizing, on a small network (the fused Adam kernel's variants); compares the weights.
  private static func trainingSteps(on device: Device, dtype: DType, tolerance: Double) -> Outcome {
    func train(_ device: Device) -> [Tensor] {
      torch.manualSeed(3)
      let model = nn.Sequential(nn.Flatten(), nn.Linear(12, 16), nn.ReLU(), nn.Linear(16, 4)).to(dtype).to(device)
      let x = torch.randn([5, 3, 4], dtype: dtype).to(device), y = torch.tensor([0, 3, 1, 1, 2]).to(device)
      let optimizers: [optim.Optimizer] = [
        optim.SGD(model.parameters(), lr: 0.1, momentum: 0.9, weightDecay: 0.01),
        optim.Adam(model.parameters(), lr: 0.01),
        optim.AdamW(model.parameters(), lr: 0.01, weightDecay: 0.1, amsgrad: true),
        optim.Adam(model.parameters(), lr: 0.01, weightDecay: 0.05, maximize: true),
      ]
      for optimizer in optimizers {
        for _ in 0..<2 {
          optimizer.zeroGrad()
          F.crossEntropy(model(x), y).backward()
          optimizer.step()
        }
      }
      return model.parameters().map { $0.detach().cpu() }
    }
    let expected = train(.cpu), actual = train(device)
    let error = zip(actual, expected).map { relativeError($0, $1) }.max() ?? 0
    return Outcome(name: "sgd_adam_training_steps", error: error, tolerance: tolerance)
  }

  /// The largest elementwise difference over the largest expected magnitude; infinite where
  /// shapes differ or any element is NaN or infinite on one side only.
  static func relativeError(_ a: Tensor, _ b: Tensor) -> Double {
    let x = a.toArray(Double.self), y = b.toArray(Double.self)
    guard x.count == y.count, a.dims == b.dims else { return .infinity }
    let scale = Swift.max(1e-6, y.filter(\.isFinite).map { Swift.abs($0) }.max() ?? 0)
    var worst = 0.0
    for (u, v) in zip(x, y) {
      if u.isNaN || v.isNaN || !u.isFinite || !v.isFinite {
        if !(u.isNaN && v.isNaN) && u != v { return .infinity }
        continue
      }
      worst = Swift.max(worst, Swift.abs(u - v) / scale)
    }
    return worst
  }

  static func absoluteError(_ a: Tensor, _ b: Tensor) -> Double {
    guard a.dims == b.dims, a.dtype == b.dtype else { return .infinity }
    var worst = 0.0
    for (u, v) in zip(a.toArray(Double.self), b.toArray(Double.self)) {
      if u.isNaN != v.isNaN { return .infinity }
      if !u.isNaN { worst = Swift.max(worst, Swift.abs(u - v)) }
    }
    return worst
  }

  private static let cases: [Case] = [
    Case(name: "sub_mul_div", shapes: [[4, 5], [4, 5]]) { x, _ in (x[0] - x[1]) * x[0] / (x[1].abs() + 1.0) },
    Case(name: "scalar_arithmetic", shapes: [[3, 4]]) { x, _ in (x[0] * 3.0 - 1.5) / 2.0 + 1.0 - x[0].neg() },
    Case(name: "exp_log_sqrt", shapes: [[3, 7]]) { x, _ in (x[0].exp() + 1.0).log() + (x[0].abs() + 0.1).sqrt() },
    Case(name: "tanh_sigmoid_relu", shapes: [[3, 7]]) { x, _ in x[0].tanh() + x[0].sigmoid() + x[0].relu() },
    Case(name: "gelu_silu_elu_leaky", shapes: [[3, 7]]) { x, _ in x[0].gelu() + x[0].silu() + x[0].elu() + x[0].leakyRelu(0.2) },
    Case(name: "clamp_pow_maximum", shapes: [[6], [6]]) { x, _ in
      x[0].clamp(min: -0.3, max: 0.4) + (x[0].abs() + 0.5).pow(1.5) + x[0].maximum(x[1]) + x[0].minimum(x[1]) * 0.5
    },
    Case(name: "integer_pow", shapes: [[12]]) { x, _ in
      let integers = (x[0] * 40.0).to(.int64)
      return integers.pow(3) + integers.pow(0) + (integers.to(.uint8).pow(5).to(.int64) * 1000)
    },
    Case(name: "argsort_ties_and_nan", shapes: [[5, 9]]) { x, _ in
      // Quantized values tie often; a log of negatives is NaN: the order must match exactly.
      (x[0] * 2.0).to(.int64).argsort(dim: 1) * 100 + x[0].log().argsort(dim: 0, descending: true)
        + x[0].topk(3, dim: 1).indices.sum(dim: 1, keepdim: true) * 10_000
    },
    Case(name: "integer_cumsum_cumprod_flip", shapes: [[4, 6]]) { x, _ in
      let integers = (x[0] * 9.0).to(.int64)
      return integers.cumsum(dim: 1) + integers.flip(dims: [0]).cumsum(dim: 0) * 1000 + integers.cumprod(dim: 1) * 1_000_000
    },
    Case(name: "integer_division", shapes: [[16], [16]]) { x, _ in
      let (a, b) = ((x[0] * 40.0).to(.int64), (x[1] * 6.0).to(.int64).abs() + 1)
      let signed = b * (x[1].gt(0.0).to(.int64) * 2 - 1)
      return a % signed + torch.fmod(a, signed) * 100 + a.div(signed, roundingMode: .floor) * 10_000
        + a.div(signed, roundingMode: .trunc) * 1_000_000 + (~a) * 100_000_000
        + (a.abs().to(.uint8) % b.to(.uint8)).to(.int64) * 10_000_000_000
    },
    Case(name: "pow_tensor_reciprocal_sign", shapes: [[5], [5]]) { x, _ in
      (x[0].abs() + 0.5).pow(x[1]) + (x[1].abs() + 1.0).reciprocal() + x[0].sign().detach() * x[1]
    },
    Case(name: "sum_mean_dims", shapes: [[3, 4, 5]]) { x, _ in x[0].sum(dims: [0, 2]) + x[0].mean(dim: 2).sum(dim: 0) },
    Case(name: "sum_all_prod", shapes: [[3, 300]]) { x, _ in x[0].sum() + (x[0][0, 0..<8] * 0.5 + 1.0).prod() },
    Case(name: "sum_transposed", shapes: [[7, 40]]) { x, _ in x[0].t().sum(dim: 1) + x[0].sum(dim: 0) * 0.5 + x[0].t().contiguous().sum(dim: 1) },
    Case(name: "max_min_dim", shapes: [[5, 6]]) { x, _ in x[0].max(dim: 1).values + x[0].min(dim: 1).values + x[0].amax(dims: [0]).sum() + x[0].min() },
    Case(name: "var_std_logsumexp", shapes: [[4, 9]]) { x, _ in x[0].var(dim: 1) + x[0].std(dim: 1) + x[0].logsumexp(dim: 1) },
    Case(name: "softmax_logsoftmax", shapes: [[6, 10]]) { x, _ in x[0].softmax(dim: 1) * 3.0 + x[0].logSoftmax(dim: 0) },
    Case(name: "softmax_long_rows", shapes: [[3, 100]]) { x, _ in x[0].softmax(dim: -1) + x[0].logSoftmax(dim: -1) },
    Case(name: "views_slices", shapes: [[4, 6]]) { x, _ in x[0].t().reshape([-1])[3...].view(3, 7) * 2.0 },
    Case(name: "cat_stack_split", shapes: [[4, 6]]) { x, _ in
      torch.cat(x[0].split(2, dim: 1).reversed(), dim: 1) + torch.stack([x[0], x[0]]).sum(dim: 0)
    },
    Case(name: "index_gather", shapes: [[3, 5]]) { x, device in
      x[0].indexSelect(0, torch.tensor([2, 0, 1, 2]).to(device)).sum(dim: 0)
        + x[0].gather(1, torch.tensor([[4, 0, 1, 1, 2], [0, 0, 0, 0, 0], [3, 3, 2, 1, 0]]).to(device)).sum(dim: 0)
    },
    Case(name: "mm_addmm", shapes: [[5, 7], [7, 3], [3]]) { x, _ in
      torch.addmm(x[2], x[0], x[1], beta: 0.5, alpha: 2) + x[0].mm(x[1])
    },
    Case(name: "linear", shapes: [[8, 40], [33, 40], [33]]) { x, _ in F.linear(x[0], x[1], x[2]).relu() },
    Case(name: "cross_entropy", shapes: [[8, 10]]) { x, device in F.crossEntropy(x[0], torch.tensor([1, 0, 9, 3, 3, 2, 7, 5]).to(device)) },
    Case(name: "cross_entropy_smoothing", shapes: [[4, 6]]) { x, device in
      F.crossEntropy(x[0], torch.tensor([1, 5, 0, 2]).to(device), labelSmoothing: 0.1)
    },
    Case(name: "mse_l1_bce", shapes: [[6], [6]]) { x, _ in
      F.mseLoss(x[0], x[1]) + F.l1Loss(x[0], x[1]) + F.binaryCrossEntropyWithLogits(x[0], x[1].sigmoid().detach())
    },
    Case(name: "dropout_seeded", shapes: [[6, 7]]) { x, _ in
      torch.manualSeed(7)  // both sides draw the same mask
      return F.dropout(x[0], p: 0.3) * 2.0
    },
    Case(name: "uint8_to_float_scaling", shapes: [[2, 5]]) { x, _ in
      (x[0].detach() * 40.0).clamp(min: 0, max: 255).to(.uint8).to(x[0].dtype) / 255.0
    },
    Case(name: "uint8_max_min_argmax", shapes: [[4, 9]]) { x, _ in
      let pixels = (x[0].detach() * 60.0 + 128.0).clamp(min: 0, max: 255).to(.uint8)
      return pixels.amax(dims: [1]).to(.int64) + pixels.min(dim: 0).values.sum() + pixels.argmax(dim: 1) * 1000 + pixels.argmin()
    },
    Case(name: "argmax_accuracy", shapes: [[16, 10]]) { x, device in
      x[0].argmax(dim: 1).eq(torch.tensor(Array(repeating: Int64(3), count: 16)).to(device)).to(.int64).sum()
    },
    Case(name: "argmin_int64_reductions", shapes: [[6, 7]]) { x, _ in
      let indices = x[0].argmin(dim: 1)
      return indices + indices.max() + indices.sum() * 2 - indices.prod().clamp(min: 0, max: 3)
    },
    Case(name: "comparisons_bool", shapes: [[5, 5], [5, 5]]) { x, _ in
      (x[0].lt(x[1]) * x[0].ge(-0.5) + x[0].eq(x[1])).ne(x[1].gt(1.0)).le(x[0].detach().gt(0.0))
    },
  ]
}
