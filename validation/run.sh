#!/usr/bin/env bash
# Runs the simulator's validation benchmarks on this machine's GPU 0 and writes one CSV in the
# measured-data schema plus a metadata file beside it. See validation/README.md.
#
#   validation/run.sh [OUT.csv]
#
# Default output: validation/measured/<gpu-slug>-<date>.csv and <same>.meta.txt.
# Environment:
#   QUICK=1            fewer shapes and models (a few minutes)
#   BENCHES="..."      subset of: launch membw gemm attention layer e2e allreduce (default all)
#   GEMM_DTYPES=...    default bf16,fp16,fp8,int8
#   MODELS=...         models for attention and layer rows (default llama-3.1-8b,qwen2.5-7b)
#   E2E_MODELS=...     default llama-3.1-8b,qwen2.5-7b
#   BUILD_DIR=...      CMake build folder (default validation/microbench/build)
#   CUDA_ARCHS=...     passed as CMAKE_CUDA_ARCHITECTURES (default: 80-real;90, from CMakeLists)
#   PYTHON=...         Python with PyTorch (default python3)
#   SOURCE_NOTE=...    appended to the source column
# Never changes clocks, power limits or any other GPU setting; it records them.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
PYTHON="${PYTHON:-python3}"
BENCHES="${BENCHES:-launch membw gemm attention layer e2e allreduce}"
BUILD_DIR="${BUILD_DIR:-$here/microbench/build}"
QUICK="${QUICK:-0}"

say() { echo "[run.sh $(date -u +%H:%M:%S)] $*" >&2; }
want() { [[ " $BENCHES " == *" $1 "* ]]; }

command -v nvidia-smi >/dev/null || { echo "run.sh: nvidia-smi not found; needs an NVIDIA GPU" >&2; exit 1; }

gpu_name="$(nvidia-smi --query-gpu=name --format=csv,noheader -i 0 | head -1)"
driver="$(nvidia-smi --query-gpu=driver_version --format=csv,noheader -i 0 | head -1)"
ngpu="$(nvidia-smi -L | grep -c '^GPU ' || true)"
nvcc_bin="$(command -v nvcc || true)"
[[ -z "$nvcc_bin" && -x /usr/local/cuda/bin/nvcc ]] && nvcc_bin=/usr/local/cuda/bin/nvcc
cuda_ver="unknown"
[[ -n "$nvcc_bin" ]] && cuda_ver="$("$nvcc_bin" --version | sed -n 's/.*release \([0-9.]*\).*/\1/p')"
driver_cuda="$(nvidia-smi | sed -n 's/.*CUDA Version: *\([0-9.]*\).*/\1/p' | head -1)"
torch_ver="$("$PYTHON" -c 'import torch; print(torch.__version__)' 2>/dev/null || echo none)"
today="$(date -u +%F)"

case "$gpu_name" in
  *H100*PCIe*) slug=h100-pcie ;;
  *H100*HBM3*|*H100*SXM*) slug=h100-sxm ;;
  *H200*) slug=h200-sxm ;;
  *A100-SXM4-80GB*) slug=a100-80gb-sxm ;;
  *A100*PCIe*80GB*) slug=a100-80gb-pcie ;;
  *) slug="$gpu_name" ;;
esac
file_slug="$(echo "$slug" | tr 'A-Z' 'a-z' | tr -cs 'a-z0-9.-' '-' | sed 's/-$//')"

out="${1:-$repo/validation/measured/${file_slug}-${today}.csv}"
meta="${out%.csv}.meta.txt"
mkdir -p "$(dirname "$out")"
source_col="validation/run.sh on ${gpu_name}; driver ${driver}; CUDA ${cuda_ver}; ${today}"
[[ "$QUICK" == 1 ]] && source_col+="; QUICK"
[[ -n "${SOURCE_NOTE:-}" ]] && source_col+="; ${SOURCE_NOTE}"

