#!/usr/bin/env bash
# Check the ArgoCD deployment material: build deploy/example with
# `kubectl kustomize` (offline, no flags) and check that the kzrender sidecar
# lands in argocd-repo-server as ArgoCD's CMP contract needs it, that the
# plugin ConfigMap holds exactly the repository's plugin.yaml, and that the
# stock repo-server containers are left as they were.
#
# Usage: scripts/check-deploy.sh
#   kubectl: $KUBECTL if set, else .cache/tools/kubectl (scripts/fetch-tools.sh),
#   else kubectl on PATH. Needs python3 (stdlib only).
#   Prints `deploy: ok` on success; otherwise every problem found, and exits 1.
set -euo pipefail

die() {
    echo "check-deploy: error: $*" >&2
    exit 1
}

SCRIPT_DIR="$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)"
REPO="$(cd -- "$SCRIPT_DIR/.." && pwd -P)"

if [ -n "${KUBECTL:-}" ]; then
    kubectl="$KUBECTL"
elif [ -x "$REPO/.cache/tools/kubectl" ]; then
    kubectl="$REPO/.cache/tools/kubectl"
elif command -v kubectl >/dev/null 2>&1; then
    kubectl="$(command -v kubectl)"
else
    die "kubectl not found (set KUBECTL, or run scripts/fetch-tools.sh)"
fi
command -v "$kubectl" >/dev/null 2>&1 || die "kubectl '$kubectl' is not an executable"
command -v python3 >/dev/null 2>&1 || die "python3 not found on PATH"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/kz-check-deploy.XXXXXX")" || die "mktemp failed"
trap 'rm -rf -- "$WORK"' EXIT

cd "$REPO"
"$kubectl" kustomize deploy/example >"$WORK/rendered.yaml" 2>"$WORK/kustomize.err" \
    || { cat "$WORK/kustomize.err" >&2; die "'kubectl kustomize deploy/example' failed"; }

# YAML -> JSON without a YAML library (python3 has none in its stdlib):
# `kubectl label --local` parses the manifests client-side, talks to no
# server, and with -o json prints each object back; removing a label nobody
# sets changes nothing else.
to_json() {
    KUBECONFIG=/dev/null "$kubectl" label --local -o json -f "$1" \
        kzrender-check-deploy- >"$2" 2>"$WORK/label.err" \
        || { cat "$WORK/label.err" >&2; die "could not read $3 as Kubernetes objects"; }
}
to_json "$WORK/rendered.yaml" "$WORK/rendered.json" "the kustomize output"
to_json deploy/example/argocd-repo-server.yaml "$WORK/base.json" deploy/example/argocd-repo-server.yaml
to_json plugin.yaml "$WORK/plugin.json" plugin.yaml
to_json deploy/root-app.yaml "$WORK/root-app.json" deploy/root-app.yaml
to_json deploy/project.yaml "$WORK/project.json" deploy/project.yaml

python3 - "$WORK" <<'PY'
import json
import sys

work = sys.argv[1]
problems = []


def fail(msg):
    problems.append(msg)


def objects(name):
    """Every object in a file of concatenated JSON documents (or Lists)."""
    text = open(f"{work}/{name}", encoding="utf-8").read()
    dec, pos, out = json.JSONDecoder(), 0, []
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos == len(text):
            break
        obj, pos = dec.raw_decode(text, pos)
        out.extend(obj.get("items", []) if obj.get("kind") == "List" else [obj])
    return out


def find(objs, kind, name):
    hits = [o for o in objs if o.get("kind") == kind and o["metadata"].get("name") == name]
    return hits[0] if len(hits) == 1 else None


def by_name(items, name):
    hits = [i for i in items or [] if i.get("name") == name]
    return hits[0] if len(hits) == 1 else None


rendered = objects("rendered.json")
base = objects("base.json")
root_plugin = open("plugin.yaml", encoding="utf-8").read()
if open("deploy/sidecar/plugin.yaml", encoding="utf-8").read() != root_plugin:
    fail("deploy/sidecar/plugin.yaml differs from plugin.yaml "
         "(fix: cp plugin.yaml deploy/sidecar/plugin.yaml)")

deploy = find(rendered, "Deployment", "argocd-repo-server")
stock = find(base, "Deployment", "argocd-repo-server")
if deploy is None or stock is None:
    fail("expected one Deployment argocd-repo-server in the output and in "
         "deploy/example/argocd-repo-server.yaml")
