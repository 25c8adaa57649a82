"""Would the cluster's Kubernetes API server accept each manifest? An oracle independent of kzrender.

It re-implements, from the written rules below and without reading kzrender's code, the verdict of
kzrender's deep validation, so a differential test can compare the two.

Usage:
  apiserver.py --helm HELM --charts CHECKOUT --schema-location TEMPLATE [--schema-dir DIR]...
               [--kube-version NAME=VERSION]... [NAME=]APP_OF_APPS.yaml...

Each APP_OF_APPS.yaml is the output of `kzrender render CLUSTER_DIR`; NAME (default: the file's
stem) is the cluster name printed. Per cluster (Kubernetes version from --kube-version, default
1.16.12):
 1. Every `kind: Application` is rendered with
    `helm template NAME CHECKOUT/spec.source.path --namespace spec.destination.namespace
    --include-crds --values - --kube-version VERSION --api-versions ...`, spec.source.helm.values on
    stdin. The --api-versions are the built-in ones: from `_definitions.json` in the schema
    directory of the version (TEMPLATE with NormalizedKubernetesVersion "v"+VERSION, falling back to
    vMAJOR.MINOR.0; StrictSuffix "-strict"), every x-kubernetes-group-version-kind whose version
    has no "alpha" and whose kind is not DeleteOptions/WatchEvent, as "group/version" and
    "group/version/Kind" (core group: "v1").
 2. The output is read with yaml.safe_load_all (YAML 1.1; a duplicate key keeps its last value).
    Empty and non-mapping documents are dropped; a document whose `items` is a list stands for its
    items; a document with a `helm.sh/hook` annotation is dropped unless one of its hooks is
    pre-install, pre-upgrade, post-install, post-upgrade or crd-install. What is left are leaves.
 3. The cluster's CRDs are read from all its leaves (spec.group, spec.names.kind, spec.versions[]
    with name, served (default true), schema.openAPIV3Schema else spec.validation.openAPIV3Schema;
    without spec.versions: spec.version with spec.validation.openAPIV3Schema). When the cluster
    serves any CRD version, every Application whose chart files mention "APIVersions" is rendered
    again with the served CRD versions added to --api-versions, and those leaves replace its first
    ones; the CRDs are then read again from the final leaves.
 4. A leaf whose (apiVersion, kind) is a served CRD version is valid without a schema; with one, its
    null-valued keys are dropped unless the key's schema (properties[key], else a mapping
    additionalProperties) says nullable: true, and it is validated (Draft 4) against the
    openAPIV3Schema made strict: nullable -> type [T, "null"]; x-kubernetes-int-or-string ->
    anyOf integer/string; a schema with properties but no additionalProperties and no
    x-kubernetes-preserve-unknown-fields gets additionalProperties: false; an
    x-kubernetes-embedded-resource gets apiVersion/kind (string) and metadata (object) properties;
    the root's metadata is {type: object} and it gets apiVersion/kind (string) if absent; its
    metadata (nulls dropped) is then validated against the version's ObjectMeta definition.
    Otherwise a leaf whose kind is built in or served by a CRD only as other group/versions is
    not-served. Otherwise every
    null-valued key is dropped and the leaf validated (Draft 4) against the kubeconform file of its
    kind in the templated directory, else in each --schema-dir (`$ref`s to `_definitions.json` of
    that directory); no file anywhere: missing.
Output: sorted lines `CLUSTER<TAB>APPLICATION<TAB>Kind ns/name (or Kind name)<TAB>VERDICT`, VERDICT
one of valid, invalid, not-served, missing. A failed helm render is reported on stderr and leaves
that Application without leaves. Exit status 0.
"""
import argparse
import json
import os
import subprocess
import sys

import jsonschema
import referencing
import referencing.jsonschema
import yaml

KEPT_HOOKS = {"pre-install", "pre-upgrade", "post-install", "post-upgrade", "crd-install"}