# ---- metadata (read-only queries)
{
  echo "gpu_name: $gpu_name"
  echo "device_profile: $slug"
  echo "gpu_count: $ngpu"
  echo "driver: $driver"
  echo "driver_cuda_version: $driver_cuda"
  echo "nvcc_cuda_version: $cuda_ver"
  echo "torch_version: $torch_ver"
  echo "torch_cuda: $("$PYTHON" -c 'import torch; print(torch.version.cuda)' 2>/dev/null || echo none)"
  echo "date_utc: $(date -u +%FT%TZ)"
  echo "host: $(uname -srm)"
  echo "quick: $QUICK"
  echo "benches: $BENCHES"
  for f in memory.total pci.bus_id vbios_version persistence_mode compute_mode mig.mode.current \
           ecc.mode.current power.limit power.max_limit enforced.power.limit temperature.gpu \
           clocks.sm clocks.mem clocks.max.sm clocks.max.mem clocks.applications.graphics \
           clocks.applications.memory clocks_throttle_reasons.active pstate; do
    v="$(nvidia-smi --query-gpu="$f" --format=csv,noheader -i 0 2>/dev/null | head -1 || true)"
    echo "$f: ${v:-n/a}"
  done
  echo
  echo "# nvidia-smi -q -d CLOCK,POWER,PERFORMANCE at start"
  nvidia-smi -q -i 0 -d CLOCK,POWER,PERFORMANCE 2>/dev/null | sed 's/^/    /' || true
} > "$meta"
say "GPU: $gpu_name ($slug), driver $driver, CUDA $cuda_ver, torch $torch_ver; $ngpu GPU(s)"
say "writing $out and $meta"

echo "benchmark,device,dtype,model,tp,m,n,k,bytes,batch,input_tokens,output_tokens,context_tokens,metric,value,unit,source" > "$out"

quick_flag=()
[[ "$QUICK" == 1 ]] && quick_flag=(--quick)
common=(-o "$out" --device "$slug" --source "$source_col" "${quick_flag[@]}")
status=0
t_start=$SECONDS

# ---- CUDA C++ microbenchmarks
if want launch || want membw || want gemm; then
  [[ -n "$nvcc_bin" ]] || { echo "run.sh: nvcc not found (needed for launch/membw/gemm)" >&2; exit 1; }
  export CUDACXX="$nvcc_bin"
  gen=()
  command -v ninja >/dev/null && gen=(-G Ninja)
  arch=()
  [[ -n "${CUDA_ARCHS:-}" ]] && arch=("-DCMAKE_CUDA_ARCHITECTURES=${CUDA_ARCHS}")
  say "building into $BUILD_DIR"
  t0=$SECONDS
  cmake -S "$here/microbench" -B "$BUILD_DIR" "${gen[@]}" "${arch[@]}" -DCMAKE_BUILD_TYPE=Release >&2
  cmake --build "$BUILD_DIR" -j >&2
  say "built in $((SECONDS - t0)) s"
  for b in launch membw; do
    if want $b; then
      t0=$SECONDS
      say "$b"
      "$BUILD_DIR/$b" "${common[@]}" || { say "$b FAILED"; status=1; }
      say "$b took $((SECONDS - t0)) s"
    fi
  done
  if want gemm; then
    t0=$SECONDS
    say "gemm"
    "$BUILD_DIR/gemm_bench" "${common[@]}" --dtypes "${GEMM_DTYPES:-bf16,fp16,fp8,int8}" \
      || { say "gemm FAILED"; status=1; }
    say "gemm took $((SECONDS - t0)) s"
  fi
fi

# ---- PyTorch benchmarks
torch_benches=()
for b in attention layer e2e; do want $b && torch_benches+=("$b"); done
if want allreduce; then
  if [[ "$ngpu" -gt 1 ]]; then
    torch_benches+=(allreduce)
  else
    say "allreduce: skipped, only $ngpu GPU on this machine (needs 2 or more)"
  fi
fi
if [[ ${#torch_benches[@]} -gt 0 ]]; then
  t0=$SECONDS
  benches_csv="$(IFS=,; echo "${torch_benches[*]}")"
  say "torch_bench: $benches_csv"
  PYTHONUNBUFFERED=1 "$PYTHON" "$here/microbench/torch_bench.py" "${common[@]}" \
    --benches "$benches_csv" --self-check \
    --models "${MODELS:-llama-3.1-8b,qwen2.5-7b}" --e2e-models "${E2E_MODELS:-llama-3.1-8b,qwen2.5-7b}" \
    ${TORCH_BENCH_ARGS:-} || { say "torch_bench FAILED"; status=1; }
  say "torch_bench took $((SECONDS - t0)) s"
fi

{
  echo
  echo "# at end"
  for f in temperature.gpu clocks.sm clocks.mem clocks_throttle_reasons.active power.draw; do
    v="$(nvidia-smi --query-gpu="$f" --format=csv,noheader -i 0 2>/dev/null | head -1 || true)"
    echo "$f: ${v:-n/a}"
  done
  echo "rows: $(($(wc -l < "$out") - 1))"
  echo "elapsed_s: $((SECONDS - t_start))"
  echo "exit_status: $status"
} >> "$meta"
say "done in $((SECONDS - t_start)) s: $(($(wc -l < "$out") - 1)) rows in $out (status $status)"
exit $status
