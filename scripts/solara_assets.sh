#!/usr/bin/env bash
# Fill a local cache of the JavaScript/CSS that Solara pages load from a CDN, so the visualizer
# works with no internet (only the npm registry is needed, once). Solara serves the cache when
# SOLARA_ASSETS_PROXY_CACHE_DIR points at it; the layout is CACHE/<spec>/<file in the package>.
#
#   scripts/solara_assets.sh [CACHE_DIR]   (default .solara-assets; a relative path is taken from the repo root)
#
# Idempotent: a spec whose folder already holds package.json is skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
CACHE="${1:-.solara-assets}"
SPECS=(
  "@widgetti/solara-vuetify-app@10.1.1"
  "font-awesome@4.5.0"
  "requirejs@2.3.6"
  "@widgetti/vue-grid-layout@2.3.13-alpha.2"
  "mermaid@10.8.0"  # solara.Markdown loads mermaid and katex
  "katex@0.16.9"
)
mkdir -p "$CACHE"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for spec in "${SPECS[@]}"; do
  dest="$CACHE/$spec"
  if [ -f "$dest/package.json" ]; then
    continue
  fi
  command -v npm >/dev/null 2>&1 || { echo "npm is needed to fetch $spec into $CACHE (apt-get install npm)" >&2; exit 1; }
  echo "fetching $spec" >&2
  tarball="$(cd "$work" && npm pack --silent "$spec" | tail -n 1)"
  tmp="$work/unpacked"
  rm -rf "$tmp" && mkdir -p "$tmp"
  tar -xzf "$work/$tarball" -C "$tmp" --strip-components=1
  mkdir -p "$(dirname "$dest")"
  rm -rf "$dest"
  mv "$tmp" "$dest"
done
printf "%s\n" "${SPECS[@]}" > "$CACHE/.complete"
echo "$CACHE is ready" >&2
