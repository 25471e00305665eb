"""schemathesis hooks for tests/schemathesis/run.sh (SCHEMATHESIS_HOOKS=hooks).

Issuing a licence needs fields the catalogue checks (check characters, dates, required fields
per type), which schema-driven generation almost never gets right; without a licence the
stateful phase has nothing to suspend, revoke, re-issue or verify. So the issuance bodies generated
as valid are replaced by a valid 营业执照 with a fresh unified social credit code: every one in the
stateful phase, half of them (chosen by the body's hash, so a run is reproducible) in the others.
The other half, and every body generated as invalid, stay as generated, to test the refusals.
"""
import json
import pathlib
import zlib

import schemathesis

EXAMPLE = json.loads((pathlib.Path(__file__).resolve().parents[2] / "examples" / "营业执照.json").read_text("utf-8"))
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
_issued = [0]


def uscc(n):
    """A unified social credit code (GB 32100-2015) with its check character."""
    first17 = f"91530100{n % 1_000_000_000:09d}"
    c = 31 - sum(ALPHABET.index(ch) * w for ch, w in zip(first17, WEIGHTS)) % 31
    return first17 + ALPHABET[0 if c == 31 else c]


def _positive(case):
    meta = getattr(case, "meta", None)
    mode = getattr(getattr(meta, "generation", None), "mode", None)
    return mode is not None and str(getattr(mode, "value", mode)) == "positive"


def _stateful(case):
    phase = getattr(getattr(case.meta, "phase", None), "name", None)
    return str(getattr(phase, "value", phase)) == "stateful"


@schemathesis.hook
def map_case(ctx, case):
    op = case.operation
    if not _positive(case):
        return case
    # A generated Idempotency-Key often repeats one sent with another body ("0", "a"): 422, as
    # it should be, but then a chain stops there. In the stateful phase each request that is
    # meant to act gets a key of its own.
    fresh = _stateful(case)
    if op.method.upper() == "POST" and op.path == "/v1/licences":
        if fresh or zlib.crc32(repr(case.body).encode()) % 2 == 0:
            _issued[0] += 1
            case.body = {"type_code": "营业执照", "fields": dict(EXAMPLE, uscc=uscc(700_000_000 + _issued[0]))}
            fresh = True
    if fresh and case.headers is not None and "Idempotency-Key" in case.headers:
        _issued[0] += 1
        case.headers["Idempotency-Key"] = f"schemathesis-{_issued[0]}"
    return case
