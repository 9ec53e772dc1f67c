// Shared helpers for the validation microbenchmarks: error checking, device description,
// CSV output in the measured-data schema, random fills and robust timing.
#pragma once

#include <cuda.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#define CUDA_CHECK(expr)                                                                    \
  do {                                                                                      \
    cudaError_t err_ = (expr);                                                              \
    if (err_ != cudaSuccess) {                                                              \
      std::fprintf(stderr, "%s:%d: CUDA error %d (%s) in %s\n", __FILE__, __LINE__,         \
                   static_cast<int>(err_), cudaGetErrorString(err_), #expr);                \
      std::exit(2);                                                                         \
    }                                                                                       \
  } while (0)

// Check a kernel launch: the launch itself and (in debug builds) its completion.
#define CUDA_CHECK_LAUNCH() CUDA_CHECK(cudaGetLastError())

namespace bench {

static const char* kCsvHeader =
    "benchmark,device,dtype,model,tp,m,n,k,bytes,batch,input_tokens,output_tokens,"
    "context_tokens,metric,value,unit,source";

// Maps the CUDA device name to the simulator's hardware-profile name.
inline std::string device_slug(const std::string& name) {
  auto has = [&](const char* s) { return name.find(s) != std::string::npos; };
  if (has("H100") && has("PCIe")) return "h100-pcie";
  if (has("H100") && (has("HBM3") || has("SXM"))) return "h100-sxm";
  if (has("H200")) return "h200-sxm";
  if (has("A100") && has("SXM4-80GB")) return "a100-80gb-sxm";
  if (has("A100") && has("PCIe") && has("80GB")) return "a100-80gb-pcie";
  return name;
}

inline std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) {
    if (c == '"') q += '"';
    q += c;
  }
  return q + "\"";
}

inline std::string num(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}
inline std::string num(long long v) { return std::to_string(v); }

// One CSV row; empty strings are empty cells.
struct Row {
  std::string benchmark, dtype, model, tp, m, n, k, bytes, batch, input_tokens, output_tokens,
      context_tokens, metric, value, unit;
};

struct Options {
  std::string out_path;  // empty: stdout
  std::string device;    // empty: derived from the GPU name
  std::string source;    // empty: derived
  bool quick = false;
  bool header = false;
  std::vector<std::string> extra;  // unparsed arguments, for the benchmark
};

inline void usage_common(const char* prog) {
  std::fprintf(stderr,
               "usage: %s [-o FILE] [--device NAME] [--source TEXT] [--quick] [--header] ...\n"
               "  -o FILE        append CSV rows to FILE (default: stdout)\n"
               "  --device NAME  value of the device column (default: from the GPU name)\n"
               "  --source TEXT  value of the source column\n"
               "  --quick        fewer shapes\n"
               "  --header       write the CSV header line first\n",
               prog);
}

inline Options parse_common(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s: missing value after %s\n", argv[0], a.c_str());
        std::exit(1);
      }
      return argv[++i];
    };
    if (a == "-o") o.out_path = next();
    else if (a == "--device") o.device = next();
    else if (a == "--source") o.source = next();
    else if (a == "--quick") o.quick = true;
    else if (a == "--header") o.header = true;
    else if (a == "-h" || a == "--help") {
      usage_common(argv[0]);
      std::exit(0);
    } else o.extra.push_back(a);
  }
  return o;
}

struct DeviceInfo {
  cudaDeviceProp prop{};
  int driver_version = 0;   // e.g. 13000
  int runtime_version = 0;  // e.g. 13000
  std::string name;
};

inline DeviceInfo describe_device(const char* prog) {
  DeviceInfo d;
  int dev = 0;
  CUDA_CHECK(cudaSetDevice(dev));
  CUDA_CHECK(cudaGetDeviceProperties(&d.prop, dev));
  CUDA_CHECK(cudaDriverGetVersion(&d.driver_version));
  CUDA_CHECK(cudaRuntimeGetVersion(&d.runtime_version));
  d.name = d.prop.name;
  std::fprintf(stderr,
               "[%s] GPU 0: %s, sm_%d%d, %d SMs, L2 %d KiB, %.1f GiB; CUDA driver API %d.%d, "
               "runtime %d.%d, built with CUDA %d.%d\n",
               prog, d.prop.name, d.prop.major, d.prop.minor, d.prop.multiProcessorCount,
               d.prop.l2CacheSize / 1024, d.prop.totalGlobalMem / 1073741824.0,
               d.driver_version / 1000, (d.driver_version % 1000) / 10, d.runtime_version / 1000,
               (d.runtime_version % 1000) / 10, CUDA_VERSION / 1000, (CUDA_VERSION % 1000) / 10);
  return d;
}

