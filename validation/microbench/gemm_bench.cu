// cuBLASLt GEMM sweep: C[m,n] = A[m,k] x B[k,n] with m = tokens, n = output features,
// k = input features, for bf16 / fp16 (fp32 accumulate), fp8 e4m3 (fp32 accumulate, bf16 out,
// per-tensor scales; sm_89+), and int8 (int32 accumulate and out).
//
// Layout: activations X are row-major [m][k] and weights W row-major [n][k] (PyTorch Linear
// layout), so in cuBLAS's column-major terms D(n x m) = op(W)^T * X, i.e. the "TN" layout that
// fp8 and int8 need. Algorithm: first result of cublasLtMatmulAlgoGetHeuristic with a 32 MiB
// workspace. Timing: CUDA graph of `inner` back-to-back matmuls, rotating over enough copies of
// the operands that the set exceeds the L2 several times; median over samples.
//
// Extra arguments: --dtypes bf16,fp16,fp8,int8   --no-check   --max-seconds-per-shape S
#include <cuda.h>  // CUDA_VERSION, needed by the fp8 guard below
#include <cublasLt.h>
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#if CUDA_VERSION >= 11080
#include <cuda_fp8.h>
#define HAVE_FP8 1
#else
#define HAVE_FP8 0
#endif

#include <chrono>
#include <cmath>
#include <sstream>

#include "common.cuh"

