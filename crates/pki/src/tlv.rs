//! A minimal reader of DER TLVs that hands back the bytes as stored, for the places where a
//! signature covers an encoding (CMS signedAttrs) and must be checked over exactly those bytes.

/// One TLV: its tag byte, the whole encoding and the value.
#[derive(Debug, Clone, Copy)]
pub struct Tlv<'a> {
    /// The (single-byte) tag.
    pub tag: u8,
    /// Tag, length and value as stored.
    pub raw: &'a [u8],
    /// The value.
    pub value: &'a [u8],
}

/// Read one definite-length TLV from the front of `input`; returns it and the rest.
pub fn read(input: &[u8]) -> Option<(Tlv<'_>, &[u8])> {
    let (&tag, rest) = input.split_first()?;
    if tag & 0x1f == 0x1f {
        return None; // multi-byte tags do not occur in the structures we read this way
    }
    let (&l0, rest) = rest.split_first()?;
    let (len, rest) = match l0 {
        0..=0x7f => (usize::from(l0), rest),
        0x81..=0x84 => {
            let n = usize::from(l0 & 0x7f);
            if rest.len() < n {
                return None;
            }
            let len = rest[..n].iter().fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
            (len, &rest[n..])
        }
        _ => return None,
    };
    if rest.len() < len {
        return None;
    }
    let header = input.len() - rest.len();
    let raw = &input[..header + len];
    Some((Tlv { tag, raw, value: &rest[..len] }, &rest[len..]))
}

/// All TLVs in `input`, in order (`None` if any is malformed).
pub fn children(mut input: &[u8]) -> Option<Vec<Tlv<'_>>> {
    let mut out = Vec::new();
    while !input.is_empty() {
        let (t, rest) = read(input)?;
        out.push(t);
        input = rest;
    }
    Some(out)
}
