//! `yinxin dev-keys --out DIR`: a complete development PKI — root CA, issuing CA, three
//! departments, a seal maker, a time-stamp authority, a person and a status-list signer — with
//! CRLs and a manifest. The keys are unencrypted and published in the repository: development
//! and tests only, never production.

use crate::io::{CliError, CliResult, EXIT_OK, write};
use clap::Args;
use serde::Serialize;
use std::path::{Path, PathBuf};
use time::{Duration, OffsetDateTime};
use yinxin_gm::{Sm2PrivateKey, UserId, default_provider};
use yinxin_pki::crl::{CrlRequest, issue_crl};
use yinxin_pki::{Cert, CertRequest, DnBuilder, Profile, issue_cert};

#[derive(Args)]
pub struct DevKeysArgs {
    /// Directory to create.
    #[arg(long, default_value = "keys-dev")]
    out: PathBuf,
    /// Replace the keys in a directory that already has them.
    #[arg(long)]
    force: bool,
    /// Keep the keys and certificates; only make the development seals again.
    #[arg(long)]
    seals_only: bool,
}

/// One party of the development PKI.
struct Spec {
    /// File stem.
    id: &'static str,
    profile: Profile,
    /// Organisation (O) and common name (CN).
    org: &'static str,
    cn: &'static str,
    /// Unified social credit code (GB 32100), first 17 characters; the check character is
    /// computed.
    uscc17: Option<&'static str>,
    days: i64,
}

const SPECS: &[Spec] = &[
    Spec {
        id: "root-ca",
        profile: Profile::RootCa,
        org: "yinxin 开发环境",
        cn: "yinxin 开发根CA",
        uscc17: None,
        days: 20 * 365,
    },
    Spec {
        id: "issuing-ca",
        profile: Profile::IssuingCa,
        org: "yinxin 开发环境",
        cn: "yinxin 开发签发CA",
        uscc17: None,
        days: 10 * 365,
    },
    Spec {
        id: "dept-market",
        profile: Profile::LicenceIssuer,
        org: "某市市场监督管理局",
        cn: "某市市场监督管理局",
        uscc17: Some("11530100MB0123456"),
        days: 5 * 365,
    },
    Spec {
        id: "dept-transport",
        profile: Profile::LicenceIssuer,
        org: "某市交通运输局",
        cn: "某市交通运输局",
        uscc17: Some("11530100MB0234567"),
        days: 5 * 365,
    },
    Spec {
        id: "dept-housing",
        profile: Profile::LicenceIssuer,
        org: "某市住房和城乡建设局",
        cn: "某市住房和城乡建设局",
        uscc17: Some("11530100MB0345678"),
        days: 5 * 365,
    },
    Spec {
        id: "seal-maker",
        profile: Profile::SealMaker,
        org: "某市电子印章制作中心",
        cn: "某市电子印章制作中心",
        uscc17: Some("12530100MB0456789"),
        days: 5 * 365,
    },
    Spec {
        id: "tsa",
        profile: Profile::TimeStamping,
        org: "yinxin 开发环境",
        cn: "yinxin 开发时间戳服务",
        uscc17: None,
        days: 5 * 365,
    },
    Spec { id: "person-zhangsan", profile: Profile::Person, org: "个人", cn: "张三", uscc17: None, days: 5 * 365 },
    Spec {
        id: "status-list",
        profile: Profile::StatusListSigner,
        org: "yinxin 开发环境",
        cn: "yinxin 开发状态列表签名",
        uscc17: None,
        days: 5 * 365,
    },
];

/// GB 32100-2015 check character for the first 17 characters of a unified social credit code.
pub fn uscc_check(first17: &str) -> Option<char> {
    const CHARS: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    const W: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
    if first17.chars().count() != 17 {
        return None;
    }
    let mut sum = 0;
    for (c, w) in first17.chars().zip(W) {
        sum += CHARS.find(c)? as u32 * w;
    }
    let v = (31 - sum % 31) % 31;
    CHARS.chars().nth(v as usize)
}

#[derive(Serialize)]
struct Entry {
    id: &'static str,
    profile: &'static str,
    subject: String,
    serial: String,
    not_after: String,
    cert: String,
    key: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uscc: Option<String>,
}

