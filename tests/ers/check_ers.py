#!/usr/bin/env python3
"""An independent checker of RFC 4998 evidence records, using no yinxin code.

    python3 check_ers.py RECORD FILE...     check RECORD (DER) against the data group FILE...
    python3 check_ers.py --self-test         check the SM3 implementation(s)

It reads the DER itself (a small strict reader below), recomputes every reduced hash tree
(RFC 4998 section 4.3), the time-stamp renewals (the hash of the previous ATS's timeStamp
ContentInfo) and the hash-tree renewals (H'(H'(file) || H'(DER of the earlier chains))), and
compares each root with the messageImprint of the ATS's TSTInfo. It does not check the time-stamp
signatures or certificates. Exit status 0 when every check holds, 1 otherwise, 2 on usage errors.

Reading of RFC 4998 shared with the Rust implementation (and Bouncy Castle):
- a hash list is hashed after sorting its values binary ascending and concatenating them; a first
  list of one value stands for that value; each later list is hashed with the value so far added;
- a data group's first list holds exactly the hashes of its files;
- hash-tree renewal concatenates the data hash first, then the hash of the earlier chains (the
  prose of section 5.2 step 4, unsorted).

Standard library only. SM3 comes from hashlib (OpenSSL 3) when available, else from the
pure-Python implementation below.
"""

import hashlib
import struct
import sys

SM3_OID = "1.2.156.10197.1.401"
SHA256_OID = "2.16.840.1.101.3.4.2.1"
SIGNED_DATA_OID = "1.2.840.113549.1.7.2"
TST_INFO_OID = "1.2.840.113549.1.9.16.1.4"
NAMES = {SM3_OID: "SM3", SHA256_OID: "SHA-256"}


class Fail(Exception):
    """A check that did not hold."""


# --------------------------------------------------------------------------------------------
# SM3 (GB/T 32905-2016), pure Python, used when hashlib lacks it.

_SM3_IV = [0x7380166F, 0x4914B2B9, 0x172442D7, 0xDA8A0600, 0xA96F30BC, 0x163138AA, 0xE38DEE4D, 0xB0FB0E4E]
_M32 = 0xFFFFFFFF


def _rotl(x, n):
    n %= 32
    return ((x << n) | (x >> (32 - n))) & _M32


def _p0(x):
    return x ^ _rotl(x, 9) ^ _rotl(x, 17)


def _p1(x):
    return x ^ _rotl(x, 15) ^ _rotl(x, 23)


def sm3_pure(data):
    bit_len = len(data) * 8
    msg = data + b"\x80" + b"\x00" * ((55 - len(data)) % 64) + struct.pack(">Q", bit_len)
    v = list(_SM3_IV)
    for off in range(0, len(msg), 64):
        w = list(struct.unpack(">16I", msg[off : off + 64]))
        for j in range(16, 68):
            w.append(_p1(w[j - 16] ^ w[j - 9] ^ _rotl(w[j - 3], 15)) ^ _rotl(w[j - 13], 7) ^ w[j - 6])
        w1 = [w[j] ^ w[j + 4] for j in range(64)]
        a, b, c, d, e, f, g, h = v
        for j in range(64):
            t = 0x79CC4519 if j < 16 else 0x7A879D8A
            ss1 = _rotl((_rotl(a, 12) + e + _rotl(t, j)) & _M32, 7)
            ss2 = ss1 ^ _rotl(a, 12)
            if j < 16:
                ff = a ^ b ^ c
                gg = e ^ f ^ g
            else:
                ff = (a & b) | (a & c) | (b & c)
                gg = (e & f) | (~e & _M32 & g)
            tt1 = (ff + d + ss2 + w1[j]) & _M32
            tt2 = (gg + h + ss1 + w[j]) & _M32
            d, c, b, a = c, _rotl(b, 9), a, tt1
            h, g, f, e = g, _rotl(f, 19), e, _p0(tt2)
        v = [x ^ y for x, y in zip(v, [a, b, c, d, e, f, g, h])]
    return struct.pack(">8I", *v)


SM3_ABC = bytes.fromhex("66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0")
SM3_ABCD16 = bytes.fromhex("debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732")


def _hashlib_sm3():
    try:
        if hashlib.new("sm3", b"abc").digest() == SM3_ABC:
            return lambda d: hashlib.new("sm3", d).digest()
    except (ValueError, TypeError):
        pass
    return None


SM3 = _hashlib_sm3() or sm3_pure


def digest(alg_oid, data):
    if alg_oid == SM3_OID:
        return SM3(data)
    if alg_oid == SHA256_OID:
        return hashlib.sha256(data).digest()
    raise Fail("unknown hash algorithm %s" % alg_oid)


