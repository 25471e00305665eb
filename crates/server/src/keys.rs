//! The signing keys the service uses, held encrypted at rest: each is a PKCS#8 key sealed with
//! SM4-GCM under the key-encryption key (KEK), with the key's name as associated data so that a
//! wrapped key cannot be swapped for another's. On start they are unwrapped into provider signer
//! handles (a hardware module would provide the same handles without the key leaving it).

use std::collections::HashMap;
use std::path::Path;
use yinxin_gm::sm4::Sm4Key;
use yinxin_gm::{Sm2PrivateKey, Sm2Signer, UserId, default_provider};
use yinxin_pki::chain::TrustStore;
use yinxin_pki::tsp::TimeStampAuthority;
use yinxin_pki::{Cert, Crl};
use yinxin_store::{Db, repo};

/// The key-encryption key.
pub struct Kek(Sm4Key);

impl Kek {
    /// From 32 hex digits.
    pub fn from_hex(s: &str) -> Result<Self, String> {
        let b = zeroize::Zeroizing::new(
            hex::decode(s.trim()).map_err(|_| "the key-encryption key is not hex".to_string())?,
        );
        Ok(Self(Sm4Key::from_slice(&b).map_err(|_| "the key-encryption key must be 16 bytes (32 hex digits)")?))
    }

    /// From configuration, or generated into `data_dir/kek.hex` (development).
    pub fn load_or_create(configured: Option<&str>, data_dir: &Path) -> Result<Self, String> {
        if let Some(k) = configured {
            return Self::from_hex(k);
        }
        let file = data_dir.join("kek.hex");
        if let Ok(text) = std::fs::read_to_string(&file).map(zeroize::Zeroizing::new) {
            return Self::from_hex(&text);
        }
        tracing::warn!(
            file = %file.display(),
            "no key-encryption key configured (kek / YINXIN_KEK): generated one beside the data; \
             fine for development, keep it elsewhere in production"
        );
        let key = Sm4Key::generate(default_provider()).map_err(|e| e.to_string())?;
        let key = Self(key);
        write_private(&file, key.to_hex().as_bytes())?;
        Ok(key)
    }