class CsvWriter {
 public:
  CsvWriter(const Options& o, const DeviceInfo& d) {
    device_ = o.device.empty() ? device_slug(d.name) : o.device;
    if (!o.source.empty()) {
      source_ = o.source;
    } else {
      char buf[256];
      std::snprintf(buf, sizeof buf, "validation/microbench on %s; CUDA runtime %d.%d",
                    d.name.c_str(), d.runtime_version / 1000, (d.runtime_version % 1000) / 10);
      source_ = buf;
    }
    if (o.out_path.empty()) {
      f_ = stdout;
    } else {
      f_ = std::fopen(o.out_path.c_str(), "a");
      if (!f_) {
        std::perror(o.out_path.c_str());
        std::exit(1);
      }
    }
    if (o.header) std::fprintf(f_, "%s\n", kCsvHeader);
  }
  ~CsvWriter() {
    if (f_ && f_ != stdout) std::fclose(f_);
    else if (f_) std::fflush(f_);
  }
  // `extra_source` is appended to the source column after "; ".
  void write(const Row& r, const std::string& extra_source = "") {
    std::string src = source_;
    if (!extra_source.empty()) src += "; " + extra_source;
    for (char& c : src)
      if (c == ',') c = ';';  // keep the source column free of commas
    const std::string cells[] = {r.benchmark, device_, r.dtype,  r.model, r.tp, r.m,
                                 r.n,         r.k,     r.bytes,  r.batch, r.input_tokens,
                                 r.output_tokens, r.context_tokens, r.metric, r.value, r.unit, src};
    std::string line;
    for (size_t i = 0; i < sizeof cells / sizeof cells[0]; ++i) {
      if (i) line += ',';
      line += csv_field(cells[i]);
    }
    std::fprintf(f_, "%s\n", line.c_str());
    std::fflush(f_);
  }

 private:
  FILE* f_ = nullptr;
  std::string device_, source_;
};

inline double median(std::vector<double> v) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

// Deterministic hash -> uniform float in [-1, 1); never exactly zero.
__host__ __device__ inline float hash_uniform(uint64_t i, uint32_t seed) {
  uint64_t x = i * 0x9E3779B97F4A7C15ull + seed * 0xD1B54A32D192ED03ull + 0x632BE59BD9B4E019ull;
  x ^= x >> 31;
  x *= 0x7FB5D329728EA185ull;
  x ^= x >> 27;
  x *= 0x81DADEF4BC2DD44Dull;
  x ^= x >> 33;
  float u = static_cast<float>((x >> 40) & 0xFFFFFF) / 16777216.0f;  // [0, 1)
  float v = 2.0f * u - 1.0f;
  return v == 0.0f ? 0.5f : v;
}

// Fills raw memory with non-zero random 32-bit words (for bandwidth tests).
__global__ void fill_words_kernel(uint32_t* p, size_t n, uint32_t seed) {
  for (size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<size_t>(gridDim.x) * blockDim.x) {
    uint32_t w = static_cast<uint32_t>(hash_uniform(i, seed) * 2147483647.0f);
    p[i] = w | 1u;
  }
}

inline void fill_words(void* p, size_t bytes, uint32_t seed) {
  size_t n = bytes / 4;
  fill_words_kernel<<<1024, 256>>>(static_cast<uint32_t*>(p), n, seed);
  CUDA_CHECK_LAUNCH();
}

// Times `launch` (which enqueues work on `stream`) with CUDA events.
// Each sample runs `launch` `inner` times back to back; the per-call time of a sample is its
// elapsed time / inner. Returns the median per-call time in seconds.
template <class F>
double time_median(cudaStream_t stream, F&& launch, int inner, int samples) {
  cudaEvent_t a, b;
  CUDA_CHECK(cudaEventCreate(&a));
  CUDA_CHECK(cudaEventCreate(&b));
  std::vector<double> t;
  t.reserve(samples);
  for (int s = 0; s < samples; ++s) {
    CUDA_CHECK(cudaEventRecord(a, stream));
    for (int i = 0; i < inner; ++i) launch(i);
    CUDA_CHECK(cudaEventRecord(b, stream));
    CUDA_CHECK(cudaEventSynchronize(b));
    float ms = 0;
    CUDA_CHECK(cudaEventElapsedTime(&ms, a, b));
    t.push_back(ms * 1e-3 / inner);
  }
  CUDA_CHECK(cudaEventDestroy(a));
  CUDA_CHECK(cudaEventDestroy(b));
  return median(t);
}

// Captures `inner` calls of `launch(i)` into a CUDA graph and times replays of it; returns the
// median time per call in seconds. Graph replay keeps the GPU fed even when one call takes less
// time than the CPU needs to launch it.
template <class F>
double time_graph_median(cudaStream_t stream, F&& launch, int inner, int samples) {
  cudaGraph_t graph;
  cudaGraphExec_t exec;
  CUDA_CHECK(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal));
  for (int i = 0; i < inner; ++i) launch(i);
  CUDA_CHECK(cudaStreamEndCapture(stream, &graph));
  CUDA_CHECK(cudaGraphInstantiateWithFlags(&exec, graph, 0));
  CUDA_CHECK(cudaGraphLaunch(exec, stream));  // warm-up replay
  CUDA_CHECK(cudaStreamSynchronize(stream));
  double per_replay = time_median(
      stream, [&](int) { CUDA_CHECK(cudaGraphLaunch(exec, stream)); }, 1, samples);
  CUDA_CHECK(cudaGraphExecDestroy(exec));
  CUDA_CHECK(cudaGraphDestroy(graph));
  return per_replay / inner;
}

inline size_t align_up(size_t x, size_t a) { return (x + a - 1) / a * a; }

}  // namespace bench
