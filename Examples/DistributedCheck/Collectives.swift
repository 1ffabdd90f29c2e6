import Torch

/// Every collective against values computed by hand, for each dtype, several sizes (1 element
/// to 64 MB; `largest` elements of float32 at most) and non-contiguous tensors, all on
/// `device`. Values are small integers, exact in every dtype.
func checkCollectives(_ report: inout Report, on device: Device = .cpu, largest: Int = 64 << 20 / 4) {
  let (rank, world) = (dist.getRank(), dist.getWorldSize())
  let ranks = Array(0..<world)
  for dtype in [DType.float32, .float64, .int64, .uint8] {
    for count in [1, 1000, largest * 4 / dtype.itemSize] where count == 1000 || dtype == .float32 || count == 1 {
      // The 64 MB case checks the sum and the broadcast only, contiguous (debug builds are slow).
      let large = count > 1000
      for contiguous in large ? [true] : [true, false] {
        let label = "\(dtype) \(count) \(contiguous ? "contiguous" : "strided")"
        // Values are computed in float64 and converted, as an int tensor times a Double would
        // promote to float32.
        let rows = (count + 6) / 7
        let pattern64 = torch.arange(1, 8, dtype: .float64).reshape([1, 7]).expand(rows, 7).reshape([rows * 7]).narrow(0, start: 0, length: count)
        let pattern = pattern64.to(dtype)
        func times(_ factor: Double) -> Tensor { (pattern64 * factor).to(dtype) }
        func plus(_ offset: Double) -> Tensor { (pattern64 + offset).to(dtype) }
        func fresh(_ values: Tensor) -> Tensor {
          if contiguous { return values.clone().to(device) }
          // Every other element of a buffer twice as long: a non-contiguous view.
          let wide = torch.zeros([count, 2], dtype: dtype, device: device)
          wide.select(1, 0).copy_(values.to(device))
          return wide.select(1, 0)
        }
        let scale = Double(rank + 1)
        for op in large ? [dist.ReduceOp.sum] : [.sum, .product, .min, .max] + (dtype.isFloatingPoint ? [.avg] : []) {
          let t = fresh(times(scale))
          dist.allReduce(t, op: op)
          let factor: Double = switch op {
          case .sum: Double(ranks.map { $0 + 1 }.reduce(0, +))
          case .avg: Double(ranks.map { $0 + 1 }.reduce(0, +)) / Double(world)
          case .min: 1
          case .max: Double(world)
          case .product: 1
          }
          let expected = op == .product
            ? ranks.map { pattern.to(.float64) * Double($0 + 1) }.reduce(torch.ones([count], dtype: .float64), *).to(dtype)
            : (pattern.to(.float64) * factor).to(dtype)
          report.check(t, expected, "all_reduce \(op.rawValue) \(label)")
        }
        let source = world - 1
        let b = fresh(rank == source ? pattern : torch.zeros([count], dtype: dtype))
        dist.broadcast(b, src: source)
        report.check(b, pattern, "broadcast \(label)")

        guard !large else { continue }
        let r = fresh(times(scale))
        dist.reduce(r, dst: 0)
        report.check(r, rank == 0 ? times(Double(ranks.map { $0 + 1 }.reduce(0, +))) : times(scale), "reduce \(label)")

        let gathered = ranks.map { _ in fresh(torch.zeros([count], dtype: dtype)) }
        dist.allGather(gathered, fresh(plus(Double(rank))))
        for q in ranks { report.check(gathered[q], plus(Double(q)), "all_gather[\(q)] \(label)") }

        let inputs = ranks.map { q in fresh(times(Double((rank + 1) * (q + 1)))) }
        let output = fresh(torch.zeros([count], dtype: dtype))
        dist.reduceScatter(output, inputs)
        report.check(output, times(Double(ranks.map { ($0 + 1) * (rank + 1) }.reduce(0, +))), "reduce_scatter \(label)")

        let list = rank == source ? ranks.map { _ in fresh(torch.zeros([count], dtype: dtype)) } : nil
        dist.gather(fresh(plus(Double(rank))), gatherList: list, dst: source)
        if let list { for q in ranks { report.check(list[q], plus(Double(q)), "gather[\(q)] \(label)") } }

        let piece = fresh(torch.zeros([count], dtype: dtype))
        dist.scatter(piece, scatterList: rank == 0 ? ranks.map { q in fresh(plus(Double(q))) } : nil, src: 0)
        report.check(piece, plus(Double(rank)), "scatter \(label)")
      }
    }
  }
  checkPointToPoint(&report, on: device)
  checkAsync(&report, on: device)
}

/// send/recv around the ring (given a peer), and a barrier.
private func checkPointToPoint(_ report: inout Report, on device: Device) {
  let (rank, world) = (dist.getRank(), dist.getWorldSize())
  guard world > 1 else { dist.barrier(); return }
  let next = (rank + 1) % world, previous = (rank + world - 1) % world
  let message = (torch.arange(0, 10, dtype: .float64) + Double(rank)).to(device)
  let received = torch.zeros([10], dtype: .float64, device: device)
  if rank % 2 == 0 {
    dist.send(message, dst: next, tag: 7)
    dist.recv(received, src: previous, tag: 7)
  } else {
    dist.recv(received, src: previous, tag: 7)
    dist.send(message, dst: next, tag: 7)
  }
  report.check(received, torch.arange(0, 10, dtype: .float64) + Double(previous), "send/recv")
  dist.barrier()
}

/// An asynchronous all-reduce overlapping computation on the caller's thread.
private func checkAsync(_ report: inout Report, on device: Device) {
  let world = dist.getWorldSize()
  let t = torch.ones([1 << 16], device: device)
  let work = dist.allReduce(t, asyncOp: true)
  let product = torch.rand(256, 256).mm(torch.rand(256, 256))
  work.wait()
  report.check(t, torch.full([1 << 16], Double(world)), "async all_reduce")
  report.check(product.shape.dims == [256, 256] ? torch.ones([1]) : torch.zeros([1]), torch.ones([1]), "work beside the async all_reduce")
}