    /// The configured KEK, else `data_dir/kek.hex`; None when neither exists. The flag says
    /// whether it came from that file.
    pub fn load(configured: Option<&str>, data_dir: &Path) -> Result<Option<(Self, bool)>, String> {
        if let Some(k) = configured {
            return Ok(Some((Self::from_hex(k)?, false)));
        }
        match std::fs::read_to_string(data_dir.join("kek.hex")) {
            Ok(text) => Ok(Some((Self::from_hex(&zeroize::Zeroizing::new(text))?, true))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(format!("{}: {e}", data_dir.join("kek.hex").display())),
        }
    }

    /// A fresh random KEK.
    pub fn generate() -> Result<Self, String> {
        Ok(Self(Sm4Key::generate(default_provider()).map_err(|e| e.to_string())?))
    }

    /// Its 32 hex digits (to write to a private file; never log it).
    pub fn to_hex(&self) -> zeroize::Zeroizing<String> {
        zeroize::Zeroizing::new(hex::encode(self.0.expose()))
    }

    /// Wrap a private key under `name`.
    pub fn wrap(&self, name: &str, key: &Sm2PrivateKey) -> Result<Vec<u8>, String> {
        let der = key.to_pkcs8_der().map_err(|e| e.to_string())?;
        self.0.seal(default_provider(), name.as_bytes(), &der).map_err(|e| e.to_string())
    }

    /// Wrap a secret that is not a key pair (the log's holder-tag key) under `name`.
    pub fn wrap_secret(&self, name: &str, secret: &[u8]) -> Result<Vec<u8>, String> {
        self.0.seal(default_provider(), name.as_bytes(), secret).map_err(|e| e.to_string())
    }

    /// Unwrap a secret stored under `name`.
    pub fn unwrap_secret(&self, name: &str, wrapped: &[u8]) -> Result<zeroize::Zeroizing<Vec<u8>>, String> {
        Ok(zeroize::Zeroizing::new(self.0.open(name.as_bytes(), wrapped).map_err(|_| {
            format!("the secret {name} does not open with the configured key-encryption key (wrong KEK, or tampered)")
        })?))
    }

    /// Unwrap the key stored under `name`.
    pub fn unwrap(&self, name: &str, wrapped: &[u8]) -> Result<Sm2PrivateKey, String> {
        let der = zeroize::Zeroizing::new(self.0.open(name.as_bytes(), wrapped).map_err(|_| {
            format!("the key {name} does not open with the configured key-encryption key (wrong KEK, or tampered)")
        })?);
        Sm2PrivateKey::from_der(&der, None).map_err(|e| format!("key {name}: {e}"))
    }
}

/// The name a department's signing key is wrapped under (the associated data of its AEAD).
pub fn department_key_name(code: &str) -> String {
    format!("department:{code}")
}

/// The name a person's signing key is wrapped under.
pub fn signer_key_name(id: &str) -> String {
    format!("signer:{id}")
}

/// The name a stored key is wrapped under: a service key's name, [`department_key_name`],
/// [`signer_key_name`].
pub fn wrapped_name(k: &repo::WrappedKey) -> String {
    match k.table {
        repo::WrappedIn::ServiceKeys => k.id.clone(),
        repo::WrappedIn::Departments => department_key_name(&k.id),
        repo::WrappedIn::Signers => signer_key_name(&k.id),
    }
}

/// Rewrap every stored key from `old` to `new` in one transaction: each is opened with the old
/// KEK (one that does not open aborts everything, nothing changed), sealed under the new one
/// and opened again before it is written. Returns how many keys were rewrapped.
pub async fn rotate_kek(db: &Db, old: &Kek, new: &Kek) -> Result<usize, String> {
    if old.0.expose() == new.0.expose() {
        return Err("the new key-encryption key is the current one".into());
    }
    let mut tx = db.begin().await.map_err(|e| e.to_string())?;
    let keys = repo::wrapped_keys(&mut tx).await.map_err(|e| e.to_string())?;
    for k in &keys {
        let name = wrapped_name(k);
        let secret = old.unwrap_secret(&name, &k.wrapped)?;
        let rewrapped = new.wrap_secret(&name, &secret)?;
        if *new.unwrap_secret(&name, &rewrapped)? != *secret {
            return Err(format!("{name}: the rewrapped key does not open to the same bytes"));
        }
        repo::set_wrapped_key(&mut tx, k, &rewrapped).await.map_err(|e| e.to_string())?;
    }
    tx.commit().await.map_err(|e| e.to_string())?;
    Ok(keys.len())
}

/// Write a file readable by its owner only.
pub fn write_private(path: &Path, bytes: &[u8]) -> Result<(), String> {
    use std::io::Write;
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    let mut f = o.open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    f.write_all(bytes).and_then(|_| f.sync_all()).map_err(|e| format!("{}: {e}", path.display()))
}

/// A department's signing material.
pub struct DeptKeys {
    /// USCC.
    pub code: String,
    /// Name.
    pub name: String,
    /// Certificate.
    pub cert: Cert,
    /// Signer.
    pub signer: Box<dyn Sm2Signer>,
    /// Types it may issue.
    pub types: Vec<String>,
}

/// Everything the service signs and trusts with.
pub struct Keys {
    /// Departments by USCC.
    pub departments: HashMap<String, DeptKeys>,
    /// The seal maker (制章机构).
    pub seal_maker: (Cert, Box<dyn Sm2Signer>),
    /// The issuing CA, for persons' signing certificates and their CRL.
    pub issuing_ca: (Cert, Box<dyn Sm2Signer>),
    /// The service's own signer (verification receipts, audit checkpoints).
    pub service: (Cert, Box<dyn Sm2Signer>),
    /// Its certificate as PEM (sent with every receipt).
    pub service_pem: String,
    /// The time-stamp authority.
    pub tsa: TimeStampAuthority,
    /// Trust anchors.
    pub trust: TrustStore,
    /// Intermediate CA certificates.
    pub chain: Vec<Cert>,
    /// CRLs of CAs the service does not run (the root's), from the key directory.
    pub static_crls: Vec<Crl>,
}

/// The trust store verification uses: the service's own anchors, written into `dir` when missing
/// (so the directory shows everything that is trusted), and every root certificate in `dir`.
pub fn verify_trust(dir: &Path, own: &TrustStore) -> Result<TrustStore, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let present = yinxin_pki::load_certs(dir).map_err(|e| e.to_string())?;
    for c in own.anchors() {
        if !present.contains(c) {
            let name = dir.join(format!("{}.pem", &c.sm3().to_hex()[..16]));
            std::fs::write(&name, c.to_pem()).map_err(|e| format!("{}: {e}", name.display()))?;
        }
    }
    let mut t = own.clone();
    for c in yinxin_pki::load_certs(dir).map_err(|e| e.to_string())? {
        t.add(c);
    }
    Ok(t)
}

