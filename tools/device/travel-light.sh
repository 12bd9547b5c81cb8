#!/usr/bin/env bash
# The GPU machine's calls send the working tree (tracked and untracked-not-ignored files), at most 64 MiB a call.
# models/verbatim-demo-tiny/ alone is ~80 MB, so before a device call it is left out of the working
# tree with a sparse checkout (a file git tracks but does not check out does not travel: tried 2026-11-22), and put
# back afterwards. Nothing is lost: the file stays in git's objects.
#   bash tools/device/travel-light.sh on      leave the large model files out of the working tree
#   bash tools/device/travel-light.sh off     check them out again
#   bash tools/device/travel-light.sh status  what would travel (MiB), and whether the model files are out
set -euo pipefail
cd "$(dirname "$0")/../.."
# The GPU machine exports the demo model from its checkpoint (gpu_run.sh eval-hf --ckpt); no device command reads
# the CTC aligner (8.8 MB), and leaving it out lets the parity run's two carries fit beside the tree.
LEFT_OUT=('/models/verbatim-demo-tiny/' '/models/verbatim-demo-ctc/')
# A call that needs fewer files may leave out more: LEAVE_OUT_ALSO="/tools/reference/fixtures/ …" (sparse patterns).
read -r -a ALSO <<<"${LEAVE_OUT_ALSO:-}"
LEFT_OUT+=("${ALSO[@]}")

travelling_mib() {  # tracked files present in the working tree plus untracked, not ignored ones
  { git ls-files -z; git ls-files -z --others --exclude-standard; } |
    xargs -0 -r stat -c %s 2>/dev/null | awk '{ s += $1 } END { printf "%.1f\n", s / 1048576 }'
}

case "${1:-status}" in
  on)
    patterns=('/*')
    for p in "${LEFT_OUT[@]}"; do patterns+=("!$p"); done
    git sparse-checkout set --no-cone "${patterns[@]}"
    echo "left out of the working tree: ${LEFT_OUT[*]}; travelling now: $(travelling_mib) MiB (limit 64)"
    ;;
  off)
    git sparse-checkout disable
    echo "working tree complete again; travelling now: $(travelling_mib) MiB"
    ;;
  status)
    if [ "$(git config --get core.sparseCheckout || true)" = true ]; then echo "sparse: on"; else echo "sparse: off"; fi
    echo "travelling: $(travelling_mib) MiB (limit 64, before carried paths)"
    ;;
  *)
    echo "usage: travel-light.sh on|off|status (got '$1')" >&2
    exit 2
    ;;
esac
