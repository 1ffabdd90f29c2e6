import CTorchKernels

/// Multi-threaded float32 matrix multiply on top of the single-threaded C kernel.
///
/// The output is cut into a few blocks per thread (claimed by whichever thread is free), each
/// computed with the thread's own packing buffers: along N in multiples of the 16-wide
/// microkernel when N is wide enough, else along M in multiples of 6. Products under ~2^17 multiply-adds stay on the calling thread,
/// where a dispatch would cost more than it saves.
enum CPUGemm {
  static let parallelThreshold = 1 << 17

  static func sgemm(
    m: Int, n: Int, k: Int, alpha: Float,
    a: UnsafePointer<Float>, rsA: Int, csA: Int,
    b: UnsafePointer<Float>, rsB: Int, csB: Int,
    beta: Float, c: UnsafeMutablePointer<Float>, rsC: Int
  ) {
    let threads = ThreadPool.threadCount
    let work = m * n * k
    func run(_ i0: Int, _ i1: Int, _ j0: Int, _ j1: Int) {
      ctk_sgemm(
        Int64(i1 - i0), Int64(j1 - j0), Int64(k), alpha,
        a + i0 * rsA, Int64(rsA), Int64(csA),
        b + j0 * csB, Int64(rsB), Int64(csB),
        beta, c + i0 * rsC + j0, Int64(rsC))
    }
    if threads == 1 || work < parallelThreshold {
      run(0, m, 0, n)
      return
    }
    // Each output element is computed whole by one task, so the split never changes results.
    let pieces = threads * ThreadPool.tasksPerThread
    if n >= 16 * threads * 2 || n >= m {
      let aligned = max(16, ((n + pieces - 1) / pieces + 15) / 16 * 16)
      let tasks = (n + aligned - 1) / aligned
      ThreadPool.parallelFor(tasks) { t in run(0, m, t * aligned, min(n, (t + 1) * aligned)) }
    } else {
      let aligned = max(6, ((m + pieces - 1) / pieces + 5) / 6 * 6)
      let tasks = (m + aligned - 1) / aligned
      ThreadPool.parallelFor(tasks) { t in run(t * aligned, min(m, (t + 1) * aligned), 0, n) }
    }
  }
}