pub fn run(a: DevKeysArgs) -> CliResult {
    if a.seals_only {
        make_seals(&a.out)?;
        write(&a.out.join("README.md"), readme().as_bytes(), false)?;
        println!("development seals written to {}", display(&a.out.join("seals")));
        return Ok(EXIT_OK);
    }
    if a.out.join("root-ca.cert.pem").exists() && !a.force {
        return Err(CliError::input(format!(
            "{} already holds a development PKI; pass --force to replace it",
            a.out.display()
        )));
    }
    let p = default_provider();
    let now = OffsetDateTime::now_utc();
    let not_before = now - Duration::days(1);
    let mut issued: Vec<(Cert, Sm2PrivateKey)> = Vec::new();
    let mut manifest = Vec::new();
    for spec in SPECS {
        let key = p.generate_sm2()?;
        let uscc = spec.uscc17.map(|f| format!("{f}{}", uscc_check(f).unwrap_or('?')));
        let mut dn = DnBuilder::new().c("CN")?.add("ST", "云南省")?.add("L", "昆明市")?.o(spec.org)?.cn(spec.cn)?;
        if let Some(u) = &uscc {
            dn = dn.add("organizationIdentifier", u)?;
        }
        let req = CertRequest {
            profile: spec.profile,
            subject_der: dn.to_der()?,
            public_key: key.public_key().clone(),
            not_before,
            not_after: not_before + Duration::days(spec.days),
            serial: None,
            path_len: None,
            crl_url: None,
        };
        // The root signs itself and the issuing CA; the issuing CA signs everyone else.
        let cert = match spec.profile {
            Profile::RootCa => issue_cert(&req, None, p.sm2_signer(&key, UserId::DEFAULT)?.as_ref())?,
            Profile::IssuingCa => {
                let (root, root_key) = &issued[0];
                issue_cert(&req, Some(root), p.sm2_signer(root_key, UserId::DEFAULT)?.as_ref())?
            }
            _ => {
                let (ca, ca_key) = &issued[1];
                issue_cert(&req, Some(ca), p.sm2_signer(ca_key, UserId::DEFAULT)?.as_ref())?
            }
        };
        let cert_file = format!("{}.cert.pem", spec.id);
        let key_file = format!("{}.key.pem", spec.id);
        write(&a.out.join(&cert_file), cert.to_pem().as_bytes(), false)?;
        write(&a.out.join(&key_file), key.to_pkcs8_pem()?.as_bytes(), true)?;
        manifest.push(Entry {
            id: spec.id,
            profile: spec.profile.name(),
            subject: cert.subject(),
            serial: cert.serial_hex(),
            not_after: yinxin_pki::time::format_instant(cert.not_after),
            cert: cert_file,
            key: key_file,
            uscc,
        });
        issued.push((cert, key));
    }
    let chain = format!("{}{}", issued[1].0.to_pem(), issued[0].0.to_pem());
    write(&a.out.join("chain.pem"), chain.as_bytes(), false)?;
    for (idx, name) in [(0, "root-ca"), (1, "issuing-ca")] {
        let (cert, key) = &issued[idx];
        let crl = issue_crl(
            &CrlRequest { this_update: not_before, next_update: now + Duration::days(365), number: 1, revoked: vec![] },
            cert,
            p.sm2_signer(key, UserId::DEFAULT)?.as_ref(),
        )?;
        write(&a.out.join("crl").join(format!("{name}.crl.pem")), crl.to_pem().as_bytes(), false)?;
    }
    let json = serde_json::to_string_pretty(&manifest).map_err(|e| CliError::input(e.to_string()))?;
    write(&a.out.join("manifest.json"), format!("{json}\n").as_bytes(), false)?;
    write(&a.out.join("README.md"), readme().as_bytes(), false)?;
    make_seals(&a.out)?;
    println!("development PKI and seals written to {}", display(&a.out));
    Ok(EXIT_OK)
}

