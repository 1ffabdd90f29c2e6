extension Tensor {
  /// Draws `numSamples` category indices from each row of non-negative weights (a vector, or a
  /// matrix of one distribution per row), as int64 (`torch.multinomial`). Seeded, it draws what
  /// PyTorch's CPU generator draws: without replacement, or for a single sample, each row's
  /// weights divided by exponential noise (`exponential_` over a tensor laid out as this one)
  /// and the `numSamples` largest taken (argmax for one); with replacement, a uniform double
  /// per sample looked up in the row's normalized cumulative sums.
  public func multinomial(_ numSamples: Int, replacement: Bool = false, generator: Generator? = nil) -> Tensor {
    torchCheck(dims.count == 1 || dims.count == 2, "prob_dist must be 1 or 2 dim")
    torchCheck(dtype.isFloatingPoint, "multinomial only supports floating-point dtypes for input, got: \(dtype.scalarTypeName)")
    torchCheck(numSamples > 0, "cannot sample n_sample <= 0 samples")
    let categories = dims.last!
    torchCheck(replacement || numSamples <= categories, "cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    torchCheck(categories <= 1 << 24, "number of categories cannot exceed 2^24")
    guard device == .cpu else { return to(.cpu).multinomial(numSamples, replacement: replacement, generator: generator).to(device) }
    let weights = detach()
    return torch.noGrad {
      !replacement || numSamples == 1
        ? weights.exponentialRace(numSamples, generator: generator)
        : weights.cumulativeDraws(numSamples, generator: generator)
    }
  }

  /// Sampling without replacement by the exponential race: weight / Exp(1) noise, the largest
  /// kept. The noise is drawn in this tensor's memory order, as PyTorch's `empty_like` lays it out.
  private func exponentialRace(_ numSamples: Int, generator: Generator?) -> Tensor {
    let finite = (self.max() < Double.infinity).logicalAnd(self.min() >= 0).item(Bool.self)
    torchCheck(finite, "probability tensor contains either `inf`, `nan` or element < 0")
    let rowSums = dims.count == 1 ? sum().unsqueeze(0) : sum(dim: 1)
    torchCheck(!(rowSums == 0).any(), "invalid multinomial distribution (sum of probabilities <= 0)")
    let transposed = dims.count == 2 && !isContiguous && t().isContiguous
    let noise = transposed
      ? Tensor(uninitialized: [dims[1], dims[0]], dtype: dtype).exponential_(generator: generator).t()
      : Tensor(uninitialized: dims, dtype: dtype).exponential_(generator: generator)
    let race = self / noise
    return numSamples == 1 ? race.argmax(dim: -1, keepdim: true) : race.topk(numSamples, dim: -1).indices
  }

  /// Sampling with replacement: per row, the cumulative sums in this dtype divided by their
  /// total (the last set to 1), and for each sample the first bucket whose sum is not below a
  /// uniform double.
  private func cumulativeDraws(_ numSamples: Int, generator: Generator?) -> Tensor {
    let rows = dims.count == 1 ? 1 : dims[0], categories = dims.last!
    let table = contiguous().to(.float64).toArray(Double.self)
    let single = dtype != .float64
    var samples = [Int64](repeating: 0, count: rows * numSamples)
    var cumulative = [Double](repeating: 0, count: categories)
    (generator ?? torch.defaultGenerator).withState { state in
      for row in 0..<rows {
        Self.cumulativeSums(table[(row * categories)..<((row + 1) * categories)], rounding: single, into: &cumulative)
        cumulative[categories - 1] = 1
        for j in 0..<numSamples {
          let u = state.uniformDouble(0, 1)
          var (left, right) = (0, categories)
          while right > left {
            let mid = left + (right - left) / 2
            if cumulative[mid] < u { left = mid + 1 } else { right = mid }
          }
          samples[row * numSamples + j] = Int64(left)
        }
      }
    }
    return Tensor(samples, shape: dims.count == 1 ? [numSamples] : [rows, numSamples])
  }

  /// A row's running sums divided by their total, each step rounded to float32 when `rounding`
  /// (PyTorch sums a float32 row in float32); stops on a weight that is negative, infinite or NaN.
  private static func cumulativeSums(_ row: ArraySlice<Double>, rounding: Bool, into cumulative: inout [Double]) {
    func round(_ x: Double) -> Double { rounding ? Double(Float(x)) : x }
    var total = 0.0
    for (j, weight) in row.enumerated() {
      torchCheck(weight >= 0, "invalid multinomial distribution (encountering probability entry < 0)")
      torchCheck(weight.isFinite, "invalid multinomial distribution (encountering probability entry = infinity or NaN)")
      total = round(total + weight)
      cumulative[j] = total
    }
    torchCheck(total > 0, "invalid multinomial distribution (sum of probabilities <= 0)")
    for j in cumulative.indices { cumulative[j] = round(cumulative[j] / total) }
  }
}

extension torch {
  /// `torch.multinomial(input, num_samples, replacement=False, generator=None)`.
  public static func multinomial(_ input: Tensor, _ numSamples: Int, replacement: Bool = false, generator: Generator? = nil) -> Tensor {
    input.multinomial(numSamples, replacement: replacement, generator: generator)
  }
}
