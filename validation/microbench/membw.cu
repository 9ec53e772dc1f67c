// Device-memory bandwidth (the dtype column names the access pattern): read, write and copy kernels with 16-byte (uint4) accesses,
// grid-stride loops with several loads in flight. bytes = bytes read + bytes written.
// "memcpy" rows time cudaMemcpyAsync device-to-device for comparison with "copy".
// Sizes (per array) 1 MiB .. 4 GiB in powers of 2 (--quick: powers of 4). When the arrays are
// small, each timed launch uses the next of several copies so that the set of copies is several
// times the L2 and cache does not inflate the bandwidth.
#include "common.cuh"

using namespace bench;

namespace {

constexpr int kUnroll = 4;
constexpr int kThreads = 256;

__global__ void read_kernel(const uint4* __restrict__ p, size_t n, uint32_t* __restrict__ sink) {
  const size_t stride = static_cast<size_t>(gridDim.x) * blockDim.x;
  size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x;
  uint32_t acc = 0;
  for (; i + (kUnroll - 1) * stride < n; i += kUnroll * stride) {
    uint4 v[kUnroll];
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) v[u] = p[i + u * stride];
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) acc ^= v[u].x ^ v[u].y ^ v[u].z ^ v[u].w;
  }
  for (; i < n; i += stride) {
    uint4 v = p[i];
    acc ^= v.x ^ v.y ^ v.z ^ v.w;
  }
  if (acc == 0x9E3779B9u) *sink = acc;  // keeps the loads; practically never stores
}

__global__ void write_kernel(uint4* __restrict__ p, size_t n, uint32_t seed) {
  const size_t stride = static_cast<size_t>(gridDim.x) * blockDim.x;
  for (size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x; i < n; i += stride) {
    uint32_t x = static_cast<uint32_t>(i) * 2654435761u + seed;
    p[i] = make_uint4(x, x ^ 0x5bd1e995u, x + 0x68e31da4u, x | 1u);
  }
}

__global__ void copy_kernel(const uint4* __restrict__ src, uint4* __restrict__ dst, size_t n) {
  const size_t stride = static_cast<size_t>(gridDim.x) * blockDim.x;
  size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x;
  for (; i + (kUnroll - 1) * stride < n; i += kUnroll * stride) {
    uint4 v[kUnroll];
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) v[u] = src[i + u * stride];
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) dst[i + u * stride] = v[u];
  }
  for (; i < n; i += stride) dst[i] = src[i];
}

__global__ void compare_kernel(const uint4* a, const uint4* b, size_t n, unsigned long long* bad) {
  const size_t stride = static_cast<size_t>(gridDim.x) * blockDim.x;
  for (size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x; i < n; i += stride) {
    uint4 x = a[i], y = b[i];
    if (x.x != y.x || x.y != y.y || x.z != y.z || x.w != y.w) atomicAdd(bad, 1ull);
  }
}

}  // namespace

