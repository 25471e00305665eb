//! SM4 (GB/T 32907-2016) for data and keys at rest: GCM (authenticated; the default) and CBC
//! with PKCS#7 padding (for formats that require it). GCM follows NIST SP 800-38D with SM4 as the
//! block cipher, as GB/T 36624 and RFC 8998 use it: 96-bit nonce, 128-bit tag.

use crate::{Error, Result};
use aes_gcm::aead::{Aead, KeyInit, Payload};
use cbc::cipher::{BlockCipherEncrypt, BlockModeDecrypt, BlockModeEncrypt, KeyIvInit, block_padding::Pkcs7};
use core::fmt;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// SM4-GCM nonce size.
pub const GCM_NONCE_LEN: usize = 12;
/// SM4-GCM tag size.
pub const GCM_TAG_LEN: usize = 16;
/// SM4 block and key size.
pub const BLOCK_LEN: usize = 16;

type Sm4Gcm = aes_gcm::AesGcm<sm4::Sm4, aes_gcm::aead::consts::U12>;

/// A 128-bit SM4 key, zeroized on drop and never printed.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct Sm4Key([u8; 16]);

impl Sm4Key {
    /// A key from 16 bytes.
    pub fn from_slice(k: &[u8]) -> Result<Self> {
        let arr: [u8; 16] = k.try_into().map_err(|_| Error::Sm4Length { what: "key", expected: 16, got: k.len() })?;
        Ok(Self(arr))
    }

    /// A fresh random key from the provider's random source.
    pub fn generate(provider: &dyn crate::Provider) -> Result<Self> {
        let mut k = [0u8; 16];
        provider.fill_random(&mut k)?;
        let key = Self(k);
        k.zeroize();
        Ok(key)
    }

    /// The key bytes, for wrapping it under another key. Handle with care.
    pub fn expose(&self) -> &[u8; 16] {
        &self.0
    }

    /// Encrypt one 16-byte block (the bare cipher; used for the standard's test vectors).
    pub fn encrypt_block(&self, block: &mut [u8; 16]) {
        let c = <sm4::Sm4 as KeyInit>::new(&self.0.into());
        let b: &mut sm4::cipher::Block<sm4::Sm4> = block.into();
        c.encrypt_block(b);
    }

    /// SM4-GCM: returns ciphertext ‖ tag. `nonce` must be 12 bytes and never repeat under a key.
    pub fn gcm_seal(&self, nonce: &[u8], aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>> {
        let nonce = gcm_nonce(nonce)?;
        self.gcm().encrypt(&nonce.into(), Payload { msg: plaintext, aad }).map_err(|_| Error::AeadAuthentication)
    }

    /// Open what [`Sm4Key::gcm_seal`] produced.
    pub fn gcm_open(&self, nonce: &[u8], aad: &[u8], sealed: &[u8]) -> Result<Vec<u8>> {
        let nonce = gcm_nonce(nonce)?;
        if sealed.len() < GCM_TAG_LEN {
            return Err(Error::AeadAuthentication);
        }
        self.gcm().decrypt(&nonce.into(), Payload { msg: sealed, aad }).map_err(|_| Error::AeadAuthentication)
    }

    /// SM4-GCM with a fresh random nonce, returned as `nonce ‖ ciphertext ‖ tag`: the form
    /// yinxin stores data and wrapped keys in.
    pub fn seal(&self, provider: &dyn crate::Provider, aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>> {
        let mut nonce = [0u8; GCM_NONCE_LEN];
        provider.fill_random(&mut nonce)?;
        let mut out = nonce.to_vec();
        out.extend(self.gcm_seal(&nonce, aad, plaintext)?);
        Ok(out)
    }

    /// Open what [`Sm4Key::seal`] produced.
    pub fn open(&self, aad: &[u8], sealed: &[u8]) -> Result<Vec<u8>> {
        if sealed.len() < GCM_NONCE_LEN + GCM_TAG_LEN {
            return Err(Error::AeadAuthentication);
        }
        let (nonce, rest) = sealed.split_at(GCM_NONCE_LEN);
        self.gcm_open(nonce, aad, rest)
    }

    /// SM4-CBC with PKCS#7 padding. `iv` must be 16 bytes and unpredictable.
    pub fn cbc_encrypt(&self, iv: &[u8], plaintext: &[u8]) -> Result<Vec<u8>> {
        let iv = cbc_iv(iv)?;
        let enc = cbc::Encryptor::<sm4::Sm4>::new(&self.0.into(), &iv.into());
        Ok(enc.encrypt_padded_vec::<Pkcs7>(plaintext))
    }

    /// Reverse [`Sm4Key::cbc_encrypt`]. Unauthenticated: prefer GCM for anything new.
    pub fn cbc_decrypt(&self, iv: &[u8], ciphertext: &[u8]) -> Result<Vec<u8>> {
        let iv = cbc_iv(iv)?;
        if ciphertext.is_empty() || !ciphertext.len().is_multiple_of(BLOCK_LEN) {
            return Err(Error::CbcPadding);
        }
        let dec = cbc::Decryptor::<sm4::Sm4>::new(&self.0.into(), &iv.into());
        dec.decrypt_padded_vec::<Pkcs7>(ciphertext).map_err(|_| Error::CbcPadding)
    }

    fn gcm(&self) -> Sm4Gcm {
        <Sm4Gcm as KeyInit>::new(&self.0.into())
    }
}

fn gcm_nonce(n: &[u8]) -> Result<[u8; GCM_NONCE_LEN]> {
    n.try_into().map_err(|_| Error::Sm4Length { what: "GCM nonce", expected: GCM_NONCE_LEN, got: n.len() })
}

fn cbc_iv(iv: &[u8]) -> Result<[u8; BLOCK_LEN]> {
    iv.try_into().map_err(|_| Error::Sm4Length { what: "CBC IV", expected: BLOCK_LEN, got: iv.len() })
}

impl fmt::Debug for Sm4Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Sm4Key(<secret>)")
    }
}
