#!/usr/bin/env python3
"""An independent checker of yinxin's transparency log: no yinxin code, its own Merkle code
(RFC 9162 section 2.1, written from the RFC), SM3 from OpenSSL (`openssl dgst -sm3`).

    check.py issue BASE CREDENTIALS N OUT.json   issue N licences, record each checkpoint seen
    check.py verify BASE CREDENTIALS OUT.json    check them

`verify` reads the log over HTTP as any static tile server would serve it:
  1. the latest /tlog/checkpoint, and every entry bundle (tile/entries/...) up to its size;
  2. every level-0 and level-1 hash tile (tile/0/..., tile/1/...) against its own tree;
  3. the root of every checkpoint seen against MTH(D[0:size]) of its own tree;
  4. 1,000 inclusion proofs served at /v1/licences/{id}/proof, with the RFC's verification
     algorithm, against the checkpoint each came with;
  5. 100 consistency proofs between pairs of checkpoints seen: built with the RFC's SUBPROOF
     from the tree the served tiles hold, verified with the RFC's algorithm against both roots.
It does not check SM2 signatures (the Rust tests do); it checks every Merkle claim.

SM3 is batched: many messages are written to files and hashed by one `openssl dgst` process;
the proof algorithms run in lock step as generators that yield what they need hashed.
"""
import base64, json, os, subprocess, sys, tempfile, urllib.request, random

TILE_W = 256


# --- SM3 via OpenSSL, batched ------------------------------------------------------------
def sm3_many(msgs):
    out = []
    with tempfile.TemporaryDirectory() as d:
        for start in range(0, len(msgs), 2000):
            chunk = msgs[start:start + 2000]
            paths = []
            for i, m in enumerate(chunk):
                p = os.path.join(d, str(i))
                with open(p, "wb") as f:
                    f.write(m)
                paths.append(p)
            r = subprocess.run(["openssl", "dgst", "-sm3", "-r"] + paths, capture_output=True, check=True, text=True)
            byname = {}
            for line in r.stdout.splitlines():
                h, name = line.split(" ", 1)
                byname[name.lstrip("*")] = bytes.fromhex(h)
            out.extend(byname[p] for p in paths)
    return out


def run_all(gens):
    """Run generators that yield messages to hash (and get digests back) in lock step;
    return their return values."""
    results = [None] * len(gens)
    pending = {}
    for i, g in enumerate(gens):
        try:
            pending[i] = next(g)
        except StopIteration as e:
            results[i] = e.value
    while pending:
        keys = list(pending)
        digests = sm3_many([pending[k] for k in keys])
        nxt = {}
        for k, d in zip(keys, digests):
            try:
                nxt[k] = gens[k].send(d)
            except StopIteration as e:
                results[k] = e.value
        pending = nxt
    return results


def leaf(data):
    return (yield b"\x00" + data)


def node(l, r):
    return (yield b"\x01" + l + r)


