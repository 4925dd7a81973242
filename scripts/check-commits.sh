#!/usr/bin/env bash
# Fails if a commit subject in RANGE is longer than 72 characters.
# Usage: scripts/check-commits.sh [RANGE (default: CUTOFF..HEAD)]
# CUTOFF is the last commit before the rule: older subjects are history, and
# stay as they are. Without a RANGE, a checkout that lacks CUTOFF (a shallow
# clone, a source tarball) is skipped with a message.
set -euo pipefail
cd "$(dirname "$0")/.."
export LC_ALL=C.UTF-8 # ${#subject} counts characters, not bytes
cutoff=304b4281f246ad5a26ae389208059e428a24faa1
limit=72

if [[ $# -eq 0 ]]; then
  if ! git cat-file -e "$cutoff^{commit}" 2>/dev/null; then
    echo "check-commits: skipped: commit ${cutoff:0:7} is not in this checkout (shallow clone or no git)"
    exit 0
  fi
  set -- "$cutoff..HEAD"
fi

log=$(git log --format='%h %s' "$1")
status=0
while IFS=' ' read -r hash subject; do
  if ((${#subject} > limit)); then
    echo "$hash: subject of ${#subject} characters (limit $limit): $subject"
    status=1
  fi
done <<<"$log"
if ((status)); then
  echo "check-commits: shorten these subjects (git rebase -i, reword); details go in the body"
fi
exit $status