def template_path(template, version, kind, group, api_version):
    """kubeconform's local template, filled for one kind."""
    label = group.split(".")[0].lower()
    suffix = f"-{label}-{api_version}" if group else f"-{api_version}"
    out = template
    for key, val in {"NormalizedKubernetesVersion": "v" + version, "StrictSuffix": "-strict",
                     "ResourceKind": kind.lower(), "KindSuffix": suffix.lower(),
                     "Group": group.lower(), "ResourceAPIVersion": api_version.lower()}.items():
        out = out.replace("{{ .%s }}" % key, val).replace("{{.%s}}" % key, val)
    return out


def schema_version(template, version):
    """The version whose schema directory exists: the exact one, else MAJOR.MINOR.0."""
    if os.path.isdir(os.path.dirname(template_path(template, version, "x", "", "v1"))):
        return version
    return ".".join(version.split(".")[:2]) + ".0"


def builtin_api_versions(definitions_file):
    """(set of "group/version" and "group/version/Kind" strings, set of (apiVersion, kind))."""
    with open(definitions_file) as f:
        definitions = json.load(f)["definitions"]
    strings, pairs = set(), set()
    for definition in definitions.values():
        for gvk in definition.get("x-kubernetes-group-version-kind", []):
            if "alpha" in gvk["version"] or gvk["kind"] in ("DeleteOptions", "WatchEvent"):
                continue
            gv = f"{gvk['group']}/{gvk['version']}" if gvk["group"] else gvk["version"]
            strings |= {gv, f"{gv}/{gvk['kind']}"}
            pairs.add((gv, gvk["kind"]))
    return strings, pairs


def helm_template(args, app, version, api_versions):
    """The leaves of one Application, rendered by helm."""
    spec = app.get("spec") or {}
    source = spec.get("source") or {}
    chart = os.path.join(args.charts, source.get("path", ""))
    cmd = [args.helm, "template", app["metadata"]["name"], chart,
           "--namespace", (spec.get("destination") or {}).get("namespace") or "default",
           "--include-crds", "--values", "-", "--kube-version", version]
    for api in sorted(api_versions):
        cmd += ["--api-versions", api]
    values = (source.get("helm") or {}).get("values") or ""
    run = subprocess.run(cmd, input=values, capture_output=True, text=True)
    if run.returncode != 0:
        print(f"helm failed for {app['metadata']['name']}: {run.stderr.strip()}", file=sys.stderr)
        return []
    leaves = []
    for doc in yaml.safe_load_all(run.stdout):
        docs = doc["items"] if isinstance(doc, dict) and isinstance(doc.get("items"), list) else [doc]
        for d in docs:
            if not d or not isinstance(d, dict):
                continue
            hook = ((d.get("metadata") or {}).get("annotations") or {}).get("helm.sh/hook")
            if hook is not None and not KEPT_HOOKS & {h.strip() for h in str(hook).split(",")}:
                continue
            leaves.append(d)
    return leaves


def crds_of(leaves):
    """{(group/version, Kind): openAPIV3Schema or None} for every served CRD version."""
    served = {}
    for doc in leaves:
        if doc.get("kind") != "CustomResourceDefinition":
            continue
        spec = doc.get("spec") or {}
        group, kind = spec.get("group"), (spec.get("names") or {}).get("kind")
        legacy = (spec.get("validation") or {}).get("openAPIV3Schema")
        versions = spec.get("versions")
        if not versions:
            versions = [{"name": spec.get("version"), "served": True}] if spec.get("version") else []
        for v in versions:
            if v.get("served", True):
                schema = (v.get("schema") or {}).get("openAPIV3Schema") or legacy
                served[(f"{group}/{v.get('name')}", kind)] = schema
    return served


def mentions_api_versions(chart):
    for root, _, files in os.walk(chart):
        for name in files:
            with open(os.path.join(root, name), "rb") as f:
                if b"APIVersions" in f.read():
                    return True
    return False


