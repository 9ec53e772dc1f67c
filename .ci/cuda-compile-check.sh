#!/usr/bin/env bash
# Compile-only check of the CUDA microbenchmarks (validation/microbench/*.cu) for sm_80 and
# sm_90 with warnings as errors. Needs no GPU. Exits 0 with a message when nvcc is absent.
#   .ci/cuda-compile-check.sh            (NVCC=/path/to/nvcc to pick one)
# Debian: apt-get install nvidia-cuda-toolkit (contrib/non-free components; CUDA 11.8).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
src="$repo/validation/microbench"
nvcc_bin="${NVCC:-$(command -v nvcc || true)}"
[[ -z "$nvcc_bin" && -x /usr/local/cuda/bin/nvcc ]] && nvcc_bin=/usr/local/cuda/bin/nvcc
if [[ -z "$nvcc_bin" ]]; then
  echo "cuda-compile-check: nvcc not found, skipping"
  exit 0
fi
echo "cuda-compile-check: $("$nvcc_bin" --version | grep -i release)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
# Host compiler: $NVCC_CCBIN, else nvcc's default; Debian's CUDA 11.8 rejects the default
# gcc 12, so fall back to an older g++ or clang++ that it accepts.
ccbin=()
if [[ -n "${NVCC_CCBIN:-}" ]]; then
  ccbin=(-ccbin "$NVCC_CCBIN")
else
  echo '__global__ void k() {} int main() { k<<<1, 1>>>(); return 0; }' > "$tmp/probe.cu"
  if ! "$nvcc_bin" -c "$tmp/probe.cu" -o "$tmp/probe.o" 2>/dev/null; then
    for c in g++-11 g++-10 clang++-14 clang++-15 clang-14 clang++; do
      if command -v "$c" >/dev/null && "$nvcc_bin" -ccbin "$c" -c "$tmp/probe.cu" -o "$tmp/probe.o" 2>/dev/null; then
        ccbin=(-ccbin "$c")
        break
      fi
    done
    [[ ${#ccbin[@]} -gt 0 ]] && echo "cuda-compile-check: host compiler ${ccbin[1]}"
  fi
fi
flags=("${ccbin[@]}" -std=c++17 -O2 -lineinfo
       -gencode=arch=compute_80,code=sm_80 -gencode=arch=compute_90,code=sm_90
       -Werror all-warnings -Xcompiler=-Wall,-Wextra,-Werror)
fail=0
for f in "$src"/*.cu; do
  name="$(basename "$f" .cu)"
  if "$nvcc_bin" "${flags[@]}" -c "$f" -o "$tmp/$name.o"; then
    echo "  ok   $name.cu"
  else
    echo "  FAIL $name.cu"
    fail=1
  fi
done
if [[ "$fail" -ne 0 ]]; then
  echo "cuda-compile-check: FAILED"
  exit 1
fi
# Link too where the libraries are found (catches missing symbols).
if "$nvcc_bin" "${flags[@]}" "$src/gemm_bench.cu" -lcublasLt -o "$tmp/gemm_bench" 2>"$tmp/link.log"; then
  echo "  ok   gemm_bench linked against cuBLASLt"
else
  echo "  note: could not link gemm_bench (cuBLASLt missing?):"; sed 's/^/    /' "$tmp/link.log"
fi
echo "cuda-compile-check: all CUDA sources compile"