fn read(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))
}

fn cert_file(path: &Path) -> Result<Cert, String> {
    Cert::from_pem_or_der(&read(path)?).map_err(|e| format!("{}: {e}", path.display()))
}

fn key_file(path: &Path) -> Result<Sm2PrivateKey, String> {
    let text = String::from_utf8(read(path)?).map_err(|_| format!("{}: not PEM", path.display()))?;
    Sm2PrivateKey::from_pem(&text, None).map_err(|e| format!("{}: {e}", path.display()))
}

const SERVICE_KEYS: [(&str, &str); 4] =
    [("seal-maker", "seal-maker"), ("issuing-ca", "issuing-ca"), ("tsa", "tsa"), ("service", "status-list")];

/// First start: import the key directory's departments, seals and service keys, wrapping every
/// key under the KEK. Later starts find them in the database and import nothing.
pub async fn bootstrap(db: &Db, kek: &Kek, cfg: &crate::config::Config) -> Result<bool, String> {
    if !repo::departments(db).await.map_err(|e| e.to_string())?.is_empty() {
        return Ok(false);
    }
    let kd = &cfg.key_dir;
    let now = yinxin_store::now_ts();
    let mut tx = db.begin().await.map_err(|e| e.to_string())?;
    for (name, stem) in SERVICE_KEYS {
        let cert = cert_file(&kd.join(format!("{stem}.cert.pem")))?;
        let key = key_file(&kd.join(format!("{stem}.key.pem")))?;
        repo::put_service_key(&mut tx, name, Some(cert.der()), &kek.wrap(name, &key)?)
            .await
            .map_err(|e| e.to_string())?;
    }
    for (name, file) in [("trust.root", "root-ca.cert.pem")] {
        let cert = cert_file(&kd.join(file))?;
        repo::put_service_key(&mut tx, name, Some(cert.der()), &[]).await.map_err(|e| e.to_string())?;
    }
    for d in &cfg.departments {
        let cert = cert_file(&kd.join(format!("{}.cert.pem", d.stem)))?;
        let key = key_file(&kd.join(format!("{}.key.pem", d.stem)))?;
        let code = cert
            .subject_attr("organizationIdentifier")
            .ok_or_else(|| format!("{}: the certificate has no organizationIdentifier (USCC)", d.stem))?;
        let name = cert.subject_attr("O").ok_or_else(|| format!("{}: the certificate has no O", d.stem))?;
        let wrapped = kek.wrap(&department_key_name(&code), &key)?;
        repo::put_department(
            &mut tx,
            &repo::Department {
                code: code.clone(),
                name: name.clone(),
                cert: cert.der().to_vec(),
                key_wrapped: wrapped,
                types: d.types.clone(),
            },
        )
        .await
        .map_err(|e| e.to_string())?;
        let esl_path = kd.join("seals").join(format!("{}.esl", d.stem));
        if let Ok(esl) = std::fs::read(&esl_path) {
            let seal = yinxin_seal::Seal::parse(&esl).map_err(|e| format!("{}: {e}", esl_path.display()))?;
            repo::insert_seal(
                &mut tx,
                &repo::SealRecord {
                    id: format!("seal-{}", seal.es_id),
                    owner_code: code.clone(),
                    name: seal.property.name.clone(),
                    kind: "official".into(),
                    state: "in_use".into(),
                    esl: Some(esl),
                    es_id: Some(seal.es_id.clone()),
                    reason: Some(format!("imported from {}", esl_path.display())),
                    created: now,
                    updated: now,
                    activated: Some(yinxin_store::now_ms()),
                },
            )
            .await
            .map_err(|e| e.to_string())?;
        }
    }
    tx.commit().await.map_err(|e| e.to_string())?;
    Ok(true)
}

