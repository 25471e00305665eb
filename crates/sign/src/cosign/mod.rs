//! Two-party SM2 signing (SM2 协同签名): a person's signing key is never whole in one place. The
//! person's device holds one share, the service another; a signature needs both, and the result
//! is an ordinary SM2 signature (GB/T 32918.2) that OpenSSL verifies under the person's
//! certificate.
//!
//! # The scheme
//!
//! The multiplicative two-party SM2 protocol of Zhang, He, Zhang and Choo, "A provable-secure and
//! practical two-party distributed signing protocol for SM2 signature algorithm", *Frontiers of
//! Computer Science* 14(3), 143803 (2020). It rests on the form of SM2's
//! signing equation, s = (1 + d)⁻¹·(k + r) − r mod n: the shares multiply to (1 + d)⁻¹, so the
//! private key d is never formed.
//!
//! Key generation (the device is D, the service S):
//! 1. D picks d₁ ∈ [1, n−1] and sends P₁ = d₁⁻¹·G with a proof that it knows d₁⁻¹.
//! 2. S checks the proof, picks d₂, and publishes P = d₂⁻¹·P₁ − G (so d = (d₁d₂)⁻¹ − 1) and
//!    P₂ = d₂⁻¹·G with a proof that it knows d₂⁻¹. S keeps d₂ and P₁.
//! 3. D checks S's proof and that d₁⁻¹·P₂ = P + G: the public key really is built on its share.
//!
//! Signing a digest e = SM3(Z ‖ M), which S computes from the document itself:
//! 1. D picks k₁ and sends Q₁ = k₁·G with a proof of knowledge of k₁ bound to the session and e.
//! 2. S checks the proof and that the session has not answered before, picks k₂, k₃, computes
//!    (x₁, y₁) = k₃·Q₁ + k₂·G, r = (e + x₁) mod n, s₂ = d₂·k₃, s₃ = d₂·(r + k₂), and sends
//!    (r, s₂, s₃).
//! 3. D computes s = d₁·k₁·s₂ + d₁·s₃ − r mod n, **verifies (r, s) under P before releasing
//!    it**, and sends it; S verifies it again and records it.
//!
//! It is a valid SM2 signature with nonce k = k₁k₃ + k₂: d₁(k₁s₂ + s₃) = d₁d₂(k₁k₃ + k₂ + r) =
//! (1 + d)⁻¹(k + r).
//!
//! # Why the service alone cannot sign (the security argument)
//!
//! S sees d₂, P₁ = d₁⁻¹·G, and for every signature Q₁ = k₁·G and the final s. Each signature
//! gives S one equation s + r = d₁·(k₁·s₂ + s₃) in two unknowns, d₁ and the fresh k₁; k₁ is
//! uniform and used once, so the equations never close, and Zhang et al. show that S's view
//! can be simulated from the public key and signatures alone (under their assumption on the SM2
//! signature oracle, a non-standard one — stated here because it is what the proof rests on). S
//! holding d₂ knows no more about d than anyone holding the certificate. `tests/cosign.rs` tries
//! the attacks a dishonest service would: sign with d₂ as if it were the key, reuse a device's Q₁
//! for another digest, combine earlier signatures, and replay them.
//!
//! Three rules keep the argument true, and the code enforces each:
//! - **D never uses a nonce twice.** Two signatures from one k₁ give S two equations in d₁ and
//!   d₁k₁ and so the whole key. [`DeviceNonce`] is consumed by [`DeviceNonce::finish`]; S refuses
//!   a second answer for a session ([`SignSession`]), so a replayed commitment gets nothing.
//! - **D releases s only if (r, s) verifies.** A dishonest S could otherwise choose k₃ = 0 or a
//!   nonce it knows, and learn (1 + d)⁻¹ from one s. If (r, s) verifies, its nonce is
//!   k₁k₃ + k₂ with k₁ unknown to S.
//! - **Proofs of knowledge** (Schnorr, Fiat–Shamir over SM3, bound to a label and a context) on
//!   P₁, P₂ and Q₁, so neither party can choose its point as a function of the other's (a
//!   rogue-key or related-nonce attack), and a commitment altered in transit, or moved to another
//!   session or digest, is refused.
//!
//! D alone cannot sign either: it lacks d₂. Losing the device means re-issuing the certificate
//! for a new key, not recovering the old share.
//!
//! # Side channels
//!
//! S's operations on d₂, k₂ and k₃ are constant time (`yinxin_gm::sm2p256::group`: the
//! fixed-base comb and the masked fixed-window multiplication); the only branches are retry
//! conditions of probability 2⁻²⁵⁶. The device's JavaScript (BigInt) is not constant time; it
//! holds a share that is useless without the service.
//!
//! # Wire form
//!
//! Every message is JSON with lower-case hex strings: scalars 64 hex digits, points SEC1
//! uncompressed (130), proofs c ‖ z (128), session identifiers 32. The challenge of a proof is
//! `SM3("yinxin-cosign/v1" ‖ 0x00 ‖ label ‖ 0x00 ‖ len(ctx) as u32 BE ‖ ctx ‖ X ‖ T) mod n`
//! with labels `device-share`, `service-share` (ctx = the enrolment identifier) and `nonce`
//! (ctx = session identifier ‖ e). The device's implementation in the browser is
//! `crates/server/assets/cosign.js`; both sides are tested against each other.

