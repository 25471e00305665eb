#!/usr/bin/env bash
# An independent OFD reader on our licences: npm's ofd.js 0.2.6 (DOM renderer with its own SES
# seal check) in the system Chromium, driven by playwright-core. For each OFD given (or
# test-artifacts/licences/*-example.ofd, written by crates/licence/tests/layout.rs), the rendered
# text must hold every field of examples/<type>.json and ofd.js must verify the seal; a PNG of the
# rendering goes beside the OFD. ofd.js 0.2.6 ignores embedded FontFiles and draws text in the
# browser's fonts (CJK fonts must be installed for it); 1.5.0 is a licensed viewer needing a key.
# Also tried: PyPI easyofd 20260427 (OFD -> PDF with reportlab). It parses our OFD and draws the
# frame, QR code and seal in place, but no text: its draw_chars hard-codes the face "宋体" (SimSun,
# which a Linux machine lacks) and never uses the embedded FontFile (reportlab could not load it
# anyway: "postscript outlines are not supported", it takes TrueType outlines only).
set -euo pipefail
cd "$(dirname "$0")"
root="$(cd ../.. && pwd)"
work="${OFDJS_DIR:-/tmp/yinxin-ofdjs}"
if [ ! -f "$work/node_modules/ofd.js/lib/ofd.umd.min.js" ]; then
  mkdir -p "$work" && (cd "$work" && npm init -y >/dev/null && npm install --no-audit --no-fund ofd.js@0.2.6 playwright-core@1.65 >/dev/null)
fi
cp "$work/node_modules/ofd.js/lib/ofd.umd.min.js" .
ln -sfn "$work/node_modules" node_modules
files=("$@")
[ ${#files[@]} -gt 0 ] || files=("$root"/test-artifacts/licences/*-example.ofd)
status=0
for f in "${files[@]}"; do
  name="$(basename "$f" -example.ofd)"
  node render.mjs "$f" "$root/examples/$name.json" "${f%.ofd}-ofdjs.png" || status=1
done
rm -f ofd.umd.min.js node_modules
exit $status
