//! The archive (预归档) wired to the service: the trust service's own verifier checks what is
//! filed, the department's seal and the time-stamp authority seal what is handed over.

use crate::app::App;
use std::sync::Arc;
use yinxin_archive::service::{Archive, Authority};
use yinxin_pki::Crl;
use yinxin_pki::chain::RevocationPolicy;
use yinxin_pki::report::Report;
use yinxin_seal::Seal;
use yinxin_seal::verify::{At, VerifyOptions};

/// The service as the archive's authority, with the CRLs and the department's seal of the moment.
pub struct ServiceAuthority {
    app: App,
    crls: Arc<Vec<Crl>>,
    seal: Option<(String, Seal)>,
}

impl ServiceAuthority {
    /// For `department` (whose official seal in use, if any, seals exports).
    pub async fn new(app: &App, department: Option<&str>) -> Result<Self, String> {
        let crls = app.crls().await.map_err(|p| p.detail.clone().unwrap_or_default())?;
        let mut seal = None;
        if let Some(d) = department
            && let Some(row) = yinxin_store::repo::issuing_seal(&app.db, d).await.map_err(|e| e.to_string())?
            && row.state == "in_use"
        {
            let s = Seal::parse(row.esl.as_deref().unwrap_or_default()).map_err(|e| e.to_string())?;
            seal = Some((d.to_string(), s));
        }
        Ok(Self { app: app.clone(), crls, seal })
    }

    fn opts(&self) -> VerifyOptions<'_> {
        VerifyOptions {
            trust: &self.app.verify_trust,
            seal_authorities: None,
            intermediates: &self.app.keys.chain,
            crls: &self.crls,
            revocation: RevocationPolicy::IfAvailable,
            at: At::Now,
            now: time::OffsetDateTime::now_utc(),
            policy: &self.app.policy,
            data_sm3: None,
            poe: None,
        }
    }
}

impl Authority for ServiceAuthority {
    fn verify(&self, bytes: &[u8]) -> Option<Report> {
        yinxin_doc::stamp::verify_any(bytes, None, &self.opts())
    }

    fn seal(&self, department: &str, data: &[u8]) -> Result<Vec<u8>, String> {
        let (_, seal) = self
            .seal
            .as_ref()
            .filter(|(d, _)| d == department)
            .ok_or_else(|| format!("department {department} has no official seal in use"))?;
        let d =
            self.app.keys.departments.get(department).ok_or_else(|| format!("no keys for department {department}"))?;
        let sig = yinxin_seal::make::sign(
            &yinxin_seal::make::SignRequest {
                seal,
                signer_cert: &d.cert,
                signer: d.signer.as_ref(),
                data,
                property_info: "archive/list",
                tsa: Some(&self.app.keys.tsa),
            },
            time::OffsetDateTime::now_utc(),
        )
        .map_err(|e| e.to_string())?;
        self.app.metrics.signed("archive_package", 2);
        Ok(sig.raw)
    }

    fn verify_seal(&self, signature: &[u8], data: &[u8]) -> Report {
        yinxin_seal::verify::verify_signature_bytes(signature, Some(data), &self.opts())
    }
    fn verify_seal_proven(
        &self,
        signature: &[u8],
        data: &[u8],
        material: &yinxin_pki::ltv::Material,
        poe: Option<&yinxin_pki::report::Poe>,
    ) -> Report {
        let mut chain = self.app.keys.chain.clone();
        chain.extend(material.certs.iter().cloned());
        let mut crls: Vec<Crl> = self.crls.as_ref().clone();
        crls.extend(material.crls.iter().cloned());
        let opts = VerifyOptions { intermediates: &chain, crls: &crls, poe: poe.cloned(), ..self.opts() };
        yinxin_seal::verify::verify_signature_bytes(signature, Some(data), &opts)
    }

    fn evidence_trust(&self) -> Option<(&yinxin_pki::TrustStore, time::OffsetDateTime)> {
        Some((&self.app.verify_trust, time::OffsetDateTime::now_utc()))
    }

    fn tool(&self) -> String {
        format!("yinxin {}", env!("CARGO_PKG_VERSION"))
    }
}

/// The archive over the service's database and document store.
pub fn archive(app: &App) -> Archive {
    Archive {
        db: app.db.clone(),
        blobs: app.blobs.clone(),
        limits: yinxin_archive::unpack::Limits::default(),
        clamd: app.cfg.clamd_socket.as_ref().map(yinxin_archive::virus::Clamd::new),
    }
}
