//! Check characters of the codes that appear in licences.
//!
//! - Unified social credit code (统一社会信用代码, GB 32100-2015): 18 characters from
//!   `0-9 A-H J-N P-R T U W-Y` (no I, O, Z, S, V); the 18th is
//!   `31 − (Σ cᵢ·wᵢ mod 31)` (31 → 0) with weights 3ⁱ⁻¹ mod 31.
//! - Citizen identity number (公民身份号码, GB 11643-1999): 17 digits and a check character
//!   `"10X98765432"[Σ aᵢ·Wᵢ mod 11]` with Wᵢ = 2¹⁷⁻ⁱ mod 11 (ISO 7064 MOD 11-2).

use crate::{Error, Result};

/// The USCC alphabet, in value order.
pub const USCC_CHARS: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const USCC_WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/// The check character for the first 17 characters of a USCC.
pub fn uscc_check_char(first17: &str) -> Result<char> {
    let err = |reason: &str| Error::Uscc { code: first17.to_string(), reason: reason.to_string() };
    if first17.chars().count() != 17 {
        return Err(err("needs 17 characters before the check character"));
    }
    let mut sum = 0u32;
    for (c, w) in first17.chars().zip(USCC_WEIGHTS) {
        let v = USCC_CHARS.find(c).ok_or_else(|| err(&format!("{c:?} is not allowed (0-9, A-Y without I O S V Z)")))?;
        sum += v as u32 * w;
    }
    let check = (31 - sum % 31) % 31;
    USCC_CHARS.chars().nth(check as usize).ok_or_else(|| err("internal"))
}

/// Validate an 18-character USCC.
pub fn validate_uscc(code: &str) -> Result<()> {
    let chars: Vec<char> = code.chars().collect();
    if chars.len() != 18 {
        return Err(Error::Uscc { code: code.to_string(), reason: format!("{} characters, expected 18", chars.len()) });
    }
    let first: String = chars[..17].iter().collect();
    let want = uscc_check_char(&first).map_err(|e| match e {
        Error::Uscc { reason, .. } => Error::Uscc { code: code.to_string(), reason },
        other => other,
    })?;
    if chars[17] != want {
        return Err(Error::Uscc {
            code: code.to_string(),
            reason: format!("check character is {}, expected {want}", chars[17]),
        });
    }
    Ok(())
}

/// The check character for the first 17 digits of a citizen identity number.
pub fn citizen_id_check_char(first17: &str) -> Result<char> {
    if first17.len() != 17 || !first17.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Error::CitizenId("needs 17 digits before the check character".into()));
    }
    let sum: u32 = first17.bytes().enumerate().map(|(i, b)| u32::from(b - b'0') * ((1u32 << (17 - i)) % 11)).sum();
    Ok(b"10X98765432"[(sum % 11) as usize] as char)
}

/// Validate an 18-character citizen identity number (check character and a plausible birth date).
/// The number is personal data: errors never repeat it.
pub fn validate_citizen_id(id: &str) -> Result<()> {
    // Digits and X only: a non-ASCII character would make the byte slices below cut inside it.
    if !id.is_ascii() {
        return Err(Error::CitizenId("only digits and X are allowed".into()));
    }
    if id.len() != 18 {
        return Err(Error::CitizenId(format!("{} characters, expected 18", id.len())));
    }
    let want = citizen_id_check_char(&id[..17])?;
    let got = id.as_bytes()[17].to_ascii_uppercase() as char;
    if got != want {
        return Err(Error::CitizenId("check character does not match".into()));
    }
    let num = |r: core::ops::Range<usize>| id[r].parse::<u32>().unwrap_or(0);
    let (y, m, d) = (num(6..10), num(10..12), num(12..14));
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        _ => 0,
    };
    if !(1900..=2100).contains(&y) || d == 0 || d > days {
        return Err(Error::CitizenId("the birth date in it is not a date".into()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uscc() {
        // 住房和城乡建设部's code as used in GB/T 36904 licence type codes.
        validate_uscc("11100000000013338W").unwrap();
        assert_eq!(uscc_check_char("11100000000013338").unwrap(), 'W');
        assert!(validate_uscc("11100000000013338X").is_err());
        assert!(validate_uscc("1110000000001333").is_err());
        assert!(validate_uscc("11100000000013338I").is_err(), "I is not in the alphabet");
        assert!(validate_uscc("1110000000O013338W").is_err());
    }

    #[test]
    fn citizen_id() {
        // The GB 11643-1999 Annex example number.
        validate_citizen_id("11010519491231002X").unwrap();
        validate_citizen_id("11010519491231002x").unwrap();
        assert!(validate_citizen_id("110105194912310021").is_err());
        // A valid check digit over an impossible date.
        let base = "11010519490230001";
        let id = format!("{base}{}", citizen_id_check_char(base).unwrap());
        assert_eq!(validate_citizen_id(&id), Err(Error::CitizenId("the birth date in it is not a date".into())));
        let e = validate_citizen_id("110105194912310021").unwrap_err().to_string();
        assert!(!e.contains("11010519491231"), "personal data must not appear in errors: {e}");
        // 18 bytes that are not 18 characters (found by schemathesis: a slice panicked).
        assert!(validate_citizen_id("ééééééééé").is_err());
        assert!(validate_citizen_id("1101051949123100é").is_err());
    }
}
