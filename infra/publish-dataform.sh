#!/bin/sh
# Publishes dataform/ of a commit as the root of the branch Dataform compiles (it reads a repository root only): publish-dataform.sh [COMMIT=HEAD] [REMOTE=origin].
set -eu
commit=${1:-HEAD}
remote=${2:-origin}
branch=${DATAFORM_BRANCH:-dataform}

src=$(git rev-parse --verify "$commit^{commit}")
tree=$(git rev-parse --verify "$src:dataform")
tip=$(git ls-remote "$remote" "refs/heads/$branch" | cut -f1)

if [ -n "$tip" ]; then
  git fetch --quiet "$remote" "refs/heads/$branch"
  if [ "$(git rev-parse "$tip^{tree}")" = "$tree" ]; then
    echo "$remote/$branch already holds dataform/ of $src"
    exit 0
  fi
  new=$(git commit-tree "$tree" -p "$tip" -m "dataform/ at $src")
else
  new=$(git commit-tree "$tree" -m "dataform/ at $src")
fi

git push --quiet "$remote" "$new:refs/heads/$branch"
echo "$remote/$branch = $new (dataform/ at $src)"
