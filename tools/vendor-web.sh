#!/usr/bin/env bash
# Copy the editor's third-party browser files from npm into emg_kg/web/ (run by `make vendor-web`).
# The web app serves them itself, so the editor works offline: nothing loads from a CDN.
# Pinned versions; the copied files, their versions and every bundled package's licence text are
# recorded next to them (VENDORED.txt, THIRD-PARTY-LICENSES.txt).
set -euo pipefail
cd "$(dirname "$0")/.."
YASGUI=@zazuko/yasgui@4.6.2
CHARTJS=chart.js@4.6.1
WEB=emg_kg/web
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm init -y >/dev/null && npm install --no-audit --no-fund --ignore-scripts "$YASGUI" "$CHARTJS" >/dev/null)
nm=$tmp/node_modules
cp "$nm/@zazuko/yasgui/build/yasgui.min.js" "$nm/@zazuko/yasgui/build/yasgui.min.css" "$WEB/"
cp "$nm/chart.js/dist/chart.umd.min.js" "$WEB/chart.umd.min.js"
# no source-map comments: the browser would ask the server for .map files it does not have
sed -i -e 's#^//\# sourceMappingURL=.*$##' -e 's#/\*\# sourceMappingURL=[^*]*\*/##' \
  "$WEB/yasgui.min.js" "$WEB/yasgui.min.css" "$WEB/chart.umd.min.js"
{
  echo "Third-party files in emg_kg/web/, copied from npm by tools/vendor-web.sh."
  echo "yasgui.min.js and yasgui.min.css bundle the packages listed below; chart.umd.min.js is"
  echo "chart.js (with @kurkle/color). Each package's licence follows, as shipped in its npm package."
  echo "@zazuko/yasgui, @zazuko/yasqe, @zazuko/yasr and @zazuko/yasgui-utils ship no licence file;"
  echo "their package.json declares MIT (author Triply <info@triply.cc>, contributors Zazuko GmbH),"
  echo "whose text is given first."
  echo
  echo "==== @zazuko/yasgui, @zazuko/yasqe, @zazuko/yasr, @zazuko/yasgui-utils (MIT) ===="
  cat <<'MIT'
MIT License

Copyright (c) Triply B.V. and Zazuko GmbH

Permission is hereby granted, free of charge, to any person obtaining a copy of this software and
associated documentation files (the "Software"), to deal in the Software without restriction,
including without limitation the rights to use, copy, modify, merge, publish, distribute,
sublicense, and/or sell copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all copies or
substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT
NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND
NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM,
DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT
OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.
MIT
  for dir in $(cd "$nm" && find . -name package.json -not -path '*/node_modules/*/node_modules/*' \
      -printf '%h\n' | sed 's#^\./##' | sort -u); do
    [ -f "$nm/$dir/package.json" ] || continue
    name=$(node -p "require('$nm/$dir/package.json').name || ''")
    [ "$name" = "$dir" ] || continue  # nested package.json files (dist/, esm/) are not packages
    version=$(node -p "require('$nm/$dir/package.json').version")
    license=$(node -p "JSON.stringify(require('$nm/$dir/package.json').license || '')")
    for f in "$nm/$dir"/LICEN[CS]E* "$nm/$dir"/licen[cs]e* "$nm/$dir"/License*; do
      [ -f "$f" ] || continue
      echo
      echo "==== $name $version (license $license; $(basename "$f")) ===="
      cat "$f"
    done
  done
} > "$WEB/THIRD-PARTY-LICENSES.txt"
{
  echo "# Written by tools/vendor-web.sh: the npm packages behind the files in emg_kg/web/."
  echo "# file  package@version  sha256"
  for f in yasgui.min.js yasgui.min.css chart.umd.min.js; do
    case $f in chart*) pkg=$CHARTJS ;; *) pkg=$YASGUI ;; esac
    echo "$f  $pkg  $(sha256sum "$WEB/$f" | cut -d' ' -f1)"
  done
} > "$WEB/VENDORED.txt"
echo "vendor-web: wrote $WEB/{yasgui.min.js,yasgui.min.css,chart.umd.min.js,THIRD-PARTY-LICENSES.txt,VENDORED.txt}"