def drop_nulls(value, schema=None, by_schema=False):
    """Drop null-valued mapping keys; by_schema keeps those whose property schema is nullable."""
    schema = schema if isinstance(schema, dict) else {}
    if isinstance(value, dict):
        out = {}
        for key, val in value.items():
            sub = (schema.get("properties") or {}).get(key)
            if sub is None and isinstance(schema.get("additionalProperties"), dict):
                sub = schema["additionalProperties"]
            if val is None and not (by_schema and isinstance(sub, dict) and sub.get("nullable") is True):
                continue
            out[key] = drop_nulls(val, sub, by_schema)
        return out
    if isinstance(value, list):
        return [drop_nulls(item, schema.get("items"), by_schema) for item in value]
    return value


def strict(schema, structural=True):
    """An openAPIV3Schema as a Draft 4 schema the API server's way (see the module docstring)."""
    if not isinstance(schema, dict):
        return schema
    s = dict(schema)
    if s.get("nullable") is True and isinstance(s.get("type"), str):
        s["type"] = [s["type"], "null"]
    if s.get("x-kubernetes-int-or-string") is True:
        s.pop("type", None)
        either = [{"type": "integer"}, {"type": "string"}]
        if "anyOf" in s:
            s["allOf"] = list(s.get("allOf", [])) + [{"anyOf": either}]
        else:
            s["anyOf"] = either
    if structural and "properties" in s and "additionalProperties" not in s \
            and s.get("x-kubernetes-preserve-unknown-fields") is not True:
        s["additionalProperties"] = False
    if s.get("x-kubernetes-embedded-resource") is True:
        props = dict(s.get("properties") or {})
        for key, sub in (("apiVersion", {"type": "string"}), ("kind", {"type": "string"}),
                         ("metadata", {"type": "object"})):
            props.setdefault(key, sub)
        s["properties"] = props
    if isinstance(s.get("properties"), dict):
        s["properties"] = {k: strict(v) for k, v in s["properties"].items()}
    if isinstance(s.get("additionalProperties"), dict):
        s["additionalProperties"] = strict(s["additionalProperties"])
    if isinstance(s.get("items"), dict):
        s["items"] = strict(s["items"])
    elif isinstance(s.get("items"), list):
        s["items"] = [strict(i) for i in s["items"]]
    for key in ("allOf", "anyOf", "oneOf"):
        if isinstance(s.get(key), list):
            s[key] = [strict(i, structural=False) for i in s[key]]
    if isinstance(s.get("not"), dict):
        s["not"] = strict(s["not"], structural=False)
    return s


def crd_valid(doc, schema):
    if not schema:
        return True
    root = strict(schema)
    if isinstance(root.get("properties"), dict):
        root["properties"] = dict(root["properties"], metadata={"type": "object"})
        root["properties"].setdefault("apiVersion", {"type": "string"})
        root["properties"].setdefault("kind", {"type": "string"})
    return jsonschema.Draft4Validator(root).is_valid(drop_nulls(doc, schema, by_schema=True))


_registries = {}


def registry_of(directory):
    """The referencing registry of a schema directory: its `_definitions.json`, when it has one."""
    if directory not in _registries:
        registry = referencing.Registry()
        definitions = os.path.join(directory, "_definitions.json")
        if os.path.isfile(definitions):
            with open(definitions) as f:
                resource = referencing.jsonschema.DRAFT4.create_resource(json.load(f))
            registry = registry.with_resource("_definitions.json", resource)
        _registries[directory] = registry
    return _registries[directory]


def meta_valid(doc, version_template):
    """A custom resource's metadata against its version's ObjectMeta, as the API server checks it."""
    directory = os.path.dirname(version_template("x", "", "v1"))
    if not os.path.isfile(os.path.join(directory, "_definitions.json")):
        return True
    schema = {"$ref": "_definitions.json#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"}
    validator = jsonschema.Draft4Validator(schema, registry=registry_of(directory))
    return validator.is_valid(drop_nulls(doc.get("metadata") or {}))