def self_test():
    assert sm3_pure(b"abc") == SM3_ABC, "pure SM3 of 'abc'"
    assert sm3_pure(b"abcd" * 16) == SM3_ABCD16, "pure SM3 of 'abcd'*16"
    lib = _hashlib_sm3()
    for n in (0, 1, 55, 56, 63, 64, 65, 119, 120, 1000):
        data = bytes((i * 7 + n) & 0xFF for i in range(n))
        if lib is not None:
            assert lib(data) == sm3_pure(data), "hashlib and pure SM3 differ at %d bytes" % n
    print("SM3 self-test OK (%s)" % ("hashlib and pure Python agree" if lib else "pure Python only"))


# --------------------------------------------------------------------------------------------
# A strict DER reader.


class Tlv:
    def __init__(self, tag, raw, value):
        self.tag, self.raw, self.value = tag, raw, value


def read_tlv(buf, pos=0):
    """One TLV at pos: (Tlv, next position)."""
    if pos + 2 > len(buf):
        raise Fail("DER: truncated")
    tag = buf[pos]
    if tag & 0x1F == 0x1F:
        raise Fail("DER: multi-byte tag")
    first = buf[pos + 1]
    p = pos + 2
    if first < 0x80:
        length = first
    elif first == 0x80:
        raise Fail("DER: indefinite length")
    else:
        n = first & 0x7F
        if n > 4 or p + n > len(buf):
            raise Fail("DER: bad length")
        length = int.from_bytes(buf[p : p + n], "big")
        if buf[p] == 0 or length < 0x80:
            raise Fail("DER: non-minimal length")
        p += n
    if p + length > len(buf):
        raise Fail("DER: truncated value")
    return Tlv(tag, buf[pos : p + length], buf[p : p + length]), p + length


def children(buf):
    out, pos = [], 0
    while pos < len(buf):
        t, pos = read_tlv(buf, pos)
        out.append(t)
    return out


def one(buf, tag, what):
    t, end = read_tlv(buf, 0)
    if end != len(buf):
        raise Fail("%s: trailing bytes" % what)
    if t.tag != tag:
        raise Fail("%s: tag 0x%02x, expected 0x%02x" % (what, t.tag, tag))
    return t


