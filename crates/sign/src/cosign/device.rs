//! The device's side of two-party signing, in Rust: the reference the browser's `cosign.js` is
//! tested against, and the device for the CLI and the tests.

use super::{
    Answer, Commitment, Completion, EnrolRequest, EnrolResponse, Proof, SessionId, check_enrolment_id, hex_array,
    nonce_context, point_from_hex, scalar_from_hex, verify_signature,
};
use crate::{Error, Result};
use yinxin_gm::sm2::{Sm2PublicKey, Sm2Signature};
use yinxin_gm::sm2p256::group::{Point, Scalar};
use yinxin_gm::sm3::Sm3Digest;

/// A device that has started enrolment: it holds d₁ until the service answers.
#[derive(Debug)]
pub struct DeviceEnrolment {
    id: Vec<u8>,
    d1: Scalar,
}

impl DeviceEnrolment {
    /// Pick d₁ and make the request for enrolment `id` (the service's identifier for it).
    pub fn start(id: &[u8]) -> Result<(DeviceEnrolment, EnrolRequest)> {
        check_enrolment_id(id)?;
        let d1 = Scalar::random()?;
        let d1_inv = d1.invert().ok_or_else(|| Error::protocol("cosign.internal", "zero share"))?;
        let p1 = Point::mul_base(&d1_inv).ok_or_else(|| Error::protocol("cosign.internal", "zero share"))?;
        let proof = Proof::prove(&d1_inv, &p1, "device-share", id)?;
        Ok((
            DeviceEnrolment { id: id.to_vec(), d1 },
            EnrolRequest { p1: hex::encode(p1.to_sec1()), proof: proof.to_hex() },
        ))
    }

    /// Check the service's answer: its proof, and that the public key is built on this share
    /// (d₁⁻¹·P₂ = P + G).
    pub fn finish(self, response: &EnrolResponse) -> Result<DeviceShare> {
        let public = point_from_hex(&response.public_key, "public key")?;
        let p2 = point_from_hex(&response.p2, "P2")?;
        let proof = Proof::from_hex(&response.proof)?;
        if !proof.verify(&p2, "service-share", &self.id) {
            return Err(Error::protocol("cosign.proof", "the service's proof of its share does not verify"));
        }
        let d1_inv = self.d1.invert().ok_or_else(|| Error::protocol("cosign.internal", "zero share"))?;
        let combined = p2.mul(&d1_inv);
        if combined.is_none() || combined != public.add(&Point::generator()) {
            return Err(Error::protocol(
                "cosign.key",
                "the public key the service returned is not built on this device's share",
            ));
        }
        Ok(DeviceShare { d1: self.d1.clone(), public })
    }
}

/// The device's share d₁ and the public key it belongs to.
#[derive(Debug, Clone)]
pub struct DeviceShare {
    d1: Scalar,
    public: Point,
}

impl DeviceShare {
    /// The person's public key.
    pub fn public_key(&self) -> Result<Sm2PublicKey> {
        Ok(self.public.to_public_key()?)
    }

    /// 97 bytes: d₁ ‖ P (for a device that stores its share; the caller encrypts it).
    pub fn to_bytes(&self) -> zeroize::Zeroizing<Vec<u8>> {
        let mut out = zeroize::Zeroizing::new(Vec::with_capacity(97));
        out.extend_from_slice(&self.d1.to_be_bytes());
        out.extend_from_slice(&self.public.to_sec1());
        out
    }

    /// From [`DeviceShare::to_bytes`].
    pub fn from_bytes(b: &[u8]) -> Result<DeviceShare> {
        if b.len() != 97 {
            return Err(Error::protocol("cosign.malformed", "a device share is 97 bytes"));
        }
        let d1 = Scalar::from_be_bytes(&b[..32].try_into().unwrap_or([0; 32]))
            .filter(|v| !v.is_zero())
            .ok_or_else(|| Error::protocol("cosign.malformed", "the device share is out of range"))?;
        let public = Point::from_sec1(&b[32..])
            .ok_or_else(|| Error::protocol("cosign.malformed", "the public key is not a point"))?;
        Ok(DeviceShare { d1, public })
    }

    /// Step 1 of signing: pick k₁ and commit to Q₁ = k₁·G for `session` and digest `e`.
    pub fn commit(&self, session: &SessionId, e: &Sm3Digest) -> Result<(DeviceNonce, Commitment)> {
        self.commit_with_nonce(session, e, Scalar::random()?)
    }

    /// [`DeviceShare::commit`] with a chosen k₁. **Only for the test that shows what a device
    /// reusing its nonce would give away**; never call it with anything but fresh randomness.
    #[doc(hidden)]
    pub fn commit_with_nonce(
        &self,
        session: &SessionId,
        e: &Sm3Digest,
        k1: Scalar,
    ) -> Result<(DeviceNonce, Commitment)> {
        let q1 = Point::mul_base(&k1).ok_or_else(|| Error::protocol("cosign.internal", "zero nonce"))?;
        let proof = Proof::prove(&k1, &q1, "nonce", &nonce_context(session, e))?;
        let commitment = Commitment { session: session.to_hex(), q1: hex::encode(q1.to_sec1()), proof: proof.to_hex() };
        Ok((DeviceNonce { session: *session, e: *e, k1 }, commitment))
    }
}

/// A nonce k₁ waiting for the service's answer. [`DeviceNonce::finish`] consumes it: a nonce
/// used twice would give the service the key.
#[derive(Debug)]
pub struct DeviceNonce {
    session: SessionId,
    e: Sm3Digest,
    k1: Scalar,
}

impl DeviceNonce {
    /// Step 3: s = d₁·k₁·s₂ + d₁·s₃ − r, released only if (r, s) verifies under the public key.
    pub fn finish(self, share: &DeviceShare, answer: &Answer) -> Result<(Sm2Signature, Completion)> {
        if hex_array::<16>(&answer.session, "session")? != self.session.0 {
            return Err(Error::protocol("cosign.session", "the answer is for another session"));
        }
        let r = scalar_from_hex(&answer.r, "r")?;
        let s2 = scalar_from_hex(&answer.s2, "s2")?;
        let s3 = scalar_from_hex(&answer.s3, "s3")?;
        let s = share.d1.mul(&self.k1).mul(&s2).add(&share.d1.mul(&s3)).sub(&r);
        let invalid = || {
            Error::protocol(
                "cosign.invalid",
                "the combined signature does not verify: the answer was altered or the service is not the one enrolled",
            )
        };
        if s.is_zero() || r.add(&s).is_zero() {
            return Err(invalid());
        }
        let signature = Sm2Signature::from_scalars(r.to_be_bytes(), s.to_be_bytes()).map_err(|_| invalid())?;
        if !verify_signature(&share.public_key()?, &self.e, &signature) {
            return Err(invalid());
        }
        let completion = Completion { session: self.session.to_hex(), signature: hex::encode(signature.to_raw()) };
        Ok((signature, completion))
    }
}
