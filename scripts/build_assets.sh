#!/usr/bin/env bash
# Build the front-end assets into recruit/static/build/ (git-ignored).
#
#   bash scripts/build_assets.sh
#
# - installs the npm packages from package-lock.json (skipped when node_modules is current)
# - compiles assets/scss/recruit.scss with dart-sass to build/recruit.css (compressed)
# - copies GOV.UK Frontend's ES module and our module next to it, so both are served from
#   our own origin (no CDN)
# Idempotent; needs the npm registry only for the first install.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

BUILD="recruit/static/build"
GOVUK="node_modules/govuk-frontend/dist/govuk"

log() { printf 'build_assets: %s\n' "$*" >&2; }

# Copy through a temporary name, so a server (or a parallel test) never reads half a file.
install_file() { cp "$1" "$2.tmp.$$" && mv -f "$2.tmp.$$" "$2"; }

command -v npm >/dev/null 2>&1 || { log "npm is not installed (need Node.js 20+)"; exit 1; }

# 1. npm packages: reinstall only when package-lock.json changed since the last install.
if [[ -f package-lock.json ]]; then
  if [[ ! -f node_modules/.package-lock.json || package-lock.json -nt node_modules/.package-lock.json \
        || ! -d "$GOVUK" || ! -x node_modules/.bin/sass ]]; then
    log "npm ci"
    npm ci --no-audit --no-fund --loglevel=error
  fi
else
  log "no package-lock.json: npm install"
  npm install --no-audit --no-fund --loglevel=error
fi

mkdir -p "$BUILD"

# 2. Sass -> CSS. The load path lets assets/scss/_govuk.scss import "govuk-frontend/...";
#    --quiet-deps hides GOV.UK Frontend's own deprecation warnings; GOV.UK Frontend v5 is
#    written with @import, which we must use to load it.
log "sass assets/scss/recruit.scss -> $BUILD/recruit.css"
node_modules/.bin/sass \
  --load-path=node_modules \
  --quiet-deps \
  --silence-deprecation=import \
  --style=compressed \
  --no-source-map \
  --no-error-css \
  assets/scss/recruit.scss "$BUILD/recruit.css.tmp.$$"
mv -f "$BUILD/recruit.css.tmp.$$" "$BUILD/recruit.css"

# 3. JavaScript: GOV.UK Frontend's ES module build and our entry module.
install_file "$GOVUK/govuk-frontend.min.js" "$BUILD/govuk-frontend.min.js"
install_file "$GOVUK/govuk-frontend.min.js.map" "$BUILD/govuk-frontend.min.js.map"
install_file assets/js/recruit.mjs "$BUILD/recruit.js"

# 4. Guard rails: the GOV.UK brand and remote assets must never reach the CSS.
if grep -q -e 'GDS Transport' -e 'govuk-crest' "$BUILD/recruit.css"; then
  log "error: recruit.css references the GOV.UK font or crest"; exit 1
fi
if grep -Eq 'url\((["'"'"']?)(https?:)?//' "$BUILD/recruit.css"; then
  log "error: recruit.css references a remote URL"; exit 1
fi

log "done: $(wc -c <"$BUILD/recruit.css") bytes of CSS in $BUILD"
