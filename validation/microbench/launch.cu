// Kernel-launch overhead of an empty kernel (<<<1, 1>>>), three ways; dtype column says which:
//   async: back-to-back launches on one stream, timed with CUDA events (per-launch GPU-side
//          throughput: what a stream of tiny kernels costs each).
//   sync:  one launch followed by cudaStreamSynchronize, timed on the host (launch + completion
//          round trip, what a CPU that waits on every kernel pays).
//   graph: back-to-back empty-kernel nodes in one CUDA graph, per node (what a captured decode
//          step pays per kernel).
#include <chrono>

#include "common.cuh"

using namespace bench;

__global__ void empty_kernel() {}

int main(int argc, char** argv) {
  Options opt = parse_common(argc, argv);
  if (!opt.extra.empty()) {
    std::fprintf(stderr, "launch: unknown argument %s\n", opt.extra[0].c_str());
    usage_common(argv[0]);
    return 1;
  }
  DeviceInfo dev = describe_device("launch");
  CsvWriter csv(opt, dev);
  cudaStream_t stream;
  CUDA_CHECK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  const int inner = opt.quick ? 1000 : 5000;
  const int samples = opt.quick ? 7 : 21;
  auto launch = [&](int) {
    empty_kernel<<<1, 1, 0, stream>>>();
    CUDA_CHECK_LAUNCH();
  };
  // Warm-up.
  for (int i = 0; i < 1000; ++i) launch(i);
  CUDA_CHECK(cudaStreamSynchronize(stream));

  double t_async = time_median(stream, launch, inner, samples);

  std::vector<double> t_sync;
  for (int s = 0; s < samples * 100; ++s) {
    auto a = std::chrono::steady_clock::now();
    launch(0);
    CUDA_CHECK(cudaStreamSynchronize(stream));
    auto b = std::chrono::steady_clock::now();
    t_sync.push_back(std::chrono::duration<double>(b - a).count());
  }
  double t_sync_med = median(t_sync);

  double t_graph = time_graph_median(stream, launch, 1000, samples);

  const struct {
    const char* kind;
    double sec;
    std::string note;
  } rows[] = {
      {"async", t_async, "empty kernel (1 block of 1 thread); median over " + std::to_string(samples) +
                             " samples of " + std::to_string(inner) +
                             " back-to-back launches timed with CUDA events"},
      {"sync", t_sync_med, "empty kernel (1 block of 1 thread) + cudaStreamSynchronize; host steady_clock; median of " +
                               std::to_string(t_sync.size())},
      {"graph", t_graph, "empty kernel (1 block of 1 thread) as 1000 nodes of one CUDA graph; per node; median of " +
                             std::to_string(samples) + " replays"},
  };
  for (const auto& r0 : rows) {
    Row r;
    r.benchmark = "launch";
    r.dtype = r0.kind;
    r.metric = "seconds";
    r.value = num(r0.sec);
    r.unit = "s";
    csv.write(r, r0.note);
    std::fprintf(stderr, "  launch %-5s %8.3f us\n", r0.kind, r0.sec * 1e6);
  }
  CUDA_CHECK(cudaStreamDestroy(stream));
  return 0;
}
