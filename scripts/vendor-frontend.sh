#!/usr/bin/env bash
# Refresh the vendored front-end files from the npm registry (pinned versions; see webui/static/vendor/VERSIONS.md).
set -euo pipefail
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cd "$tmp"; npm init -y >/dev/null
npm install --no-audit --no-fund bootstrap@5.3.9 htmx.org@2.0.11 bpmn-js@18.31.1 chart.js@4.6.1 \
  bootstrap-icons@1.13.2 sortablejs@1.15.7 >/dev/null
V="$OLDPWD/webui/static/vendor"; m=node_modules
mkdir -p "$V"/{bootstrap,htmx,bpmn-js,chartjs,bootstrap-icons,sortablejs}
cp $m/bootstrap/dist/css/bootstrap.min.css $m/bootstrap/dist/js/bootstrap.bundle.min.js $m/bootstrap/LICENSE "$V/bootstrap/"
cp $m/htmx.org/dist/htmx.min.js $m/htmx.org/LICENSE "$V/htmx/"
cp $m/bpmn-js/dist/bpmn-modeler.production.min.js $m/bpmn-js/dist/bpmn-viewer.production.min.js $m/bpmn-js/LICENSE "$V/bpmn-js/"
cp -r $m/bpmn-js/dist/assets "$V/bpmn-js/"
cp $m/chart.js/dist/chart.umd.min.js $m/chart.js/LICENSE.md "$V/chartjs/"
cp -r $m/bootstrap-icons/font/bootstrap-icons.min.css $m/bootstrap-icons/font/fonts $m/bootstrap-icons/LICENSE "$V/bootstrap-icons/"
cp $m/sortablejs/Sortable.min.js $m/sortablejs/LICENSE "$V/sortablejs/"
echo "vendored into $V"
