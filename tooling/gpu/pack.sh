#!/usr/bin/env bash
# Packs what tooling/gpu/run.sh needs on a GPU machine that cannot reach any registry
# (this workplace's device machines): the Node binary running here, the project's
# installed node_modules pruned of what the GPU run never loads (other platforms' Dawn
# builds, the linters, turbo, TensorFlow.js, Chromium drivers, the tokenizer benches'
# peers), and the Vulkan loader's .deb, in tooling/gpu/pack/ (git-ignored). Run it after
# `node tooling/pnpm.mjs install --frozen-lockfile` on x86-64 Linux, then carry
# `tooling/gpu/pack` to the GPU machine, where run.sh unpacks it. It prints the pack's
# size: a device call carries at most 64 MiB, the working tree included.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
pack="$root/tooling/gpu/pack"
[ "$(uname -m)" = x86_64 ] || { echo "pack.sh: this machine is $(uname -m); the GPU machine needs x86-64 builds" >&2; exit 1; }
[ -d "$root/node_modules/.pnpm" ] || { echo "pack.sh: $root/node_modules is missing: run 'node tooling/pnpm.mjs install --frozen-lockfile' first" >&2; exit 1; }
mkdir -p "$pack"
node_bin="$(command -v node)"
echo "pack.sh: node $("$node_bin" --version) from $node_bin"
if [ ! -f "$pack/node.tar.xz" ]; then
  tar -C "$(dirname "$node_bin")" -cf - "$(basename "$node_bin")" | xz -T0 -9 > "$pack/node.tar.xz.tmp"
  mv "$pack/node.tar.xz.tmp" "$pack/node.tar.xz"
fi
# The Vulkan loader, and glvnd's libGLdispatch (NVIDIA's Vulkan driver is its GLX
# library, libGLX_nvidia, which loads through glvnd), for a machine without them:
# run.sh unpacks them with dpkg -x.
for deb in libvulkan1 libglvnd0; do
  if command -v apt-get >/dev/null && ! ls "$pack/${deb}"_*.deb >/dev/null 2>&1; then
    (cd "$pack" && apt-get download "$deb") || echo "pack.sh: could not download $deb (run.sh will need it installed there)"
  fi
done
cd "$root"
# Every node_modules folder of the workspace (pnpm links packages to the store in the root's .pnpm).
mapfile -t dirs < <(find . -path ./tooling/gpu/pack -prune -o -name node_modules -type d -prune -print | sed 's|^\./||')
excluded=(
  '@biomejs+*' '@turbo+*' 'turbo@*' '@tensorflow+*' 'playwright*' 'typescript@*' 'usearch@*'
  'gpt-tokenizer@*' 'js-tiktoken@*' 'lightningcss*' 'uplot@*'
)
args=()
for name in "${excluded[@]}"; do args+=("--exclude=node_modules/.pnpm/$name"); done
for platform in darwin-universal win32-x64 win32-arm64 linux-arm64; do
  args+=("--exclude=node_modules/.pnpm/webgpu@*/node_modules/webgpu/dist/$platform")
done
tar -cf - "${args[@]}" --exclude='.cache' "${dirs[@]}" | xz -T0 -9 > "$pack/node_modules.tar.xz.tmp"
mv "$pack/node_modules.tar.xz.tmp" "$pack/node_modules.tar.xz"
du -ch "$pack"/*