#define CUBLAS_CHECK(expr)                                                                \
  do {                                                                                    \
    cublasStatus_t st_ = (expr);                                                          \
    if (st_ != CUBLAS_STATUS_SUCCESS) {                                                   \
      std::fprintf(stderr, "%s:%d: cuBLAS error %d in %s\n", __FILE__, __LINE__,          \
                   static_cast<int>(st_), #expr);                                         \
      std::exit(3);                                                                       \
    }                                                                                     \
  } while (0)

using namespace bench;

namespace {

enum class DType { BF16, FP16, FP8, INT8 };

struct TypeInfo {
  DType t;
  const char* name;
  cudaDataType_t ab, cd;
  size_t ab_size, cd_size;
  cublasComputeType_t compute;
  cudaDataType_t scale;
};

TypeInfo type_info(DType t) {
  switch (t) {
    case DType::BF16:
      return {t, "bf16", CUDA_R_16BF, CUDA_R_16BF, 2, 2, CUBLAS_COMPUTE_32F, CUDA_R_32F};
    case DType::FP16:
      return {t, "fp16", CUDA_R_16F, CUDA_R_16F, 2, 2, CUBLAS_COMPUTE_32F, CUDA_R_32F};
#if HAVE_FP8
    case DType::FP8:
      return {t, "fp8", CUDA_R_8F_E4M3, CUDA_R_16BF, 1, 2, CUBLAS_COMPUTE_32F, CUDA_R_32F};
#endif
    case DType::INT8:
      return {t, "int8", CUDA_R_8I, CUDA_R_32I, 1, 4, CUBLAS_COMPUTE_32I, CUDA_R_32I};
    default:
      break;
  }
  std::fprintf(stderr, "unsupported dtype\n");
  std::exit(1);
}

// Random operand values: floats in [-1,1) (fp8 and 16-bit types), integers in [-16,16) (int8).
__global__ void fill_operand_kernel(void* p, size_t n, int dtype, uint32_t seed) {
  for (size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<size_t>(gridDim.x) * blockDim.x) {
    float v = hash_uniform(i, seed);
    switch (dtype) {
      case 0: static_cast<__nv_bfloat16*>(p)[i] = __float2bfloat16(v); break;
      case 1: static_cast<__half*>(p)[i] = __float2half(v); break;
#if HAVE_FP8
      case 2: static_cast<__nv_fp8_e4m3*>(p)[i] = __nv_fp8_e4m3(v); break;
#endif
      case 3: {
        int q = static_cast<int>(floorf(v * 16.0f));
        static_cast<int8_t*>(p)[i] = static_cast<int8_t>(q == 0 ? 1 : q);
        break;
      }
      default: break;
    }
  }
}

void fill_operand(void* p, size_t n, DType t, uint32_t seed) {
  fill_operand_kernel<<<2048, 256>>>(p, n, static_cast<int>(t), seed);
  CUDA_CHECK_LAUNCH();
}

__device__ inline float load_as_float(const void* p, size_t i, int dtype) {
  switch (dtype) {
    case 0: return __bfloat162float(static_cast<const __nv_bfloat16*>(p)[i]);
    case 1: return __half2float(static_cast<const __half*>(p)[i]);
#if HAVE_FP8
    case 2: return static_cast<float>(static_cast<const __nv_fp8_e4m3*>(p)[i]);
#endif
    case 3: return static_cast<float>(static_cast<const int8_t*>(p)[i]);
    default: return 0.0f;
  }
}

// Reference: D[m][n] = sum_k X[m][k] * W[n][k], in double.
__global__ void reference_gemm_kernel(const void* X, const void* W, double* D, int M, int N, int K,
                                      int dtype) {
  int n = blockIdx.x * blockDim.x + threadIdx.x;
  int m = blockIdx.y;
  if (n >= N || m >= M) return;
  double acc = 0.0;
  for (int k = 0; k < K; ++k)
    acc += static_cast<double>(load_as_float(X, static_cast<size_t>(m) * K + k, dtype)) *
           static_cast<double>(load_as_float(W, static_cast<size_t>(n) * K + k, dtype));
  D[static_cast<size_t>(m) * N + n] = acc;
}

__global__ void output_to_double_kernel(const void* D, double* out, size_t n, int dtype) {
  for (size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<size_t>(gridDim.x) * blockDim.x) {
    double v;
    switch (dtype) {
      case 1: v = __half2float(static_cast<const __half*>(D)[i]); break;
      case 3: v = static_cast<const int32_t*>(D)[i]; break;
      default: v = __bfloat162float(static_cast<const __nv_bfloat16*>(D)[i]); break;  // bf16, fp8
    }
    out[i] = v;
  }
}

struct Shape {
  long long n, k;
  const char* model;  // model whose dimensions these are ("" for square)
  const char* what;
};

class Gemm {
 public:
  // fp8_variant: 0 = per-tensor scale pointers + fast accumulation, C = D (in place);
  // 1 = as 0 with no C pointer (beta is 0), as PyTorch's scaled_mm does; 2 = as 1 without fast
  // accumulation; 3 = as 1 without scale pointers (unit scales).
  Gemm(cublasLtHandle_t lt, const TypeInfo& ti, long long M, long long N, long long K,
       void* workspace, size_t ws_bytes, const float* scale_a, const float* scale_b,
       int fp8_variant = 0)
      : lt_(lt), ti_(ti), M_(M), N_(N), K_(K), workspace_(workspace), ws_bytes_(ws_bytes) {
    CUBLAS_CHECK(cublasLtMatmulDescCreate(&desc_, ti.compute, ti.scale));
    cublasOperation_t ta = CUBLAS_OP_T, tb = CUBLAS_OP_N;
    CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(desc_, CUBLASLT_MATMUL_DESC_TRANSA, &ta, sizeof ta));
    CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(desc_, CUBLASLT_MATMUL_DESC_TRANSB, &tb, sizeof tb));
#if HAVE_FP8
    if (ti.t == DType::FP8) {
      c_null_ = fp8_variant >= 1;
      if (fp8_variant != 3) {
        CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(desc_, CUBLASLT_MATMUL_DESC_A_SCALE_POINTER,
                                                    &scale_a, sizeof scale_a));
        CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(desc_, CUBLASLT_MATMUL_DESC_B_SCALE_POINTER,
                                                    &scale_b, sizeof scale_b));
      }
      int8_t fast = fp8_variant == 2 ? 0 : 1;  // fast accumulation, as inference engines use
      CUBLAS_CHECK(cublasLtMatmulDescSetAttribute(desc_, CUBLASLT_MATMUL_DESC_FAST_ACCUM, &fast,
                                                  sizeof fast));
    }