/// Load and unwrap every key.
pub async fn load(db: &Db, kek: &Kek, key_dir: &Path) -> Result<Keys, String> {
    let p = default_provider();
    let signer = |k: &Sm2PrivateKey| p.sm2_signer(k, UserId::DEFAULT).map_err(|e| e.to_string());
    let mut service = HashMap::new();
    for (name, _) in SERVICE_KEYS {
        let (cert, wrapped) = repo::service_key(db, name)
            .await
            .map_err(|e| e.to_string())?
            .ok_or_else(|| format!("service key {name} is missing from the database"))?;
        let cert = Cert::from_der(&cert.unwrap_or_default()).map_err(|e| format!("{name}: {e}"))?;
        let key = kek.unwrap(name, &wrapped)?;
        service.insert(name, (cert, signer(&key)?));
    }
    let root = repo::service_key(db, "trust.root")
        .await
        .map_err(|e| e.to_string())?
        .and_then(|(c, _)| c)
        .ok_or("the trust anchor is missing from the database")?;
    let root = Cert::from_der(&root).map_err(|e| e.to_string())?;
    let mut trust = TrustStore::default();
    trust.add(root);
    let mut take = |n: &str| service.remove(n).ok_or_else(|| format!("service key {n} missing"));
    let issuing_ca = take("issuing-ca")?;
    let chain = vec![issuing_ca.0.clone()];
    let (tsa_cert, tsa_signer) = take("tsa")?;
    let tsa = TimeStampAuthority::new(tsa_cert, chain.clone(), tsa_signer, yinxin_pki::oid::YINXIN_TSA_POLICY)
        .map_err(|e| e.to_string())?;
    let mut departments = HashMap::new();
    for d in repo::departments(db).await.map_err(|e| e.to_string())? {
        let key = kek.unwrap(&department_key_name(&d.code), &d.key_wrapped)?;
        let cert = Cert::from_der(&d.cert).map_err(|e| e.to_string())?;
        departments.insert(
            d.code.clone(),
            DeptKeys { code: d.code, name: d.name, cert, signer: signer(&key)?, types: d.types },
        );
    }
    let mut static_crls = Vec::new();
    if let Ok(b) = std::fs::read(key_dir.join("crl").join("root-ca.crl.pem")) {
        static_crls.push(Crl::from_pem_or_der(&b).map_err(|e| e.to_string())?);
    }
    let service = take("service")?;
    Ok(Keys {
        departments,
        seal_maker: take("seal-maker")?,
        issuing_ca,
        service_pem: service.0.to_pem(),
        service,
        tsa,
        trust,
        chain,
        static_crls,
    })
}

/// A second handle on the service key, for the transparency log's checkpoints (the log's
/// note signer owns its handle).
pub async fn log_signer(db: &Db, kek: &Kek) -> Result<Box<dyn Sm2Signer>, String> {
    let (_, wrapped) = repo::service_key(db, "service")
        .await
        .map_err(|e| e.to_string())?
        .ok_or("service key service is missing from the database")?;
    let key = kek.unwrap("service", &wrapped)?;
    default_provider().sm2_signer(&key, UserId::DEFAULT).map_err(|e| e.to_string())
}

/// The transparency log's holder-tag key (its "per-log salt", never published): 32 random
/// bytes made on first start and kept wrapped under the KEK like the signing keys.
pub async fn holder_key(db: &Db, kek: &Kek) -> Result<yinxin_tlog::entry::HolderKey, String> {
    const NAME: &str = "tlog.holder-key";
    let stored = repo::service_key(db, NAME).await.map_err(|e| e.to_string())?;
    let secret = match stored {
        Some((_, wrapped)) => kek.unwrap_secret(NAME, &wrapped)?,
        None => {
            let mut fresh = zeroize::Zeroizing::new(vec![0u8; 32]);
            default_provider().fill_random(&mut fresh).map_err(|e| e.to_string())?;
            let mut tx = db.begin().await.map_err(|e| e.to_string())?;
            repo::put_service_key(&mut tx, NAME, None, &kek.wrap_secret(NAME, &fresh)?)
                .await
                .map_err(|e| e.to_string())?;
            tx.commit().await.map_err(|e| e.to_string())?;
            fresh
        }
    };
    let bytes: [u8; 32] = secret.as_slice().try_into().map_err(|_| format!("{NAME} is not 32 bytes"))?;
    Ok(yinxin_tlog::entry::HolderKey::from_bytes(bytes))
}
