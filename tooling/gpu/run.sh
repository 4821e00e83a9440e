#!/usr/bin/env bash
# The GPU run of issue 17, in one call on a Linux machine with an NVIDIA GPU: installs
# what is missing (Node ≥ 20.19, the Vulkan loader, the project), checks that Dawn finds
# the GPU on Vulkan, runs the WebGPU backend's test suite (conformance included) on it,
# then W1–W5 and the dispatch cost (tooling/gpu/workloads.ts), and prints one markdown
# table headed by the adapter's name, limits and features. Everything it writes goes
# to $OUT when set (this workplace's device machines), else tooling/gpu/out/.
#
#   tooling/gpu/run.sh [--small] [--no-tests] [--budget SECONDS]
#
# --small shrinks every workload and runs only the conformance file (a dry run, e.g.
# on llvmpipe with TENSORLM_WEBGPU_BACKEND=opengl); --budget is the whole run's time
# (default 480 s: the tests get what is left after the benches' share). A machine that
# cannot reach a registry uses tooling/gpu/pack/ (made by tooling/gpu/pack.sh) for Node,
# node_modules and the Vulkan loader. See tooling/gpu/README.md.
set -uo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
small=0
tests=1
budget=480
while [ $# -gt 0 ]; do
  case "$1" in
    --small) small=1 ;;
    --no-tests) tests=0 ;;
    --budget) budget="$2"; shift ;;
    *) echo "run.sh: unknown option '$1' (known: --small, --no-tests, --budget SECONDS)" >&2; exit 2 ;;
  esac
  shift
