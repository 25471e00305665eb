//! The service's side of two-party signing: enrolment, and one signing session at a time with
//! its state, which the caller persists between messages (before it sends the answer).

use super::{
    Answer, Commitment, Completion, EnrolRequest, EnrolResponse, Proof, SessionId, check_enrolment_id, hex_array,
    nonce_context, point_from_hex, verify_signature,
};
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use yinxin_gm::sm2::{Sm2PublicKey, Sm2Signature};
use yinxin_gm::sm2p256::group::{Point, Scalar};
use yinxin_gm::sm3::Sm3Digest;

/// The service's share d₂ of one person's key, with P₁ and the public key P it was enrolled with.
#[derive(Debug, Clone)]
pub struct ServiceShare {
    d2: Scalar,
    p1: Point,
    public: Point,
}

impl ServiceShare {
    /// Answer an enrolment request `request` for enrolment `id`: check the device's proof, pick
    /// d₂, derive the public key.
    pub fn enrol(id: &[u8], request: &EnrolRequest) -> Result<(ServiceShare, EnrolResponse)> {
        check_enrolment_id(id)?;
        let p1 = point_from_hex(&request.p1, "P1")?;
        let proof = Proof::from_hex(&request.proof)?;
        if !proof.verify(&p1, "device-share", id) {
            return Err(Error::protocol("cosign.proof", "the device's proof of its share does not verify"));
        }
        loop {
            let d2 = Scalar::random()?;
            let d2_inv = d2.invert().ok_or_else(|| Error::protocol("cosign.internal", "zero share"))?;
            // d₂⁻¹·P₁ = (1 + d)·G; it equals G only when d = 0, which is no key: pick again.
            let Some(public) = p1.mul(&d2_inv).and_then(|p| p.add(&Point::generator().neg())) else { continue };
            let p2 = Point::mul_base(&d2_inv).ok_or_else(|| Error::protocol("cosign.internal", "zero share"))?;
            let proof = Proof::prove(&d2_inv, &p2, "service-share", id)?;
            let response = EnrolResponse {
                public_key: hex::encode(public.to_sec1()),
                p2: hex::encode(p2.to_sec1()),
                proof: proof.to_hex(),
            };
            return Ok((ServiceShare { d2, p1, public }, response));
        }
    }

    /// The person's public key (for the certificate request).
    pub fn public_key(&self) -> Result<Sm2PublicKey> {
        Ok(self.public.to_public_key()?)
    }

    /// 162 bytes to store (the caller SM4-wraps them): d₂ ‖ P₁ ‖ P.
    pub fn to_bytes(&self) -> zeroize::Zeroizing<Vec<u8>> {
        let mut out = zeroize::Zeroizing::new(Vec::with_capacity(162));
        out.extend_from_slice(&self.d2.to_be_bytes());
        out.extend_from_slice(&self.p1.to_sec1());
        out.extend_from_slice(&self.public.to_sec1());
        out
    }

    /// From [`ServiceShare::to_bytes`], checking that the three still belong together
    /// (P = d₂⁻¹·P₁ − G), so a share stored against the wrong person is refused, not used.
    pub fn from_bytes(b: &[u8]) -> Result<ServiceShare> {
        let bad = |what: &str| Error::protocol("cosign.share", format!("the stored service share is unusable: {what}"));
        if b.len() != 162 {
            return Err(bad("it is not 162 bytes"));
        }
        let d2 = Scalar::from_be_bytes(&b[..32].try_into().unwrap_or([0; 32]))
            .filter(|v| !v.is_zero())
            .ok_or_else(|| bad("d2 is out of range"))?;
        let p1 = Point::from_sec1(&b[32..97]).ok_or_else(|| bad("P1 is not a point"))?;
        let public = Point::from_sec1(&b[97..]).ok_or_else(|| bad("P is not a point"))?;
        let d2_inv = d2.invert().ok_or_else(|| bad("d2 is zero"))?;
        if p1.mul(&d2_inv).and_then(|p| p.add(&Point::generator().neg())) != Some(public) {
            return Err(bad("the public key is not built on this share"));
        }
        Ok(ServiceShare { d2, p1, public })
    }