/// One seal per department (its official seal), made by the development seal maker, with the
/// picture beside it: `seals/<dept>.esl` and `seals/<dept>.png`.
fn make_seals(dir: &Path) -> CliResult<()> {
    use yinxin_seal::make::{CertListForm, SealKind, SealRequest, make_seal};
    use yinxin_seal::picture::{PictureSpec, SealFont, Shape, render};
    let load = |stem: &str| -> CliResult<(Cert, Sm2PrivateKey)> {
        let cert = Cert::from_pem_or_der(&crate::io::read(&dir.join(format!("{stem}.cert.pem")))?)?;
        let key = crate::io::load_private_key(&dir.join(format!("{stem}.key.pem")), &Default::default())?;
        Ok((cert, key))
    };
    let (maker, maker_key) = load("seal-maker")?;
    let signer = default_provider().sm2_signer(&maker_key, UserId::DEFAULT)?;
    let font = SealFont::find()?;
    let now = OffsetDateTime::now_utc();
    for spec in SPECS.iter().filter(|s| s.profile == Profile::LicenceIssuer) {
        let (holder, _) = load(spec.id)?;
        let picture_spec = PictureSpec { shape: Shape::Round, name: spec.org, purpose: "", size_mm: 42.0 };
        let picture = render(&picture_spec, &font)?;
        let uscc = spec.uscc17.unwrap_or("00000000000000000");
        let req = SealRequest {
            // esID: the 6-digit region code and an 8-digit serial, as government seals use.
            es_id: format!("530100{}", &uscc[9..17]),
            kind: SealKind::Official,
            name: spec.org.to_string(),
            valid_start: now - Duration::days(1),
            valid_end: holder.not_after.min(now + Duration::days(5 * 365)),
            holders: vec![holder],
            cert_list_form: CertListForm::Certificates,
            picture_kind: "PNG".into(),
            picture: picture.clone(),
            picture_mm: picture_spec.size_mm(),
            vid: "yinxin".into(),
        };
        let seal = make_seal(&req, &maker, signer.as_ref(), now)?;
        write(&dir.join("seals").join(format!("{}.esl", spec.id)), &seal.raw, false)?;
        write(&dir.join("seals").join(format!("{}.png", spec.id)), &picture, false)?;
    }
    Ok(())
}

fn display(p: &Path) -> String {
    p.display().to_string()
}

fn readme() -> String {
    "# keys-dev: the development PKI — NOT FOR PRODUCTION

Every private key here is unencrypted and public (it is in the repository). These keys exist so
that the service, the tests and newcomers have a complete SM2 PKI to work with. Never trust this
root outside development, and never issue anything real with these keys.

| file | what |
|---|---|
| `root-ca.*` | self-signed root CA (20 years) |
| `issuing-ca.*` | issuing CA under the root (10 years, pathLen 0); signs everything below |
| `dept-market.*`, `dept-transport.*`, `dept-housing.*` | three departments (licence issuers): market regulation, transport, housing; their USCCs are in `manifest.json` |
| `seal-maker.*` | the seal-making body (制章机构) |
| `tsa.*` | the time-stamp authority (critical id-kp-timeStamping) |
| `person-zhangsan.*` | a person's signing certificate (个人签名) |
| `status-list.*` | the status-list signer for offline verifiers |
| `chain.pem` | issuing CA then root, for `--chain` |
| `crl/*.crl.pem` | empty CRLs of both CAs, valid for a year from generation |
| `manifest.json` | every party: profile, subject, serial, expiry, files |
| `seals/<dept>.esl`, `seals/<dept>.png` | each department's official seal (GB/T 38540), made by `seal-maker`, and its picture |

Keys are PKCS#8 PEM (`openssl pkey -in tsa.key.pem -text` reads them); certificates are
SM2-with-SM3 X.509 v3.

Regenerate everything (new keys, so everything signed with the old ones stops verifying):

```sh
cargo run -p yinxin -- dev-keys --out keys-dev --force
```

The CRLs expire a year after generation; regenerate them (or the whole set) when they do.
Only the seals (keeping keys and certificates):

```sh
cargo run -p yinxin -- dev-keys --out keys-dev --seals-only
```

Seal pictures need a CJK font: Debian's `fonts-noto-cjk` (Noto Serif CJK SC, SIL OFL 1.1).
"
    .to_string()
}