else:
    pod = deploy["spec"]["template"]["spec"]
    stock_pod = stock["spec"]["template"]["spec"]
    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    containers = pod.get("containers", []) + pod.get("initContainers", [])

    # The stock containers must come through the merge untouched.
    for field in ("containers", "initContainers"):
        for c in stock_pod.get(field, []):
            if by_name(pod.get(field), c["name"]) != c:
                fail(f"stock {field[:-1]} {c['name']} was changed or dropped")
    for v in stock_pod.get("volumes", []):
        if volumes.get(v["name"]) != v:
            fail(f"stock volume {v['name']} was changed or dropped")

    side = by_name(pod.get("containers"), "kzrender")
    if side is None:
        fail("argocd-repo-server has no (single) container kzrender")
        side = {}
    if side.get("command") != ["/var/run/argocd/argocd-cmp-server"]:
        fail(f"kzrender: command is {side.get('command')}, "
             "want [/var/run/argocd/argocd-cmp-server]")
    sc = side.get("securityContext", {})
    want_sc = {
        "runAsUser": 999,
        "runAsNonRoot": True,
        "readOnlyRootFilesystem": True,
        "allowPrivilegeEscalation": False,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    for key, want in want_sc.items():
        if sc.get(key) != want:
            fail(f"kzrender: securityContext.{key} is {sc.get(key)!r}, want {want!r}")

    mounts = {m["mountPath"]: m for m in side.get("volumeMounts", [])}

    def mount(path, what):
        m = mounts.get(path)
        if m is None:
            fail(f"kzrender: nothing mounted at {path} ({what})")
            return None, {}
        v = volumes.get(m["name"])
        if v is None:
            fail(f"kzrender: mount {path} names volume {m['name']}, which the pod lacks")
            return m, {}
        return m, v

    # Shared with the stock pod: the same volumes copyutil and the repo-server use.
    for path, vol, user in (("/var/run/argocd", "var-files", "copyutil"),
                            ("/home/argocd/cmp-server/plugins", "plugins", "argocd-repo-server")):
        m, _ = mount(path, vol)
        if m and m["name"] != vol:
            fail(f"kzrender: {path} mounts volume {m['name']}, want {vol} (shared with {user})")

    m, v = mount("/tmp", "its own emptyDir")
    if m:
        if "emptyDir" not in v:
            fail(f"kzrender: /tmp volume {m['name']} is not an emptyDir")
        others = [c["name"] for c in containers if c.get("name") != "kzrender"
                  and any(x["name"] == m["name"] for x in c.get("volumeMounts", []))]
        if others:
            fail(f"kzrender: /tmp volume {m['name']} is shared with {', '.join(others)}")

    m, v = mount("/home/argocd/cmp-server/config/plugin.yaml", "the plugin ConfigMap")
    if m:
        if m.get("subPath") != "plugin.yaml":
            fail(f"kzrender: plugin.yaml mount has subPath {m.get('subPath')!r}, want 'plugin.yaml'")
        cm_name = v.get("configMap", {}).get("name")
        if not cm_name:
            fail(f"kzrender: plugin.yaml volume {m['name']} is not a configMap")
        else:
            ns = deploy["metadata"].get("namespace")
            cms = [o for o in rendered if o.get("kind") == "ConfigMap"
                   and o["metadata"].get("name") == cm_name
                   and o["metadata"].get("namespace") == ns]
            if len(cms) != 1:
                fail(f"the output has no ConfigMap {cm_name} in namespace {ns} "
                     "for the plugin.yaml volume (does the overlay set namespace:?)")
            elif not cm_name.startswith("kzrender-plugin"):
                fail(f"plugin ConfigMap is named {cm_name}, want kzrender-plugin[-<hash>]")
            elif cms[0].get("data", {}).get("plugin.yaml") != root_plugin:
                fail(f"ConfigMap {cm_name}: data plugin.yaml is not exactly plugin.yaml")

# plugin.yaml and the root Application must agree on how the plugin is named.
plugin = (objects("plugin.json") or [{}])[0]
spec = plugin.get("spec", {})
if plugin.get("kind") != "ConfigManagementPlugin" or plugin.get("metadata", {}).get("name") != "kzrender":
    fail("plugin.yaml: want kind ConfigManagementPlugin named kzrender")
for key in ("version", "discover"):
    if key in spec:
        fail(f"plugin.yaml: spec.{key} must be absent (Applications name the plugin kzrender)")
if spec.get("generate", {}).get("command") != ["kzrender", "argocd", "generate"]:
    fail("plugin.yaml: spec.generate.command must be [kzrender, argocd, generate]")
if spec.get("parameters", {}).get("dynamic", {}).get("command") != ["kzrender", "argocd", "parameters"]:
    fail("plugin.yaml: spec.parameters.dynamic.command must be [kzrender, argocd, parameters]")
# ArgoCD lets a static announcement shadow a dynamic one of the same name: announce dynamically only.
if spec.get("parameters", {}).get("static"):
    fail("plugin.yaml: static parameters would shadow the dynamic announcement of the cluster's channel")
# Sync waves wait only when ArgoCD assesses Application health (argocd-cm's Lua health check).
cm = [o for o in objects("rendered.json") if o.get("kind") == "ConfigMap" and o["metadata"]["name"] == "argocd-cm"]
lua = (cm[0].get("data", {}) if cm else {}).get("resource.customizations.health.argoproj.io_Application", "")
if "obj.status.health.status" not in lua:
    fail("argocd-cm: no resource.customizations.health.argoproj.io_Application health check")
app = (objects("root-app.json") or [{}])[0]
project = (objects("project.json") or [{}])[0]
if app.get("metadata", {}).get("annotations", {}).get("argocd.argoproj.io/manifest-generate-paths") != ".":
    fail("deploy/root-app.yaml: annotation argocd.argoproj.io/manifest-generate-paths must be `.`")
if app.get("spec", {}).get("project") != project.get("metadata", {}).get("name"):
    fail("deploy/root-app.yaml: spec.project must be the AppProject of deploy/project.yaml")
if app.get("spec", {}).get("source", {}).get("repoURL") not in project.get("spec", {}).get("sourceRepos", []):
    fail("deploy/project.yaml: sourceRepos must allow the root Application's repoURL")
if app.get("spec", {}).get("source", {}).get("plugin", {}).get("name") != "kzrender":
    fail("deploy/root-app.yaml: spec.source.plugin.name must be kzrender")

if problems:
    for p in problems:
        print(f"check-deploy: error: {p}", file=sys.stderr)
    sys.exit(1)
print("deploy: ok")
PY