#else
    (void)scale_a;
    (void)scale_b;
    (void)fp8_variant;
#endif
    // Column-major: A = W stored k x n (ld k), B = X stored k x m (ld k), C/D n x m (ld n).
    CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&a_, ti.ab, K, N, K));
    CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&b_, ti.ab, K, M, K));
    CUBLAS_CHECK(cublasLtMatrixLayoutCreate(&c_, ti.cd, N, M, N));
    CUBLAS_CHECK(cublasLtMatmulPreferenceCreate(&pref_));
    uint64_t wsb = ws_bytes;
    CUBLAS_CHECK(cublasLtMatmulPreferenceSetAttribute(
        pref_, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &wsb, sizeof wsb));
    int found = 0;
    cublasStatus_t st = cublasLtMatmulAlgoGetHeuristic(lt_, desc_, a_, b_, c_, c_, pref_,
                                                       kMaxAlgos, heur_, &found);
    n_algos_ = st == CUBLAS_STATUS_SUCCESS ? found : 0;
    ok_ = n_algos_ > 0;
    if (!ok_)
      std::fprintf(stderr, "  no cuBLASLt algorithm for %s M=%lld N=%lld K=%lld (status %d)\n",
                   ti.name, M, N, K, static_cast<int>(st));
  }
  ~Gemm() {
    cublasLtMatmulPreferenceDestroy(pref_);
    cublasLtMatrixLayoutDestroy(c_);
    cublasLtMatrixLayoutDestroy(b_);
    cublasLtMatrixLayoutDestroy(a_);
    cublasLtMatmulDescDestroy(desc_);
  }
  bool ok() const { return ok_; }
  int algo_index() const { return algo_; }

  // Runs once with heuristic result #0, then the next ones, until one is accepted (a result can
  // still be refused at run time). Returns the last status; afterwards run() uses that result.
  cublasStatus_t select(const void* X, const void* W, void* D, cudaStream_t s) {
    cublasStatus_t st = CUBLAS_STATUS_NOT_SUPPORTED;
    for (algo_ = 0; algo_ < n_algos_; ++algo_) {
      st = run(X, W, D, s);
      if (st == CUBLAS_STATUS_SUCCESS) return st;
      std::fprintf(stderr, "  %s M=%lld N=%lld K=%lld: heuristic result #%d refused (status %d)\n",
                   ti_.name, M_, N_, K_, algo_, static_cast<int>(st));
    }
    algo_ = 0;
    ok_ = false;
    return st;
  }

  // D = X * W^T
  cublasStatus_t run(const void* X, const void* W, void* D, cudaStream_t s) const {
    const float alpha_f = 1.0f, beta_f = 0.0f;
    const int32_t alpha_i = 1, beta_i = 0;
    const void* alpha = ti_.t == DType::INT8 ? static_cast<const void*>(&alpha_i)
                                             : static_cast<const void*>(&alpha_f);
    const void* beta = ti_.t == DType::INT8 ? static_cast<const void*>(&beta_i)
                                            : static_cast<const void*>(&beta_f);
    return cublasLtMatmul(lt_, desc_, alpha, W, a_, X, b_, beta, c_null_ ? nullptr : D, c_, D, c_,
                          &heur_[algo_].algo, workspace_, ws_bytes_, s);
  }

 private:
  cublasLtHandle_t lt_;
  TypeInfo ti_;
  long long M_, N_, K_;
  void* workspace_;
  size_t ws_bytes_;
  cublasLtMatmulDesc_t desc_ = nullptr;
  cublasLtMatrixLayout_t a_ = nullptr, b_ = nullptr, c_ = nullptr;
  cublasLtMatmulPreference_t pref_ = nullptr;
  static constexpr int kMaxAlgos = 8;
  cublasLtMatmulHeuristicResult_t heur_[kMaxAlgos]{};
  int n_algos_ = 0, algo_ = 0;
  bool ok_ = false;
  bool c_null_ = false;
};

