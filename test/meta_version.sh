#!/usr/bin/env bash
# META.json and the control file must agree on the version.
set -euo pipefail
cd "$(dirname "$0")/.."
control=$(sed -n "s/^default_version = '\(.*\)'/\1/p" custvalue.control)
meta=$(/usr/bin/python3 -c 'import json; m = json.load(open("META.json")); print(m["version"], m["provides"]["custvalue"]["version"])')
[ "$meta" = "$control $control" ] || { echo "META.json says $meta, custvalue.control says $control" >&2; exit 1; }