done
start=$(date +%s)
left() { echo $((budget - ($(date +%s) - start))); }
out="${OUT:-$root/tooling/gpu/out}"
mkdir -p "$out"
pack="$root/tooling/gpu/pack"
backend="${TENSORLM_WEBGPU_BACKEND:-vulkan}"
export TENSORLM_WEBGPU_BACKEND="$backend"
say() { echo "run.sh: $*" | tee -a "$out/run.log"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else return 1; fi; }
apt_install() {
  command -v apt-get >/dev/null || return 1
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@" >>"$out/run.log" 2>&1 ||
    { as_root apt-get update >>"$out/run.log" 2>&1 && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@" >>"$out/run.log" 2>&1; }
}

# 1. Node ≥ 20.19: the machine's, else the pack's, else apt's (if new enough), else nodejs.org's.
node_ok() { command -v node >/dev/null && node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>20||(a===20&&b>=19)?0:1)'; }
if ! node_ok && [ -f "$pack/node.tar.xz" ]; then
  mkdir -p /tmp/tensorlm-node/bin && tar -xJf "$pack/node.tar.xz" -C /tmp/tensorlm-node/bin && export PATH="/tmp/tensorlm-node/bin:$PATH"
fi
if ! node_ok; then apt_install nodejs || true; fi
if ! node_ok && command -v curl >/dev/null; then
  version="${NODE_VERSION:-20.19.5}"
  say "fetching Node $version from nodejs.org (apt's nodejs is missing or older than 20.19)"
  mkdir -p /tmp/tensorlm-node &&
    curl -fsSL "https://nodejs.org/dist/v$version/node-v$version-linux-x64.tar.xz" | tar -xJ -C /tmp/tensorlm-node --strip-components=1 &&
    export PATH="/tmp/tensorlm-node/bin:$PATH"
fi
node_ok || { say "no Node >= 20.19: install one (https://nodejs.org) or run tooling/gpu/pack.sh where one is and carry tooling/gpu/pack"; exit 1; }
say "node $(node --version) at $(command -v node)"

# 2. The Vulkan loader (libvulkan.so.1) and glvnd's libGLdispatch (NVIDIA's Vulkan driver
# is libGLX_nvidia, a glvnd vendor library): installed, the pack's .debs unpacked, or apt's.
if [ "$backend" = vulkan ]; then
  if ! ldconfig -p 2>/dev/null | grep -q 'libvulkan\.so\.1' || ! ldconfig -p 2>/dev/null | grep -q 'libGLdispatch\.so\.0'; then
    for deb in "$pack"/*.deb; do [ -f "$deb" ] && as_root dpkg -x "$deb" / ; done
    as_root ldconfig 2>/dev/null || true
  fi
  ldconfig -p 2>/dev/null | grep -q 'libvulkan\.so\.1' || apt_install libvulkan1 ||
    { say "no Vulkan loader (libvulkan.so.1): install libvulkan1, or carry its .deb in tooling/gpu/pack"; exit 1; }
  # 3. The NVIDIA ICD: a JSON file that ships with the driver (libnvidia-gl-*, or the .run
  # installer) and tells the loader where the driver's Vulkan library is. Containers that
  # mount the driver often keep it beside the driver instead of in /usr/share/vulkan/icd.d.
  if [ -z "${VK_DRIVER_FILES:-}${VK_ICD_FILENAMES:-}" ]; then
    icd=""
    for f in /usr/share/vulkan/icd.d/nvidia_icd*.json /etc/vulkan/icd.d/nvidia_icd*.json \
      /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd*.json /usr/local/share/vulkan/icd.d/nvidia_icd*.json; do
      [ -f "$f" ] && { icd="$f"; break; }
    done
    if [ -z "$icd" ] && ldconfig -p 2>/dev/null | grep -q 'libGLX_nvidia\.so\.0'; then
      # The driver's library is there but its ICD file is not: write the one the driver would have.
      icd="$out/nvidia_icd.json"
      printf '{"file_format_version":"1.0.1","ICD":{"library_path":"libGLX_nvidia.so.0","api_version":"1.3"}}\n' >"$icd"
      say "no NVIDIA ICD file found; wrote $icd for libGLX_nvidia.so.0"
    fi
    if [ -n "$icd" ]; then
      export VK_DRIVER_FILES="$icd"
    else
      say "no NVIDIA ICD file (nvidia_icd.json) and no libGLX_nvidia.so.0: the Vulkan part of the NVIDIA driver is missing (it ships with the driver: e.g. apt install libnvidia-gl-<version>)"
    fi
  fi
  say "ICD: ${VK_DRIVER_FILES:-${VK_ICD_FILENAMES:-the default search of the loader}}"
fi
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 | sed 's/^/run.sh: gpu: /' | tee -a "$out/run.log"

# 4. The project: the pack's node_modules when there is one and none is installed, else pnpm.
if [ ! -d node_modules/.pnpm ] && [ -f "$pack/node_modules.tar.xz" ]; then
  say "unpacking node_modules from tooling/gpu/pack"
  tar -xJf "$pack/node_modules.tar.xz" -C "$root"
fi
if [ ! -d node_modules/.pnpm ]; then
  say "installing the project (pnpm install --frozen-lockfile)"
  node tooling/pnpm.mjs install --frozen-lockfile >>"$out/run.log" 2>&1 || { say "pnpm install failed (see $out/run.log)"; exit 1; }
fi

# 5. Dawn must find the GPU on the forced backend (never a silent fallback to llvmpipe).
probe="$(node tooling/gpu/probe.mjs 2>>"$out/run.log")" ||
  { say "Dawn found no adapter on '$backend' ($probe); see $out/run.log"; exit 1; }
say "adapter on $backend: $probe"

# 6. The WebGPU backend's tests on this adapter (CI=1: a missing adapter fails, never skips).
bench_share=$((small ? 240 : 300))
tests_line="not run (--no-tests)"
if [ "$tests" = 1 ]; then
  test_time=$(($(left) - bench_share))
  [ "$test_time" -lt 60 ] && test_time=60
  files=""
  [ "$small" = 1 ] && files="src/conformance.test.ts"
  say "tests on $backend (at most ${test_time} s)"
  (cd packages/backend-webgpu && CI=1 timeout "$test_time" ../../node_modules/.bin/vitest run $files) >"$out/tests.log" 2>&1
  status=$?
  summary="$(sed 's/\x1b\[[0-9;]*m//g' "$out/tests.log" | grep -E '^ +(Test Files|Tests) ' | tr -s ' ' | paste -sd ';' -)"
  if [ "$status" = 124 ]; then tests_line="stopped at ${test_time} s ($summary)"; else tests_line="exit $status: $summary"; fi
  say "tests: $tests_line"
fi

# 7. The workloads, with autotuning on and its cache kept with the results.
bench_time=$(left)
[ "$bench_time" -lt 120 ] && bench_time=120
say "workloads (at most ${bench_time} s)"
flags=()
[ "$small" = 1 ] && flags+=(--small)
TENSORLM_WEBGPU_AUTOTUNE="${TENSORLM_WEBGPU_AUTOTUNE:-1}" TENSORLM_WEBGPU_AUTOTUNE_FILE="$out/webgpu-autotune.json" \
  timeout "$bench_time" node_modules/.bin/tsx --conditions=source tooling/gpu/workloads.ts "${flags[@]}" --out "$out/table.md" \
  >"$out/workloads.log" 2>&1
status=$?
[ "$status" = 0 ] || say "workloads exited with $status (see $out/workloads.log; rows finished so far are in it)"

# 8. One report: the tests' line, then the table.
{
  echo "## GPU run ($(date -u +%FT%TZ), $((($(date +%s) - start))) s)"
  echo
  echo "**Tests (backend-webgpu on $backend):** $tests_line"
  echo
  if [ -f "$out/table.md" ]; then cat "$out/table.md"; else grep -E ' on (webgpu|cpu): ' "$out/workloads.log"; fi
} >"$out/gpu-run.md"
cat "$out/gpu-run.md"