def oid_string(b):
    arcs, v = [], 0
    for i, x in enumerate(b):
        v = (v << 7) | (x & 0x7F)
        if not x & 0x80:
            if not arcs:
                arcs += [min(v // 40, 2), v - 40 * min(v // 40, 2)]
            else:
                arcs.append(v)
            v = 0
    return ".".join(str(a) for a in arcs)


def alg_oid(content):
    """The OID of an AlgorithmIdentifier's content (SEQUENCE or [0] IMPLICIT)."""
    parts = children(content)
    if not parts or parts[0].tag != 0x06:
        raise Fail("AlgorithmIdentifier without an OID")
    if len(parts) > 2 or (len(parts) == 2 and parts[1].raw != b"\x05\x00"):
        raise Fail("hash AlgorithmIdentifier with parameters")
    return oid_string(parts[0].value)


def der_length(n):
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b


# --------------------------------------------------------------------------------------------
# The evidence record.


class Ats:
    def __init__(self, value):
        parts = children(value)
        i = 0
        self.alg = None
        self.rht = None
        if i < len(parts) and parts[i].tag == 0xA0:
            self.alg = alg_oid(parts[i].value)
            i += 1
        if i < len(parts) and parts[i].tag == 0xA1:
            i += 1
        if i < len(parts) and parts[i].tag == 0xA2:
            self.rht = []
            for pht in children(parts[i].value):
                if pht.tag != 0x30:
                    raise Fail("PartialHashtree is not a SEQUENCE")
                values = children(pht.value)
                if not values or any(v.tag != 0x04 for v in values):
                    raise Fail("PartialHashtree is empty or holds a non-OCTET STRING")
                self.rht.append([v.value for v in values])
            if not self.rht:
                raise Fail("empty reducedHashtree")
            i += 1
        if i != len(parts) - 1 or parts[i].tag != 0x30:
            raise Fail("ArchiveTimeStamp fields: expected [0]? [1]? [2]? timeStamp")
        self.token = parts[i].raw


def parse_record(der):
    top = one(der, 0x30, "EvidenceRecord")
    items = children(top.value)
    if len(items) < 3 or items[0].raw != b"\x02\x01\x01":
        raise Fail("EvidenceRecord version is not v1(1)")
    if items[1].tag != 0x30:
        raise Fail("digestAlgorithms is not a SEQUENCE")
    algs = [alg_oid(a.value) for a in children(items[1].value)]
    i = 2
    if items[i].tag == 0xA0:
        i += 1
    if i < len(items) and items[i].tag == 0xA1:
        i += 1
    if i != len(items) - 1 or items[i].tag != 0x30:
        raise Fail("archiveTimeStampSequence missing or misplaced")
    chains = []  # (raw chain TLV, [Ats])
    for chain in children(items[i].value):
        if chain.tag != 0x30:
            raise Fail("ArchiveTimeStampChain is not a SEQUENCE")
        atss = []
        for a in children(chain.value):
            if a.tag != 0x30:
                raise Fail("ArchiveTimeStamp is not a SEQUENCE")
            atss.append(Ats(a.value))
        if not atss:
            raise Fail("empty ArchiveTimeStampChain")
        chains.append((chain.raw, atss))
    if not chains:
        raise Fail("empty ArchiveTimeStampSequence")
    return algs, chains


def tst_info(token):
    """(imprint algorithm OID, imprint digest, genTime string) of an RFC 3161 token."""
    ci = children(one(token, 0x30, "ContentInfo").value)
    if len(ci) != 2 or ci[0].tag != 0x06 or oid_string(ci[0].value) != SIGNED_DATA_OID or ci[1].tag != 0xA0:
        raise Fail("the token is not a ContentInfo of signedData")
    sd = children(one(ci[1].value, 0x30, "SignedData").value)
    encap = children(sd[2].value)
    if oid_string(encap[0].value) != TST_INFO_OID or encap[1].tag != 0xA0:
        raise Fail("the token does not hold a TSTInfo")
    tst = children(one(one(encap[1].value, 0x04, "eContent").value, 0x30, "TSTInfo").value)
    mi = children(tst[2].value)
    if mi[0].tag != 0x30 or mi[1].tag != 0x04 or tst[4].tag != 0x18:
        raise Fail("TSTInfo messageImprint or genTime malformed")
    return alg_oid(mi[0].value), mi[1].value, tst[4].value.decode("ascii")


def node(alg, values):
    return digest(alg, b"".join(sorted(values)))


def recompute(alg, rht, leaves, what):
    """The root from the leaf set (1 hash, or a group's) and the reduced hash tree."""
    if rht is None:
        return leaves[0] if len(leaves) == 1 else node(alg, leaves)
    size = len(digest(alg, b""))
    if any(len(v) != size for lst in rht for v in lst):
        raise Fail("%s: a hash value of the wrong length" % what)
    first = rht[0]
    missing = [k for k, h in enumerate(leaves) if h not in first]
    if missing:
        raise Fail("%s: hash(es) of file(s) %s are not in the first hash list" % (what, missing))
    if len(leaves) > 1 and sorted(leaves) != sorted(first):
        raise Fail("%s: the group has %d files, the first list %d hashes" % (what, len(leaves), len(first)))
    value = first[0] if len(first) == 1 else node(alg, first)
    for lst in rht[1:]:
        value = node(alg, lst + [value])
    return value


def check(record_path, file_paths):
    with open(record_path, "rb") as f:
        der = f.read()
    files = []
    for p in file_paths:
        with open(p, "rb") as f:
            files.append(f.read())
    algs, chains = parse_record(der)
    for a in algs:
        if a not in NAMES:
            raise Fail("digestAlgorithms lists %s, unknown here" % a)
    count = 0
    for c, (_, atss) in enumerate(chains):
        chain_alg = None
        for j, ats in enumerate(atss):
            what = "chain %d, time stamp %d" % (c, j)
            imprint_alg, imprint, gen_time = tst_info(ats.token)
            alg = ats.alg or imprint_alg
            if alg != imprint_alg:
                raise Fail("%s: digestAlgorithm %s but the imprint uses %s" % (what, alg, imprint_alg))
            if chain_alg is not None and alg != chain_alg:
                raise Fail("%s: the algorithm changes inside the chain" % what)
            if alg not in algs:
                raise Fail("%s: %s is not listed in digestAlgorithms" % (what, alg))
            chain_alg = alg
            if c == 0 and j == 0:
                leaves = [digest(alg, d) for d in files]
                covers = "the files"
            elif j > 0:
                leaves = [digest(alg, atss[j - 1].token)]
                covers = "the previous time stamp"
            else:
                earlier = b"".join(raw for raw, _ in chains[:c])
                ha = digest(alg, b"\x30" + der_length(len(earlier)) + earlier)
                leaves = [digest(alg, digest(alg, d) + ha) for d in files]
                covers = "the files and the earlier chains"
            root = recompute(alg, ats.rht, leaves, what)
            if root != imprint:
                raise Fail("%s: the recomputed root differs from the messageImprint (covering %s)" % (what, covers))
            print("%s: %s, genTime %s, covers %s: OK" % (what, NAMES[alg], gen_time, covers))
            count += 1
    print("OK: %d time stamps in %d chains verify against %d file(s)" % (count, len(chains), len(files)))


def main(argv):
    if len(argv) == 2 and argv[1] == "--self-test":
        self_test()
        return 0
    if len(argv) < 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    try:
        check(argv[1], argv[2:])
    except (Fail, IndexError, UnicodeDecodeError) as e:
        print("FAILED: %s" % (e if isinstance(e, Fail) else "malformed structure (%r)" % e))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