mod device;
mod service;

pub use device::{DeviceEnrolment, DeviceNonce, DeviceShare};
pub use service::{ServiceShare, SessionState, SignSession};

use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use yinxin_gm::sm2::{Sm2PublicKey, Sm2Signature, UserId, compute_z, message_digest};
use yinxin_gm::sm2p256::group::{Point, Scalar};
use yinxin_gm::sm3::{Sm3Digest, Sm3Hasher};

/// The domain separator of every proof.
pub const PROTOCOL: &str = "yinxin-cosign/v1";

/// Bytes of a session identifier.
pub const SESSION_ID_LEN: usize = 16;

/// Bytes of an enrolment identifier (at most).
pub const MAX_ENROLMENT_ID_LEN: usize = 64;

/// A session identifier: 16 random bytes the service assigns to one signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SessionId(pub [u8; SESSION_ID_LEN]);

impl SessionId {
    /// A fresh random identifier.
    pub fn random() -> Result<SessionId> {
        let mut b = [0u8; SESSION_ID_LEN];
        yinxin_gm::Provider::fill_random(&yinxin_gm::sm2p256::SM2P256, &mut b)?;
        Ok(SessionId(b))
    }

    /// Lower-case hex.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// From hex.
    pub fn from_hex(s: &str) -> Result<SessionId> {
        Ok(SessionId(hex_array(s, "session")?))
    }
}

/// The digest e the parties sign: SM3(Z ‖ M) for the person's public key and the default user ID
/// `1234567812345678` (GB/T 35276 §10), as OpenSSL's `distid:1234567812345678` computes it.
pub fn digest_for(public: &Sm2PublicKey, message: &[u8]) -> Sm3Digest {
    message_digest(&compute_z(UserId::DEFAULT, public), message)
}

/// A Schnorr proof of knowledge of x with X = x·G: (c, z) with T = z·G − c·X and
/// c = H(label, ctx, X, T).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Proof {
    c: [u8; 32],
    z: [u8; 32],
}

impl Proof {
    /// Prove knowledge of `x` for `x_point` = x·G (constant time in x and the proof's nonce).
    pub fn prove(x: &Scalar, x_point: &Point, label: &str, ctx: &[u8]) -> Result<Proof> {
        loop {
            let t = Scalar::random()?;
            let t_point = Point::mul_base(&t).ok_or_else(|| Error::protocol("cosign.internal", "zero nonce"))?;
            let c = challenge(label, ctx, x_point, &t_point);
            if c.is_zero() {
                continue;
            }
            let z = t.add(&c.mul(x));
            return Ok(Proof { c: c.to_be_bytes(), z: z.to_be_bytes() });
        }
    }

    /// Check the proof for `x_point`, `label` and `ctx` (public values, variable time).
    pub fn verify(&self, x_point: &Point, label: &str, ctx: &[u8]) -> bool {
        let (Some(c), Some(z)) = (Scalar::from_be_bytes(&self.c), Scalar::from_be_bytes(&self.z)) else {
            return false;
        };
        if c.is_zero() {
            return false;
        }
        let Some(t_point) = Point::lincomb_vartime(&z, &c.neg(), x_point) else { return false };
        challenge(label, ctx, x_point, &t_point) == c
    }

    /// c ‖ z as hex (128 digits).
    pub fn to_hex(&self) -> String {
        let mut b = [0u8; 64];
        b[..32].copy_from_slice(&self.c);
        b[32..].copy_from_slice(&self.z);
        hex::encode(b)
    }

    /// From hex.
    pub fn from_hex(s: &str) -> Result<Proof> {
        let b: [u8; 64] = hex_array(s, "proof")?;
        let (c, z) = b.split_at(32);
        Ok(Proof { c: c.try_into().unwrap_or([0; 32]), z: z.try_into().unwrap_or([0; 32]) })
    }
}