# --- RFC 9162 2.1.3.2: verifying an inclusion proof ----------------------------------------
def verify_inclusion(index, size, leaf_hash, path, root):
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf_hash
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = yield from node(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = yield from node(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


# --- RFC 9162 2.1.4.2: verifying a consistency proof ---------------------------------------
def verify_consistency(first, second, first_hash, second_hash, path):
    if first == second:
        return len(path) == 0 and first_hash == second_hash
    if first == 0 or first > second:
        return False
    if first & (first - 1) == 0:
        path = [first_hash] + path
    if not path:
        return False
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = yield from node(c, fr)
            sr = yield from node(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = yield from node(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == first_hash and sr == second_hash and sn == 0


# --- The tree: MTH (RFC 9162 2.1.1) and SUBPROOF (2.1.4.1) --------------------------------
def largest_pow2_below(n):
    k = 1
    while k * 2 < n:
        k *= 2
    return k


class Tree:
    def __init__(self, leaf_hashes):
        # levels[l][i] = MTH of the complete subtree of leaves [i*2^l, (i+1)*2^l)
        self.levels = [list(leaf_hashes)]
        while len(self.levels[-1]) > 1:
            lv = self.levels[-1]
            pairs = [b"\x01" + lv[i] + lv[i + 1] for i in range(0, len(lv) - 1, 2)]
            self.levels.append(sm3_many(pairs))
        self.memo = {}

    def mth(self, a, b):
        """MTH(D[a:b]) by the RFC's recursive definition (complete subtrees read from levels)."""
        n = b - a
        if n == 0:
            return (yield b"")
        l = n.bit_length() - 1
        if n == 1 << l and a % n == 0:
            return self.levels[l][a >> l]
        if (a, b) in self.memo:
            return self.memo[(a, b)]
        k = largest_pow2_below(n)
        left = yield from self.mth(a, a + k)
        right = yield from self.mth(a + k, b)
        h = yield from node(left, right)
        self.memo[(a, b)] = h
        return h

    def subproof(self, m, a, b, complete):
        n = b - a
        if m == n:
            return [] if complete else [(yield from self.mth(a, b))]
        k = largest_pow2_below(n)
        if m <= k:
            p = yield from self.subproof(m, a, a + k, complete)
            return p + [(yield from self.mth(a + k, b))]
        p = yield from self.subproof(m - k, a + k, b, False)
        return p + [(yield from self.mth(a, a + k))]


# --- HTTP and tiles ------------------------------------------------------------------------
def get(url, token=None):
    req = urllib.request.Request(url)
    if token:
        req.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(req, timeout=60) as r:
        return r.read()


def tile_index(n):
    s = "%d" % n
    s = "0" * ((3 - len(s) % 3) % 3) + s
    parts = [s[i:i + 3] for i in range(0, len(s), 3)]
    return "/".join(["x" + p for p in parts[:-1]] + [parts[-1]])


def tile_path(kind, n, width):
    p = "tile/%s/%s" % (kind, tile_index(n))
    return p if width == TILE_W else p + ".p/%d" % width


def parse_checkpoint(text):
    lines = text.split("\n")
    return {"origin": lines[0], "size": int(lines[1]), "root": base64.b64decode(lines[2]), "text": text}


def tiles_for(size, height_shift):
    """(index, width) of the tiles of a level whose hashes number size >> height_shift."""
    count = size >> height_shift
    out = [(i, TILE_W) for i in range(count // TILE_W)]
    if count % TILE_W:
        out.append((count // TILE_W, count % TILE_W))
    return out


# --- issue ---------------------------------------------------------------------------------
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def uscc(first17):
    s = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, USCC_WEIGHTS))
    return first17 + USCC_ALPHABET[(31 - s % 31) % 31]


def issue(base, creds, n, out):
    here = os.path.dirname(os.path.abspath(__file__))
    fields = json.load(open(os.path.join(here, "../../examples/营业执照.json")))
    token = json.load(open(creds))["department:11530100MB0123456A"]["token"]
    seen, ids = [], []
    for i in range(n):
        f = dict(fields)
        f["uscc"] = uscc("91530100%09d" % (730_000_000 + i))
        body = json.dumps({"type_code": "营业执照", "fields": f}).encode()
        req = urllib.request.Request(base + "/v1/licences", data=body, method="POST")
        req.add_header("Authorization", "Bearer " + token)
        req.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(req, timeout=60) as r:
            ids.append(json.load(r)["identifier"])
        cp = get(base + "/tlog/checkpoint").decode()
        if not seen or seen[-1] != cp:
            seen.append(cp)
        if (i + 1) % 100 == 0:
            print("issued %d, %d checkpoints seen" % (i + 1, len(seen)), file=sys.stderr)
    json.dump({"ids": ids, "checkpoints": seen}, open(out, "w"))


# --- verify --------------------------------------------------------------------------------
def verify(base, creds, recorded):
    rec = json.load(open(recorded))
    token = json.load(open(creds))["department:11530100MB0123456A"]["token"]
    latest = parse_checkpoint(get(base + "/tlog/checkpoint").decode())
    size = latest["size"]
    # 1. entries
    entries = []
    for n, w in tiles_for(size, 0):
        b = get(base + "/tlog/" + tile_path("entries", n, w))
        got, i = 0, 0
        while i < len(b):
            ln = int.from_bytes(b[i:i + 2], "big")
            entries.append(b[i + 2:i + 2 + ln])
            i += 2 + ln
            got += 1
        assert got == w, "entry bundle %d has %d entries, expected %d" % (n, got, w)
    assert len(entries) == size
    tree = Tree(run_all([leaf(e) for e in entries]))
    # 2. hash tiles of levels 0 and 1 (level 1 holds the roots of the 256-leaf subtrees)
    tiles = 0
    for level, shift in ((0, 0), (1, 8)):
        for n, w in tiles_for(size, shift):
            b = get(base + "/tlog/" + tile_path(str(level), n, w))
            want = b"".join(tree.levels[shift][n * TILE_W:n * TILE_W + w])
            assert b == want, "hash tile %d/%d (width %d) differs from the tree of the entries" % (level, n, w)
            tiles += 1
    # 3. roots
    cps = [parse_checkpoint(t) for t in rec["checkpoints"]] + [latest]
    cps = [c for c in cps if c["size"] <= size]
    roots = run_all([tree.mth(0, c["size"]) for c in cps])
    for c, r in zip(cps, roots):
        assert r == c["root"], "checkpoint of size %d: root differs from MTH(D[0:%d])" % (c["size"], c["size"])
    print("tree: %d entries, %d hash tiles, %d checkpoint roots match" % (size, tiles, len(cps)))
    # 4. inclusion proofs
    ids = rec["ids"][:1000]
    gens, leaves = [], []
    for lid in ids:
        p = json.loads(get(base + "/v1/licences/%s/proof" % urllib.request.quote(lid), token))
        cp = parse_checkpoint(p["checkpoint"])
        for e in p["entries"]:
            data = base64.b64decode(e["entry"])
            assert data == entries[e["index"]], "entry %d differs from its bundle" % e["index"]
            path = [base64.b64decode(h) for h in e["inclusion"]]
            leaves.append((e["index"], cp["size"], path, cp["root"]))
    lh = run_all([leaf(entries[i]) for i, _, _, _ in leaves])
    ok = run_all([verify_inclusion(i, s, h, path, root) for (i, s, path, root), h in zip(leaves, lh)])
    assert all(ok), "%d inclusion proofs fail" % ok.count(False)
    # flipped bits must fail
    bad = [(i, s, path[:], root) for i, s, path, root in leaves[:50] if path]
    for b in bad:
        b[2][0] = bytes([b[2][0][0] ^ 1]) + b[2][0][1:]
    assert not any(run_all([verify_inclusion(i, s, h, path, root) for (i, s, path, root), h in zip(bad, lh)]))
    print("inclusion: %d proofs for %d licences verify; %d with a flipped bit fail" % (len(ok), len(ids), len(bad)))
    # 5. consistency proofs
    rnd = random.Random(19)
    sized = sorted({c["size"]: c for c in cps if c["size"] > 0}.values(), key=lambda c: c["size"])
    pairs = []
    while len(pairs) < 100 and len(sized) > 1:
        a, b = sorted(rnd.sample(range(len(sized)), 2))
        pairs.append((sized[a], sized[b]))
    proofs = run_all([tree.subproof(a["size"], 0, b["size"], True) for a, b in pairs])
    ok = run_all([verify_consistency(a["size"], b["size"], a["root"], b["root"], p) for (a, b), p in zip(pairs, proofs)])
    assert all(ok), "%d consistency proofs fail" % ok.count(False)
    wrong = run_all([verify_consistency(a["size"], b["size"], a["root"], bytes(32), p) for (a, b), p in zip(pairs, proofs)])
    assert not any(wrong)
    print("consistency: %d proofs between %d checkpoints seen verify; against a wrong root none do" % (len(ok), len(sized)))
    print("PASSED")


if __name__ == "__main__":
    if sys.argv[1] == "issue":
        issue(sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5])
    elif sys.argv[1] == "verify":
        verify(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        sys.exit(__doc__)
