#!/usr/bin/env bash
# `make clone-test`: proves that a clone alone installs and passes its tests, as a new user gets it.
# Clones the committed HEAD of this checkout into an empty temporary folder (nothing beside it, so
# no sibling folder such as the course's reference data can be read), then runs a plain `npm ci`,
# `make images` and `make test` there with a minimal environment (no ONNXRUNTIME_NODE_INSTALL, no
# npm_config_*).
# Ends with make test's own `N passed, N failed` line and its exit code. Uncommitted changes are
# not in the clone: commit first. Usage: bash test/clone-test.sh [git ref, default HEAD]
set -euo pipefail

src="$(git -C "$(dirname "$0")/.." rev-parse --show-toplevel)"
ref="${1:-HEAD}"
commit="$(git -C "$src" rev-parse --verify "$ref^{commit}")"
if [[ -n "$(git -C "$src" status --porcelain --untracked-files=no)" ]]; then
  echo "note: $src has uncommitted changes; the clone tests commit ${commit:0:12} without them" >&2
fi

# mktemp makes it 0700, like a home folder or /root: the tests must pass where no other user can
# read the checkout (a test that plays another user copies what that user runs, or says why not).
parent="$(mktemp -d "${TMPDIR:-/tmp}/tm-clone-test.XXXXXX")"
clone="$parent/triton-monitoring"
log="$parent/clone-test.log"
git clone --quiet --no-hardlinks "$src" "$clone"
git -C "$clone" checkout --quiet --detach "$commit"
echo "clone of ${commit:0:12} in $clone; beside it: $(ls -A "$parent" | tr '\n' ' ')" >&2

# A new user's shell: no variable from this session reaches npm, make or the tests.
clean_env=(env -i "HOME=$HOME" "PATH=$PATH" "LANG=${LANG:-C.UTF-8}" "TERM=${TERM:-dumb}")
run() {
  echo "▶ $*" >&2
  (cd "$clone" && "${clean_env[@]}" "$@") 2>&1 | tee -a "$log"
  return "${PIPESTATUS[0]}"
}

status=0
run npm ci || status=$?
((status == 0)) && { run make images || status=$?; }
((status == 0)) && { run make test || status=$?; }

if ((status == 0)); then
  rm -rf "$parent"
  echo "clone test passed (commit ${commit:0:12})" >&2
else
  echo "clone test failed (exit $status); log and clone kept in $parent" >&2
fi
exit "$status"