fn challenge(label: &str, ctx: &[u8], x_point: &Point, t_point: &Point) -> Scalar {
    let mut h = Sm3Hasher::new();
    h.update(PROTOCOL.as_bytes())
        .update(&[0])
        .update(label.as_bytes())
        .update(&[0])
        .update(&(ctx.len() as u32).to_be_bytes())
        .update(ctx)
        .update(&x_point.to_sec1())
        .update(&t_point.to_sec1());
    Scalar::from_be_bytes_reduced(&h.finalize().0)
}

fn nonce_context(session: &SessionId, e: &Sm3Digest) -> Vec<u8> {
    let mut ctx = session.0.to_vec();
    ctx.extend_from_slice(&e.0);
    ctx
}

fn check_enrolment_id(id: &[u8]) -> Result<()> {
    if id.is_empty() || id.len() > MAX_ENROLMENT_ID_LEN {
        return Err(Error::protocol(
            "cosign.malformed",
            format!("an enrolment identifier has 1 to {MAX_ENROLMENT_ID_LEN} bytes"),
        ));
    }
    Ok(())
}

pub(crate) fn hex_array<const N: usize>(s: &str, what: &str) -> Result<[u8; N]> {
    let mut out = [0u8; N];
    if s.len() != 2 * N {
        return Err(Error::protocol(
            "cosign.malformed",
            format!("{what}: expected {} hex digits, got {}", 2 * N, s.len()),
        ));
    }
    hex::decode_to_slice(s, &mut out).map_err(|e| Error::protocol("cosign.malformed", format!("{what}: {e}")))?;
    Ok(out)
}

fn point_from_hex(s: &str, what: &str) -> Result<Point> {
    let b: [u8; 65] = hex_array(s, what)?;
    Point::from_sec1(&b)
        .ok_or_else(|| Error::protocol("cosign.malformed", format!("{what} is not a point of the SM2 curve")))
}

fn scalar_from_hex(s: &str, what: &str) -> Result<Scalar> {
    let b: [u8; 32] = hex_array(s, what)?;
    Scalar::from_be_bytes(&b)
        .filter(|v| !v.is_zero())
        .ok_or_else(|| Error::protocol("cosign.malformed", format!("{what} is not in [1, n − 1]")))
}

/// Enrolment, device → service: P₁ = d₁⁻¹·G and its proof.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnrolRequest {
    /// P₁, SEC1 uncompressed, hex.
    pub p1: String,
    /// Proof of knowledge of d₁⁻¹, label `device-share`, ctx = the enrolment identifier.
    pub proof: String,
}

/// Enrolment, service → device: the public key and the service's share point with its proof.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnrolResponse {
    /// The person's public key P, SEC1 uncompressed, hex.
    pub public_key: String,
    /// P₂ = d₂⁻¹·G, hex.
    pub p2: String,
    /// Proof of knowledge of d₂⁻¹, label `service-share`, ctx = the enrolment identifier.
    pub proof: String,
}

/// Signing, device → service: Q₁ = k₁·G and its proof for this session and digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Commitment {
    /// The session, hex.
    pub session: String,
    /// Q₁, hex.
    pub q1: String,
    /// Proof of knowledge of k₁, label `nonce`, ctx = session ‖ e.
    pub proof: String,
}

/// Signing, service → device: r, s₂, s₃.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Answer {
    /// The session, hex.
    pub session: String,
    /// r, hex.
    pub r: String,
    /// s₂ = d₂·k₃, hex.
    pub s2: String,
    /// s₃ = d₂·(r + k₂), hex.
    pub s3: String,
}

/// Signing, device → service: the finished signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Completion {
    /// The session, hex.
    pub session: String,
    /// The signature r ‖ s, hex (128 digits).
    pub signature: String,
}

impl Completion {
    /// The signature it carries.
    pub fn signature(&self) -> Result<Sm2Signature> {
        let raw: [u8; 64] = hex_array(&self.signature, "signature")?;
        Sm2Signature::from_raw(&raw).map_err(|e| Error::protocol("cosign.malformed", format!("signature: {e}")))
    }
}

fn verify_signature(public: &Sm2PublicKey, e: &Sm3Digest, sig: &Sm2Signature) -> bool {
    use yinxin_gm::Sm2Verifier;
    yinxin_gm::sm2p256::Verifier::new(public, UserId::DEFAULT).verify_digest(e, sig).is_ok()
}
