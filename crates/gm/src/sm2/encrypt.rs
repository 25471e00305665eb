//! SM2 public-key encryption (GB/T 32918.4-2016), for sealing data (such as a wrapped SM4 key)
//! to a recipient's public key.
//!
//! Two encodings: the standard's byte string C1 ‖ C3 ‖ C2 (C1 an uncompressed point, C3 the
//! 32-byte SM3 check value, C2 the masked message), and the DER form of GM/T 0009-2012 §7.2
//! `SEQUENCE { x INTEGER, y INTEGER, hash OCTET STRING, cipherText OCTET STRING }`, which OpenSSL
//! writes. The older C1C2C3 order is not produced.

use super::{Sm2PrivateKey, Sm2PublicKey};
use crate::{Error, Provider, Result};
use sm2::pke::{DecryptingKey, EncryptingKey, Mode};

/// How a ciphertext is laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CiphertextFormat {
    /// `04 ‖ x ‖ y ‖ C3 ‖ C2`.
    C1C3C2,
    /// GM/T 0009 DER.
    Der,
}

/// Encrypt `msg` to `recipient`, drawing the ephemeral k from `provider`.
pub fn encrypt(
    provider: &dyn Provider,
    recipient: &Sm2PublicKey,
    msg: &[u8],
    format: CiphertextFormat,
) -> Result<Vec<u8>> {
    encrypt_with_rng(&mut ProviderRng(provider), recipient, msg, format)
}

/// Encrypt with a caller-supplied random source (a fixed one reproduces the standard's example).
pub fn encrypt_with_rng<R: rand_core::TryCryptoRng>(
    rng: &mut R,
    recipient: &Sm2PublicKey,
    msg: &[u8],
    format: CiphertextFormat,
) -> Result<Vec<u8>> {
    if msg.is_empty() {
        return Err(Error::EmptyPlaintext);
    }
    let key = EncryptingKey::new_with_mode(*recipient.inner(), Mode::C1C3C2);
    let out = match format {
        CiphertextFormat::C1C3C2 => key.encrypt(rng, msg),
        CiphertextFormat::Der => key.encrypt_der(rng, msg),
    };
    out.map_err(|_| Error::Random)
}

/// Decrypt; the format is recognised (DER starts with a SEQUENCE tag, C1C3C2 with `04`).
pub fn decrypt(key: &Sm2PrivateKey, ciphertext: &[u8]) -> Result<Vec<u8>> {
    let d = key.expose_scalar();
    let dk = DecryptingKey::from_slice(d.as_ref()).map_err(|_| Error::PrivateKeyOutOfRange)?;
    let dk = DecryptingKey::new_with_mode(*dk.as_nonzero_scalar(), Mode::C1C3C2);
    match ciphertext.first() {
        Some(0x30) => {
            let c = sm2::pke::Cipher::<sm2::Sm2, sm3::Sm3>::from_der_ref(ciphertext)?;
            dk.decrypt_cipher(&c).map_err(|_| Error::DecryptionFailed)
        }
        Some(0x04) => {
            if ciphertext.len() <= 65 + 32 {
                return Err(Error::CiphertextMalformed("shorter than C1 ‖ C3 plus one byte"));
            }
            Sm2PublicKey::from_sec1(&ciphertext[..65])
                .map_err(|_| Error::CiphertextMalformed("C1 is not a curve point"))?;
            dk.decrypt(ciphertext).map_err(|_| Error::DecryptionFailed)
        }
        Some(_) => Err(Error::CiphertextMalformed("neither DER nor C1C3C2")),
        None => Err(Error::CiphertextMalformed("empty")),
    }
}

trait FromDerRef<'a>: Sized {
    fn from_der_ref(b: &'a [u8]) -> Result<Self>;
}

impl<'a> FromDerRef<'a> for sm2::pke::Cipher<'a, sm2::Sm2, sm3::Sm3> {
    fn from_der_ref(b: &'a [u8]) -> Result<Self> {
        use pkcs8::der::Decode;
        let c = <Self as Decode>::from_der(b).map_err(|_| Error::CiphertextMalformed("DER does not parse"))?;
        Ok(c)
    }
}

/// A provider's random source as a `rand_core` generator.
pub(crate) struct ProviderRng<'a>(pub &'a dyn Provider);

impl rand_core::TryRng for ProviderRng<'_> {
    type Error = Error;
    fn try_next_u32(&mut self) -> Result<u32> {
        let mut b = [0u8; 4];
        self.0.fill_random(&mut b)?;
        Ok(u32::from_le_bytes(b))
    }
    fn try_next_u64(&mut self) -> Result<u64> {
        let mut b = [0u8; 8];
        self.0.fill_random(&mut b)?;
        Ok(u64::from_le_bytes(b))
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<()> {
        self.0.fill_random(dst)
    }
}

impl rand_core::TryCryptoRng for ProviderRng<'_> {}
