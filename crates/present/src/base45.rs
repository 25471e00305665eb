//! Base45 (RFC 9285): the encoding that fits a QR code's alphanumeric mode, as the EU digital
//! COVID certificates use it.

const ALPHABET: &[u8; 45] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

/// Encode bytes.
pub fn encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len() / 2 * 3 + 2);
    for chunk in data.chunks(2) {
        let (mut n, digits) = match chunk {
            [a, b] => ((*a as usize) << 8 | *b as usize, 3),
            [a] => (*a as usize, 2),
            _ => unreachable!("chunks(2) yields one or two bytes"),
        };
        for _ in 0..digits {
            out.push(ALPHABET[n % 45] as char);
            n /= 45;
        }
    }
    out
}

fn value(c: u8) -> Option<usize> {
    ALPHABET.iter().position(|&a| a == c)
}

/// Decode text; an error names the first bad character or group.
pub fn decode(text: &str) -> Result<Vec<u8>, String> {
    let b = text.as_bytes();
    let mut out = Vec::with_capacity(b.len() / 3 * 2 + 1);
    for (i, group) in b.chunks(3).enumerate() {
        let mut n = 0usize;
        for (j, &c) in group.iter().enumerate().rev() {
            let v = value(c).ok_or_else(|| format!("character {} ({:?}) is not Base45", i * 3 + j, c as char))?;
            n = n * 45 + v;
        }
        match group.len() {
            3 if n <= 0xFFFF => out.extend_from_slice(&[(n >> 8) as u8, n as u8]),
            2 if n <= 0xFF => out.push(n as u8),
            1 => return Err("Base45 text cannot end with a single character".into()),
            _ => return Err(format!("Base45 group {i} is out of range")),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_9285_examples() {
        assert_eq!(encode(b"AB"), "BB8");
        assert_eq!(encode(b"Hello!!"), "%69 VD92EX0");
        assert_eq!(encode(b"base-45"), "UJCLQE7W581");
        assert_eq!(decode("QED8WEX0").unwrap(), b"ietf!");
        assert!(decode("GGW").is_err(), "65536 is out of range");
        assert!(decode("ZZZ").is_err());
        assert!(decode("a").is_err());
    }

    proptest::proptest! {
        #[test]
        fn round_trip(data: Vec<u8>) {
            proptest::prop_assert_eq!(decode(&encode(&data)).unwrap(), data);
        }
    }
}
