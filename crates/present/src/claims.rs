//! Registered claim keys: in a format-2 disclosure a claim's name is a small integer when it is
//! registered here, as CWT (RFC 8392) registers integer claim keys, so that a QR carries one byte
//! where `registration_authority` took 23. Unregistered names travel as text.
//!
//! The list is **append-only**: a key's number never changes and is never reused, since
//! credentials already issued carry it. Keys below 24 take one byte of CBOR, the rest two; the
//! surface fields of the built-in catalogue shown most on site come first.

/// The registered keys; the number of a key is its position plus one.
pub const KEYS: &[&str] = &[
    "identifier",
    "uscc",
    "name",
    "entity_type",
    "legal_representative",
    "registered_capital",
    "established",
    "term",
    "address",
    "registration_authority",
    "business_scope",
    "licence_number",
    "operator",
    "business_form",
    "business_items",
    "premises",
    "principal",
    "registered_address",
    "valid_from",
    "valid_until",
    "scope",
    "site_address",
    "company",
    "unit",
    "supervising_body",
    "complaint_phone",
    "economic_type",
    "industry",
];

/// The number of a registered key.
pub fn number(key: &str) -> Option<u64> {
    KEYS.iter().position(|k| *k == key).map(|i| i as u64 + 1)
}

/// The key of a number.
pub fn key(number: u64) -> Option<&'static str> {
    usize::try_from(number).ok().and_then(|n| n.checked_sub(1)).and_then(|i| KEYS.get(i)).copied()
}

#[cfg(test)]
mod tests {
    #[test]
    fn keys_are_unique_and_round_trip() {
        let set: std::collections::HashSet<_> = super::KEYS.iter().collect();
        assert_eq!(set.len(), super::KEYS.len());
        for k in super::KEYS {
            assert_eq!(super::key(super::number(k).unwrap()), Some(*k));
        }
        assert_eq!(super::key(0), None);
        assert_eq!(super::number("identifier"), Some(1));
        assert_eq!(super::number("registration_authority"), Some(10));
    }
}