    /// Step 2 of signing: answer the device's commitment in `session`. The new state is in
    /// `session`; the caller stores it before sending the answer, and on error stores nothing.
    pub fn answer(&self, session: &mut SignSession, commitment: &Commitment) -> Result<Answer> {
        if hex_array::<16>(&commitment.session, "session")? != session.id.0 {
            return Err(Error::protocol("cosign.session", "the commitment is for another session"));
        }
        match session.state {
            SessionState::Open => {}
            SessionState::Answered { .. } | SessionState::Done { .. } => {
                return Err(Error::protocol(
                    "cosign.replayed",
                    "this session has already answered a commitment; a second answer would reuse the device's nonce",
                ));
            }
        }
        let q1 = point_from_hex(&commitment.q1, "Q1")?;
        let proof = Proof::from_hex(&commitment.proof)?;
        if !proof.verify(&q1, "nonce", &nonce_context(&session.id, &session.e)) {
            return Err(Error::protocol(
                "cosign.proof",
                "the commitment's proof does not verify for this session and document: it was altered or made for another",
            ));
        }
        let e = Scalar::from_be_bytes_reduced(&session.e.0);
        loop {
            let k2 = Scalar::random()?;
            let k3 = Scalar::random()?;
            let Some(point) = q1.mul(&k3).zip(Point::mul_base(&k2)).and_then(|(a, b)| a.add(&b)) else { continue };
            let r = Scalar::from_be_bytes_reduced(&point.x_bytes()).add(&e);
            if r.is_zero() {
                continue;
            }
            let s2 = self.d2.mul(&k3);
            let s3 = self.d2.mul(&r.add(&k2));
            session.state = SessionState::Answered { r: r.to_be_bytes(), q1: q1.to_sec1() };
            return Ok(Answer {
                session: session.id.to_hex(),
                r: hex::encode(r.to_be_bytes()),
                s2: hex::encode(s2.to_be_bytes()),
                s3: hex::encode(s3.to_be_bytes()),
            });
        }
    }

    /// Step 4: accept the device's signature if it answers this session's r and verifies under
    /// the public key. The session becomes [`SessionState::Done`].
    pub fn accept(&self, session: &mut SignSession, completion: &Completion) -> Result<Sm2Signature> {
        if hex_array::<16>(&completion.session, "session")? != session.id.0 {
            return Err(Error::protocol("cosign.session", "the signature is for another session"));
        }
        let r = match &session.state {
            SessionState::Answered { r, .. } => *r,
            SessionState::Open => {
                return Err(Error::protocol("cosign.state", "this session has not answered a commitment yet"));
            }
            SessionState::Done { .. } => {
                return Err(Error::protocol("cosign.replayed", "this session already has its signature"));
            }
        };
        let signature = completion.signature()?;
        if signature.r() != &r {
            return Err(Error::protocol("cosign.invalid", "the signature does not answer this session's r"));
        }
        if !verify_signature(&self.public_key()?, &session.e, &signature) {
            return Err(Error::protocol("cosign.invalid", "the signature does not verify under the person's key"));
        }
        session.state = SessionState::Done { signature: signature.to_raw() };
        Ok(signature)
    }
}

/// One signature being made: the digest the service decided on, and how far the exchange got.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignSession {
    /// The session's identifier.
    #[serde(with = "hex_id")]
    pub id: SessionId,
    /// e = SM3(Z ‖ M) for the document's signed attributes.
    #[serde(with = "hex_digest")]
    pub e: Sm3Digest,
    /// The state.
    pub state: SessionState,
}

impl SignSession {
    /// A new session for digest `e`.
    pub fn new(e: Sm3Digest) -> Result<SignSession> {
        Ok(SignSession { id: SessionId::random()?, e, state: SessionState::Open })
    }
}

/// Where a session is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum SessionState {
    /// Waiting for the device's commitment.
    Open,
    /// Answered; waiting for the signature.
    Answered {
        /// r of the answer.
        #[serde(with = "hex_scalar")]
        r: [u8; 32],
        /// The device's Q₁ (kept for the audit and for the replay refusal's message).
        #[serde(with = "hex_point")]
        q1: [u8; 65],
    },
    /// Finished with this signature (r ‖ s).
    Done {
        /// The signature.
        #[serde(with = "hex_point64")]
        signature: [u8; 64],
    },
}

mod hex_id {
    use super::SessionId;
    use serde::{Deserialize, Deserializer, Serializer};
    pub fn serialize<S: Serializer>(v: &SessionId, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&v.to_hex())
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<SessionId, D::Error> {
        SessionId::from_hex(&String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

mod hex_digest {
    use serde::{Deserialize, Deserializer, Serializer};
    use yinxin_gm::sm3::Sm3Digest;
    pub fn serialize<S: Serializer>(v: &Sm3Digest, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&v.to_hex())
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Sm3Digest, D::Error> {
        Sm3Digest::from_hex(&String::deserialize(d)?).ok_or_else(|| serde::de::Error::custom("not an SM3 digest"))
    }
}

macro_rules! hex_bytes {
    ($name:ident, $n:expr) => {
        mod $name {
            use serde::{Deserialize, Deserializer, Serializer};
            pub fn serialize<S: Serializer>(v: &[u8; $n], s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&hex::encode(v))
            }
            pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; $n], D::Error> {
                super::hex_array::<$n>(&String::deserialize(d)?, stringify!($name)).map_err(serde::de::Error::custom)
            }
        }
    };
}
hex_bytes!(hex_scalar, 32);
hex_bytes!(hex_point, 65);
hex_bytes!(hex_point64, 64);
