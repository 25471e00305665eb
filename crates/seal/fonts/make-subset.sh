#!/usr/bin/env bash
# Builds YinxinSerifSC-Subset.otf, the CJK face compiled into yinxin (crates/seal/src/font.rs):
# Noto Serif CJK SC Regular (SIL OFL 1.1) from Debian's fonts-noto-cjk, cut down with fontTools'
# pyftsubset to every character of GB 2312 (its 6,763 hanzi and its 682 symbols, punctuation and
# fullwidth forms), printable ASCII, and the few characters licences print that GB 2312 lacks.
# The outlines stay CFF (an OpenType/CFF file); README.md records what the last run produced.
#
#   apt-get install -y fonts-noto-cjk && python3 -m venv /tmp/ft && /tmp/ft/bin/pip install fonttools==4.68.0
#   PATH=/tmp/ft/bin:$PATH crates/seal/fonts/make-subset.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
src="${NOTO_SERIF_CJK:-/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc}"
face=2 # the collection's faces are JP, KR, SC, TC, HK: 2 is Simplified Chinese
out="$here/YinxinSerifSC-Subset.otf"
text="$(mktemp)"
trap 'rm -f "$text"' EXIT

python3 - "$src" "$face" > "$text" <<'PY'
import sys
from fontTools.ttLib import TTFont
name = TTFont(sys.argv[1], fontNumber=int(sys.argv[2]))["name"].getDebugName(4)
if name != "Noto Serif CJK SC":
    sys.exit(f"face {sys.argv[2]} of {sys.argv[1]} is {name!r}, not Noto Serif CJK SC")
chars = []
# Every GB 2312 code point: rows 0xA1-0xF7, cells 0xA1-0xFE; undefined ones fail to decode.
for hi in range(0xA1, 0xF8):
    for lo in range(0xA1, 0xFF):
        try:
            chars.append(bytes([hi, lo]).decode("gb2312"))
        except UnicodeDecodeError:
            pass
hanzi = sum(1 for c in chars if "\u4e00" <= c <= "\u9fff")
if hanzi != 6763:
    sys.exit(f"GB 2312 decoded to {hanzi} hanzi, not 6763")
chars += map(chr, range(0x20, 0x7F))            # printable ASCII
chars += map(chr, range(0xFF01, 0xFF5F))        # every fullwidth form (！ to ～)
chars += map(chr, range(0x3000, 0x3020))        # CJK punctuation: 、。〃〈〉《》「」『』【】〔〕〖〗〘〙〜〝〞〟
chars += "\u00b7\u2014\u2015\u2018\u2019\u201c\u201d\u2026\u2030\u2103\u00d7\u00f7\u2116\u33a1\u2460\u2461\u2462\u2463\u2464\u2465\u2466\u2467\u2468\u2469\u00a0\u00b0\u00b1\u00a5\u2022\u2027\u30fb\ufe30"
sys.stdout.write("".join(dict.fromkeys(chars)))
PY

# --name-IDs='*' keeps the copyright and OFL notice in the name table; no layout features
# (vertical and alternate forms are not used), no hinting (the renderers used draw outlines).
pyftsubset "$src" --font-number="$face" --text-file="$text" --layout-features='' --no-hinting \
  --name-IDs='*' --notdef-outline --output-file="$out"

echo "upstream: fonts-noto-cjk $(dpkg-query -W -f='${Version}' fonts-noto-cjk 2>/dev/null || echo '?')"
python3 - "$src" "$face" "$out" <<'PY'
import sys
from fontTools.ttLib import TTFont
up = TTFont(sys.argv[1], fontNumber=int(sys.argv[2]))
sub = TTFont(sys.argv[3])
print("version:", up["name"].getDebugName(5))
print("glyphs:", sub["maxp"].numGlyphs, "characters:", len(sub.getBestCmap()))
PY
openssl dgst -sm3 "$src" "$out"
ls -l "$out"