def builtin_verdict(doc, dirs, version_template):
    """valid/invalid/missing against the kubeconform file of the kind in the first directory holding it."""
    api_version, kind = doc["apiVersion"], doc["kind"]
    group, _, ver = api_version.rpartition("/")
    for path in [version_template(kind, group, ver)] + [
            template_path(os.path.join(d, "{{ .ResourceKind }}{{ .KindSuffix }}.json"), "", kind, group, ver)
            for d in dirs]:
        if not os.path.isfile(path):
            continue
        with open(path) as f:
            schema = json.load(f)
        validator = jsonschema.Draft4Validator(schema, registry=registry_of(os.path.dirname(path)))
        return "valid" if validator.is_valid(drop_nulls(doc)) else "invalid"
    return "missing"


def verdict(doc, crds, builtin_pairs, dirs, version_template):
    gvk = (doc.get("apiVersion"), doc.get("kind"))
    if not all(isinstance(x, str) for x in gvk):
        return "not-served"
    if gvk in crds:
        return "valid" if crd_valid(doc, crds[gvk]) and meta_valid(doc, version_template) else "invalid"
    if gvk not in builtin_pairs:
        # Served as another version (built in, or by a CRD of the cluster): this one is not.
        if any(kind == gvk[1] for _, kind in list(builtin_pairs) + list(crds)):
            return "not-served"
    return builtin_verdict(doc, dirs, version_template)


def cluster_lines(args, name, path, version):
    with open(path) as f:
        apps = [d for d in yaml.safe_load_all(f) if isinstance(d, dict) and d.get("kind") == "Application"]
    sversion = schema_version(args.schema_location, version)
    definitions = os.path.join(os.path.dirname(
        template_path(args.schema_location, sversion, "x", "", "v1")), "_definitions.json")
    builtin, builtin_pairs = builtin_api_versions(definitions)
    leaves = {app["metadata"]["name"]: helm_template(args, app, version, builtin) for app in apps}
    crds = crds_of([d for docs in leaves.values() for d in docs])
    if crds:
        extra = {f"{gv}/{kind}" for gv, kind in crds} | {gv for gv, _ in crds}
        for app in apps:
            chart = os.path.join(args.charts, app["spec"]["source"].get("path", ""))
            if mentions_api_versions(chart):
                leaves[app["metadata"]["name"]] = helm_template(args, app, version, builtin | extra)
        crds = crds_of([d for docs in leaves.values() for d in docs])

    def version_template(kind, group, ver):
        return template_path(args.schema_location, sversion, kind, group, ver)

    lines = []
    for app, docs in leaves.items():
        for doc in docs:
            meta = doc.get("metadata") or {}
            ns = f"{meta['namespace']}/" if meta.get("namespace") else ""
            resource = f"{doc.get('kind')} {ns}{meta.get('name')}"
            lines.append(f"{name}\t{app}\t{resource}\t"
                         f"{verdict(doc, crds, builtin_pairs, args.schema_dir, version_template)}")
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--helm", required=True)
    parser.add_argument("--charts", required=True)
    parser.add_argument("--schema-location", required=True)
    parser.add_argument("--schema-dir", action="append", default=[])
    parser.add_argument("--kube-version", action="append", default=[], metavar="NAME=VERSION")
    parser.add_argument("clusters", nargs="+", metavar="[NAME=]FILE")
    args = parser.parse_args()
    versions = dict(v.split("=", 1) for v in args.kube_version)
    lines = []
    for spec in args.clusters:
        name, _, path = spec.rpartition("=")
        name = name or os.path.splitext(os.path.basename(path))[0]
        lines += cluster_lines(args, name, path, versions.get(name, "1.16.12"))
    for line in sorted(lines):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
