#!/usr/bin/env bash
# Installs the Salesforce CLI (`sf`) that `npm run test:sf-cli` drives against the built-in CRM.
#
# It lives in .cache/sf-cli/<version>/ (gitignored), apart from the project's own dependencies:
# the published tarball is unpacked there and its dependencies are installed inside it with
# `npm install --omit=dev --ignore-scripts`, which follows the package's npm-shrinkwrap.json.
# A plain `npm install @salesforce/cli` would resolve newer dependencies that need Node 22.
# Running it again with the CLI already in place does nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

version="${SF_CLI_VERSION:-2.138.0}"
root=".cache/sf-cli/${version}"
pkg="${root}/package"
marker="${root}/installed"

if [[ -f "${marker}" && -x "${pkg}/bin/run.js" ]]; then
  echo "sf ${version} is already installed in ${pkg}"
  exit 0
fi

rm -rf "${root}"
mkdir -p "${root}"
echo "fetching @salesforce/cli@${version} from the npm registry"
tarball="$(cd "${root}" && npm pack "@salesforce/cli@${version}" --silent --no-fund --no-audit | tail -n 1)"
tar -xzf "${root}/${tarball}" -C "${root}"
rm -f "${root}/${tarball}"
if [[ ! -f "${pkg}/npm-shrinkwrap.json" ]]; then
  echo "@salesforce/cli@${version} has no npm-shrinkwrap.json; refusing to resolve its dependencies afresh" >&2
  exit 1
fi

echo "installing its dependencies as its npm-shrinkwrap.json pins them"
(cd "${pkg}" && npm install --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error)
echo "${version}" >"${marker}"
echo "sf ${version} installed in ${pkg}"
