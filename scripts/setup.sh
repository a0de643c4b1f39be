#!/usr/bin/env bash
# Installs what building (and, with --test, testing) Transfer Studio needs. Idempotent:
# each step checks first. Needs rustup/cargo, node/npm and python3; apt-get for the browsers (Chromium, Firefox ESR, WebKitGTK) and lavapipe.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

want_test=false
[[ "${1:-}" == "--test" ]] && want_test=true
step() { printf '\n== %s\n' "$*"; }
fail() { printf '\nsetup: %s\n' "$*" >&2; exit 1; }

# What the two commands assume of the machine, checked before any long build.
command -v rustup > /dev/null || fail "rustup is missing: install it from https://rustup.rs (the toolchain itself is pinned in rust-toolchain.toml and installed here)"
command -v python3 > /dev/null || fail "python3 is missing: Trunk's build hooks (scripts/csp.py) run it; on Debian: apt-get install python3"
# Node 20 or newer: the browser tests use node:test's --test-concurrency and Playwright 1.65
# (which needs 18+); the wasm32-wasip1 kernel tests run under Node's WASI. 20, 22 and 24 are tested.
command -v node > /dev/null && command -v npm > /dev/null || fail "node and npm are missing: Node.js 20 or newer is needed (Debian: apt-get install nodejs npm)"
node_major=$(node -p 'process.versions.node.split(".")[0]')
(( node_major >= 20 )) || fail "Node.js $(node --version) is too old: 20 or newer is needed (node:test's --test-concurrency, Playwright 1.65)"
if $want_test; then
  if [[ $(id -u) -ne 0 ]] && ! command -v sudo > /dev/null; then
    fail "the tests install Debian packages (chromium, firefox-esr, webkit2gtk-driver, xvfb, mesa-vulkan-drivers, gcc-multilib) with apt-get: run as root or install sudo"
  fi
  python3 -c 'import venv, ensurepip' 2> /dev/null || fail "python3's venv module is missing: the tests' reference runs in a venv (Debian: apt-get install python3-venv)"
fi

# The stable toolchain pinned in rust-toolchain.toml, with its components and targets.
if ! rustup toolchain list | grep -q "^$(sed -n 's/^channel = "\(.*\)"/\1/p' rust-toolchain.toml)-"; then
  step "rustup toolchain install (rust-toolchain.toml)"
  rustup toolchain install
fi

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  step "rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

# rustfmt and clippy: the test command checks formatting and lints.
for component in rustfmt clippy; do
  if ! rustup component list --installed | grep -q "^$component"; then
    step "rustup component add $component"
    rustup component add "$component"
  fi
done

# The threaded worker's toolchain: a nightly pinned by date, with std's sources (build-std).
if ! rustup component list --installed --toolchain "$THREADS_TOOLCHAIN" 2>/dev/null | grep -q '^rust-src'; then
  step "rustup toolchain install $THREADS_TOOLCHAIN (rust-src)"
  rustup toolchain install "$THREADS_TOOLCHAIN" --profile minimal --component rust-src
fi

# Build tools, not the product: optimised lightly, without LTO, for their build time.
light=(CARGO_PROFILE_RELEASE_OPT_LEVEL=1 CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16)

if [[ "$(trunk --version 2>/dev/null)" != "trunk $TRUNK_VERSION" ]]; then
  step "cargo install trunk $TRUNK_VERSION (takes minutes, once)"
  env "${light[@]}" cargo install trunk --version "$TRUNK_VERSION" --locked
fi

# wasm-bindgen-cli must equal the wasm-bindgen in Cargo.lock. (No --locked: one of its
# locked dependencies has been yanked.)
wbg_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
if [[ "$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $wbg_version" ]]; then
  step "cargo install wasm-bindgen-cli $wbg_version"
  env "${light[@]}" cargo install wasm-bindgen-cli --version "$wbg_version"
fi

# Trunk builds offline, so every crate in Cargo.lock (all targets) is fetched first.
cargo fetch --locked --quiet
# And std's own crates, for the threaded worker's build-std.
cargo "+$THREADS_TOOLCHAIN" fetch --quiet -Zbuild-std=panic_abort,std --target wasm32-unknown-unknown

# Node packages: binaryen (wasm-opt 132, which Trunk runs) and playwright-core.
if ! cmp -s package-lock.json node_modules/.package-lock.json 2>/dev/null; then
  step "npm ci"
  npm ci --no-audit --no-fund
fi

if $want_test; then
  # The browser tests' three engines: Chromium; Firefox ESR (driven over WebDriver BiDi);
  # WebKitGTK's WebKitWebDriver and MiniBrowser, on an Xvfb display. Lavapipe (Mesa's Vulkan on
  # the CPU) for the native wgpu tests; gcc-multilib links the fuzz tests for i686 (the 32-bit
  # paths, natively).
  packages=(chromium chromium-driver firefox-esr webkit2gtk-driver xvfb mesa-vulkan-drivers gcc-multilib)
  if [[ ! -x /usr/bin/chromium || ! -x /usr/bin/chromedriver || ! -x /usr/bin/firefox-esr || ! -x /usr/bin/WebKitWebDriver || ! -x /usr/bin/Xvfb
        || -z $(compgen -G "/usr/share/vulkan/icd.d/lvp_icd.*.json") ]] || ! dpkg -s gcc-multilib > /dev/null 2>&1; then
    step "apt-get install ${packages[*]}"
    sudo_cmd=(); [[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${packages[@]}"
  fi
  for target in i686-unknown-linux-gnu wasm32-wasip1; do
    if ! rustup target list --installed | grep -qx "$target"; then
      step "rustup target add $target"
      rustup target add "$target"
    fi
  done
  if ! cmp -s tests/requirements.txt .venv/installed-requirements.txt 2>/dev/null; then
    step "python venv .venv (tests/requirements.txt)"
    python3 -m venv .venv
    .venv/bin/pip install -q --disable-pip-version-check -r tests/requirements.txt
    cp tests/requirements.txt .venv/installed-requirements.txt
  fi
fi