// Checks one small shape against the double-precision reference. Returns false on mismatch.
bool check_correctness(cublasLtHandle_t lt, const TypeInfo& ti, void* ws, size_t ws_bytes,
                       const float* sa, const float* sb, int M, int N, int K, cudaStream_t s,
                       int fp8_variant) {
  void *X, *W, *D;
  double *ref, *got;
  CUDA_CHECK(cudaMalloc(&X, static_cast<size_t>(M) * K * ti.ab_size));
  CUDA_CHECK(cudaMalloc(&W, static_cast<size_t>(N) * K * ti.ab_size));
  CUDA_CHECK(cudaMalloc(&D, static_cast<size_t>(M) * N * ti.cd_size));
  CUDA_CHECK(cudaMalloc(&ref, static_cast<size_t>(M) * N * sizeof(double)));
  CUDA_CHECK(cudaMalloc(&got, static_cast<size_t>(M) * N * sizeof(double)));
  static uint32_t seed = 1000;
  fill_operand(X, static_cast<size_t>(M) * K, ti.t, ++seed);
  fill_operand(W, static_cast<size_t>(N) * K, ti.t, ++seed);
  CUDA_CHECK(cudaMemset(D, 0xFF, static_cast<size_t>(M) * N * ti.cd_size));  // poison (NaN)
  bool pass = true;
  Gemm g(lt, ti, M, N, K, ws, ws_bytes, sa, sb, fp8_variant);
  if (!g.ok() || g.select(X, W, D, s) != CUBLAS_STATUS_SUCCESS) {
    std::fprintf(stderr, "  check %s M=%d N=%d K=%d: no usable cuBLASLt algorithm\n", ti.name, M,
                 N, K);
    pass = false;
  } else {
    CUDA_CHECK(cudaMemsetAsync(D, 0xFF, static_cast<size_t>(M) * N * ti.cd_size, s));
    CUBLAS_CHECK(g.run(X, W, D, s));
    reference_gemm_kernel<<<dim3((N + 127) / 128, M), 128, 0, s>>>(X, W, ref, M, N, K,
                                                                  static_cast<int>(ti.t));
    CUDA_CHECK_LAUNCH();
    output_to_double_kernel<<<256, 256, 0, s>>>(D, got, static_cast<size_t>(M) * N,
                                                static_cast<int>(ti.t));
    CUDA_CHECK_LAUNCH();
    CUDA_CHECK(cudaStreamSynchronize(s));
    std::vector<double> h_ref(static_cast<size_t>(M) * N), h_got(h_ref.size());
    CUDA_CHECK(cudaMemcpy(h_ref.data(), ref, h_ref.size() * sizeof(double), cudaMemcpyDeviceToHost));
    CUDA_CHECK(cudaMemcpy(h_got.data(), got, h_got.size() * sizeof(double), cudaMemcpyDeviceToHost));
    double num = 0, den = 0;
    bool finite = true;
    for (size_t i = 0; i < h_ref.size(); ++i) {
      if (!std::isfinite(h_got[i])) finite = false;
      num += (h_got[i] - h_ref[i]) * (h_got[i] - h_ref[i]);
      den += h_ref[i] * h_ref[i];
    }
    double rel = std::sqrt(num / (den > 0 ? den : 1));
    double tol = ti.t == DType::INT8 ? 0.0 : (ti.t == DType::FP8 ? 2e-2 : 1e-2);
    pass = finite && rel <= tol;
    std::fprintf(stderr, "  check %s M=%d N=%d K=%d: relative error %.3g (tolerance %.3g)%s -> %s\n",
                 ti.name, M, N, K, rel, tol, finite ? "" : ", non-finite output",
                 pass ? "ok" : "FAILED");
  }
  CUDA_CHECK(cudaFree(X));
  CUDA_CHECK(cudaFree(W));
  CUDA_CHECK(cudaFree(D));
  CUDA_CHECK(cudaFree(ref));
  CUDA_CHECK(cudaFree(got));
  return pass;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, sep))
    if (!item.empty()) out.push_back(item);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  Options opt = parse_common(argc, argv);
  std::vector<std::string> dtypes = {"bf16", "fp16", "fp8", "int8"};
  bool do_check = true;
  double max_seconds_per_shape = 0.25;
  for (size_t i = 0; i < opt.extra.size(); ++i) {
    const std::string& a = opt.extra[i];
    if (a == "--dtypes" && i + 1 < opt.extra.size()) dtypes = split(opt.extra[++i], ',');
    else if (a == "--no-check") do_check = false;
    else if (a == "--max-seconds-per-shape" && i + 1 < opt.extra.size())
      max_seconds_per_shape = std::atof(opt.extra[++i].c_str());
    else {
      std::fprintf(stderr, "gemm_bench: unknown argument %s\n", a.c_str());
      usage_common(argv[0]);
      std::fprintf(stderr, "  --dtypes LIST  bf16,fp16,fp8,int8\n  --no-check\n"
                           "  --max-seconds-per-shape S   (default 0.25)\n");
      return 1;
    }
  }
  DeviceInfo dev = describe_device("gemm_bench");
  CsvWriter csv(opt, dev);
  int cc = dev.prop.major * 10 + dev.prop.minor;
  const size_t l2 = dev.prop.l2CacheSize > 0 ? static_cast<size_t>(dev.prop.l2CacheSize) : (50u << 20);

  std::vector<long long> Ms = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384};
  std::vector<Shape> shapes = {
      {6144, 4096, "llama-3.1-8b", "qkv"},     {4096, 4096, "llama-3.1-8b", "o_proj"},
      {28672, 4096, "llama-3.1-8b", "gate_up"}, {4096, 14336, "llama-3.1-8b", "down"},
      {10240, 8192, "llama-3.1-70b", "qkv"},    {8192, 28672, "llama-3.1-70b", "down"},
      {128256, 4096, "llama-3.1-8b", "lm_head"}, {4096, 4096, "", "square"},
      {8192, 8192, "", "square"},                {57344, 8192, "llama-3.1-70b", "gate_up"}};
  if (opt.quick) {
    Ms = {1, 16, 128, 1024, 8192};
    shapes = {{6144, 4096, "llama-3.1-8b", "qkv"},
              {4096, 14336, "llama-3.1-8b", "down"},
              {128256, 4096, "llama-3.1-8b", "lm_head"},
              {8192, 8192, "", "square"}};
  }

  cudaStream_t stream;
  CUDA_CHECK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  cublasLtHandle_t lt;
  CUBLAS_CHECK(cublasLtCreate(&lt));
  std::fprintf(stderr, "[gemm_bench] cuBLASLt version %zu\n", cublasLtGetVersion());
  const size_t ws_bytes = 32u << 20;
  void* workspace;
  CUDA_CHECK(cudaMalloc(&workspace, ws_bytes));
  float* scales;  // fp8 per-tensor scales (1.0), A at scales[0], B at scales[64] (256 B apart)
  CUDA_CHECK(cudaMalloc(&scales, 128 * sizeof(float)));
  std::vector<float> ones(128, 1.0f);
  CUDA_CHECK(cudaMemcpy(scales, ones.data(), 128 * sizeof(float), cudaMemcpyHostToDevice));
  const float* scale_a = scales;
  const float* scale_b = scales + 64;

  int failures = 0;
  auto t_start = std::chrono::steady_clock::now();
  for (const std::string& dname : dtypes) {
    DType t;
    if (dname == "bf16") t = DType::BF16;
    else if (dname == "fp16") t = DType::FP16;
    else if (dname == "fp8") t = DType::FP8;
    else if (dname == "int8") t = DType::INT8;
    else {
      std::fprintf(stderr, "gemm_bench: unknown dtype %s\n", dname.c_str());
      return 1;
    }
    if (t == DType::FP8 && (!HAVE_FP8 || cc < 89)) {
      std::fprintf(stderr, "[gemm_bench] skipping fp8: needs sm_89+ and CUDA 11.8+ (device sm_%d, built with %d)\n",
                   cc, CUDA_VERSION);
      continue;
    }
    TypeInfo ti = type_info(t);
    // fp8: the first variant (see Gemm) that passes the check is used for the sweep.
    int variant = 0;
    const int n_variants = t == DType::FP8 ? 4 : 1;
    if (do_check) {
      bool ok = false;
      for (variant = 0; variant < n_variants && !ok; ++variant) {
        if (variant > 0) std::fprintf(stderr, "  %s: trying variant %d\n", ti.name, variant);
        ok = check_correctness(lt, ti, workspace, ws_bytes, scale_a, scale_b, 128, 512, 1024, stream, variant) &&
             check_correctness(lt, ti, workspace, ws_bytes, scale_a, scale_b, 1, 512, 1024, stream, variant);
      }
      --variant;
      if (!ok) {
        std::fprintf(stderr, "[gemm_bench] %s failed its correctness check; not timing it\n", ti.name);
        ++failures;
        continue;
      }
    }
    // One pool per operand, sized for the largest shape (or the rotation set of small ones).
    auto ws_of = [&](long long M, const Shape& s) {
      return align_up(static_cast<size_t>(M) * s.k * ti.ab_size, 256) +
             align_up(static_cast<size_t>(s.n) * s.k * ti.ab_size, 256) +
             align_up(static_cast<size_t>(M) * s.n * ti.cd_size, 256);
    };
    auto copies_of = [&](size_t ws) {
      size_t c = (4 * l2 + ws - 1) / ws;  // rotation set >= 4x L2
      return static_cast<int>(std::min<size_t>(std::max<size_t>(c, 1), 64));
    };
    size_t px = 0, pw = 0, pd = 0;
    for (const Shape& s : shapes)
      for (long long M : Ms) {
        int c = copies_of(ws_of(M, s));
        px = std::max(px, c * align_up(static_cast<size_t>(M) * s.k * ti.ab_size, 256));
        pw = std::max(pw, c * align_up(static_cast<size_t>(s.n) * s.k * ti.ab_size, 256));
        pd = std::max(pd, c * align_up(static_cast<size_t>(M) * s.n * ti.cd_size, 256));
      }
    char *X, *W, *D;
    CUDA_CHECK(cudaMalloc(&X, px));
    CUDA_CHECK(cudaMalloc(&W, pw));
    CUDA_CHECK(cudaMalloc(&D, pd));
    fill_operand(X, px / ti.ab_size, t, 11);
    fill_operand(W, pw / ti.ab_size, t, 12);
    CUDA_CHECK(cudaMemset(D, 0, pd));
    CUDA_CHECK(cudaDeviceSynchronize());
    std::fprintf(stderr, "[gemm_bench] %s: pools X %.2f GB, W %.2f GB, D %.2f GB\n", ti.name,
                 px / 1e9, pw / 1e9, pd / 1e9);

    for (const Shape& s : shapes) {
      for (long long M : Ms) {
        Gemm g(lt, ti, M, s.n, s.k, workspace, ws_bytes, scale_a, scale_b, variant);
        if (!g.ok() || g.select(X, W, D, stream) != CUBLAS_STATUS_SUCCESS) {
          std::fprintf(stderr, "  %s M=%lld N=%lld K=%lld: skipped, no usable algorithm\n", ti.name,
                       M, s.n, s.k);
          continue;
        }
        const size_t bx = align_up(static_cast<size_t>(M) * s.k * ti.ab_size, 256);
        const size_t bw = align_up(static_cast<size_t>(s.n) * s.k * ti.ab_size, 256);
        const size_t bd = align_up(static_cast<size_t>(M) * s.n * ti.cd_size, 256);
        const int copies = copies_of(ws_of(M, s));
        auto launch = [&](int i) {
          int c = i % copies;
          CUBLAS_CHECK(g.run(X + c * bx, W + c * bw, D + c * bd, stream));
        };
        // Warm-up and a first estimate of the time per call.
        double est = time_median(stream, launch, 3, 3);
        // Graph of `inner` calls, each sample >= ~0.5 ms of GPU time.
        int inner = static_cast<int>(std::min(200.0, std::max(1.0, std::ceil(5e-4 / est))));
        inner = std::max(inner, std::min(copies, 200));
        int samples = static_cast<int>(std::max(5.0, std::min(25.0, max_seconds_per_shape / (est * inner))));
        double sec = time_graph_median(stream, launch, inner, samples);

        const double flops = 2.0 * M * s.n * s.k;
        const long long bytes = static_cast<long long>(M * s.k * ti.ab_size + s.n * s.k * ti.ab_size +
                                                       M * s.n * ti.cd_size);
        Row r;
        r.benchmark = "gemm";
        r.dtype = ti.name;
        r.model = s.model;
        r.tp = s.model[0] ? "1" : "";
        r.m = num(M);
        r.n = num(s.n);
        r.k = num(s.k);
        r.bytes = num(bytes);
        static const char* fp8_notes[] = {
            "; e4m3 in and bf16 out; per-tensor scales; fast accumulation",
            "; e4m3 in and bf16 out; per-tensor scales; fast accumulation; no C",
            "; e4m3 in and bf16 out; per-tensor scales; no fast accumulation; no C",
            "; e4m3 in and bf16 out; unit scales; fast accumulation; no C"};
        std::string note = std::string("cuBLASLt heuristic #") + std::to_string(g.algo_index()) +
                           "; TN; " + s.what +
                           (t == DType::FP8 ? fp8_notes[variant]
                            : t == DType::INT8 ? "; int32 accumulate and out" : "; fp32 accumulate") +
                           "; median of " + std::to_string(samples) + " graph replays of " +
                           std::to_string(inner) + " calls over " + std::to_string(copies) +
                           " operand copies";
        r.metric = "seconds"; r.value = num(sec); r.unit = "s";
        csv.write(r, note);
        r.metric = "tflops"; r.value = num(flops / sec / 1e12); r.unit = "TFLOP/s";
        csv.write(r, note);
        r.metric = "gbps"; r.value = num(bytes / sec / 1e9); r.unit = "GB/s";
        csv.write(r, note);
        std::fprintf(stderr, "  %-5s %-14s %-8s M=%6lld N=%6lld K=%6lld  %10.2f us  %7.1f TFLOP/s  %7.1f GB/s\n",
                     ti.name, s.model, s.what, M, s.n, s.k, sec * 1e6, flops / sec / 1e12, bytes / sec / 1e9);
      }
    }
    CUDA_CHECK(cudaFree(X));
    CUDA_CHECK(cudaFree(W));
    CUDA_CHECK(cudaFree(D));
  }
  CUDA_CHECK(cudaFree(scales));
  CUDA_CHECK(cudaFree(workspace));
  CUBLAS_CHECK(cublasLtDestroy(lt));
  CUDA_CHECK(cudaStreamDestroy(stream));
  double el = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
  std::fprintf(stderr, "[gemm_bench] done in %.1f s, %d failure(s)\n", el, failures);
  return failures ? 4 : 0;
}