int main(int argc, char** argv) {
  Options opt = parse_common(argc, argv);
  if (!opt.extra.empty()) {
    std::fprintf(stderr, "membw: unknown argument %s\n", opt.extra[0].c_str());
    usage_common(argv[0]);
    return 1;
  }
  DeviceInfo dev = describe_device("membw");
  CsvWriter csv(opt, dev);
  const size_t l2 = dev.prop.l2CacheSize > 0 ? static_cast<size_t>(dev.prop.l2CacheSize) : (50u << 20);
  const int sms = dev.prop.multiProcessorCount;

  size_t max_size = size_t(4) << 30;  // 4 GiB per array
  size_t free_b = 0, total_b = 0;
  CUDA_CHECK(cudaMemGetInfo(&free_b, &total_b));
  while (max_size > (size_t(1) << 20) && 2 * max_size + (size_t(1) << 30) > free_b) max_size /= 2;
  std::vector<size_t> sizes;
  for (size_t s = size_t(1) << 20; s <= max_size; s *= (opt.quick ? 4 : 2)) sizes.push_back(s);

  // Pool for each of src and dst: at least 8x L2, at least the largest size.
  const size_t pool = std::max(max_size, align_up(8 * l2, size_t(1) << 20));
  char *src, *dst;
  uint32_t* sink;
  unsigned long long* bad;
  CUDA_CHECK(cudaMalloc(&src, pool));
  CUDA_CHECK(cudaMalloc(&dst, pool));
  CUDA_CHECK(cudaMalloc(&sink, sizeof(uint32_t)));
  CUDA_CHECK(cudaMalloc(&bad, sizeof(unsigned long long)));
  fill_words(src, pool, 7);
  fill_words(dst, pool, 8);
  CUDA_CHECK(cudaDeviceSynchronize());

  cudaStream_t stream;
  CUDA_CHECK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));

  // Correctness: one copy, compared word for word.
  {
    const size_t n = (size_t(64) << 20) / 16;
    copy_kernel<<<sms * 8, kThreads, 0, stream>>>(reinterpret_cast<const uint4*>(src),
                                                   reinterpret_cast<uint4*>(dst), n);
    CUDA_CHECK_LAUNCH();
    CUDA_CHECK(cudaMemsetAsync(bad, 0, sizeof(unsigned long long), stream));
    compare_kernel<<<sms * 4, kThreads, 0, stream>>>(reinterpret_cast<const uint4*>(src),
                                                      reinterpret_cast<const uint4*>(dst), n, bad);
    CUDA_CHECK_LAUNCH();
    unsigned long long h_bad = 1;
    CUDA_CHECK(cudaMemcpyAsync(&h_bad, bad, sizeof h_bad, cudaMemcpyDeviceToHost, stream));
    CUDA_CHECK(cudaStreamSynchronize(stream));
    if (h_bad != 0) {
      std::fprintf(stderr, "membw: copy check FAILED (%llu mismatching vectors)\n", h_bad);
      return 4;
    }
    std::fprintf(stderr, "[membw] copy check ok\n");
  }

  const char* kinds[] = {"read", "write", "copy", "memcpy"};
  for (const char* kind : kinds) {
    const std::string k = kind;
    for (size_t size : sizes) {
      const size_t n = size / 16;
      const int copies = static_cast<int>(std::max<size_t>(1, std::min<size_t>(pool / size, 256)));
      const int blocks = static_cast<int>(
          std::max<size_t>(1, std::min<size_t>((n + kThreads * kUnroll - 1) / (kThreads * kUnroll),
                                               static_cast<size_t>(sms) * 8)));
      auto launch = [&](int i) {
        const size_t off = static_cast<size_t>(i % copies) * size;
        if (k == "read")
          read_kernel<<<blocks, kThreads, 0, stream>>>(reinterpret_cast<const uint4*>(src + off), n, sink);
        else if (k == "write")
          write_kernel<<<blocks, kThreads, 0, stream>>>(reinterpret_cast<uint4*>(dst + off), n,
                                                        static_cast<uint32_t>(i));
        else if (k == "copy")
          copy_kernel<<<blocks, kThreads, 0, stream>>>(reinterpret_cast<const uint4*>(src + off),
                                                       reinterpret_cast<uint4*>(dst + off), n);
        else
          CUDA_CHECK(cudaMemcpyAsync(dst + off, src + off, size, cudaMemcpyDeviceToDevice, stream));
        CUDA_CHECK_LAUNCH();
      };
      double est = time_median(stream, launch, 2, 3);  // warm-up and estimate
      int inner = static_cast<int>(std::min(500.0, std::max(1.0, 2e-3 / est)));
      inner = std::max(inner, std::min(copies, 500));
      int samples = static_cast<int>(std::max(7.0, std::min(30.0, 0.3 / (est * inner))));
      double sec = time_graph_median(stream, launch, inner, samples);
      const bool two = k == "copy" || k == "memcpy";
      const long long bytes = static_cast<long long>(two ? 2 * size : size);
      Row r;
      r.benchmark = "membw";
      r.dtype = k;  // access pattern: read / write / copy / memcpy (model is for model names)
      r.bytes = num(bytes);
      std::string how = k == "memcpy" ? std::string("cudaMemcpyAsync device to device")
                                      : "membw " + k + " kernel with 16-byte accesses and " +
                                            std::to_string(blocks) + "x" + std::to_string(kThreads) +
                                            " threads";
      std::string note = how + "; median of " +
                         std::to_string(samples) + " x " + std::to_string(inner) +
                         "-launch graph replays over " + std::to_string(copies) + " buffer copies";
      r.metric = "seconds"; r.value = num(sec); r.unit = "s";
      csv.write(r, note);
      r.metric = "gbps"; r.value = num(bytes / sec / 1e9); r.unit = "GB/s";
      csv.write(r, note);
      std::fprintf(stderr, "  %-5s %10.1f MiB  %10.2f us  %8.1f GB/s\n", kind, size / 1048576.0,
                   sec * 1e6, bytes / sec / 1e9);
    }
  }
  CUDA_CHECK(cudaFree(src));
  CUDA_CHECK(cudaFree(dst));
  CUDA_CHECK(cudaFree(sink));
  CUDA_CHECK(cudaFree(bad));
  CUDA_CHECK(cudaStreamDestroy(stream));
  return 0;
}
