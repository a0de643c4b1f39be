# Shared settings for the scripts (sourced, not run).
export TRUNK_VERSION=0.21.14
# One cargo target dir for every build and every clone: builds are slow on small machines.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/transfer-studio/target}"
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export CLI="$CARGO_TARGET_DIR/debug/transfer-studio"
# The nightly whose build-std makes the threaded worker (scripts/threaded_worker.sh); setup installs it.
export THREADS_TOOLCHAIN=nightly-2026-05-19
