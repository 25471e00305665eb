//! `yinxin sm2 keygen|pub|sign|verify`: raw SM2 over files, interoperable with
//! `openssl pkeyutl -rawin -digest sm3 -pkeyopt distid:1234567812345678`.

use crate::io::{CliError, CliResult, EXIT_FAILED, EXIT_OK, PassphraseArgs, load_private_key, print_json, read, write};
use clap::{Args, Subcommand, ValueEnum};
use std::path::PathBuf;
use yinxin_gm::sm2::DEFAULT_USER_ID;
use yinxin_gm::{Sm2PublicKey, Sm2Signature, UserId, default_provider};

#[derive(Subcommand)]
pub enum Sm2Cmd {
    /// Generate a key pair.
    Keygen(KeygenArgs),
    /// Write the public key of a private key.
    Pub(PubArgs),
    /// Sign a file: SM2 over SM3(Z ‖ file).
    Sign(SignArgs),
    /// Verify a signature over a file.
    Verify(VerifyArgs),
    /// Measure sign and verify rates on one core, as `openssl speed sm2` does.
    Bench(BenchArgs),
}

#[derive(Args)]
pub struct BenchArgs {
    /// Seconds in total (half signing, half verifying).
    #[arg(long, default_value_t = 4.0)]
    seconds: f64,
    /// The backend: sm2p256 or software (default: the process default).
    #[arg(long)]
    backend: Option<String>,
    /// Print JSON: backend, sign_per_s, verify_per_s.
    #[arg(long)]
    json: bool,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum KeyFormat {
    /// PKCS#8 `PRIVATE KEY` (what `openssl genpkey` writes).
    Pkcs8,
    /// SEC1 `EC PRIVATE KEY`.
    Sec1,
}

#[derive(Args)]
pub struct KeygenArgs {
    /// Private key file to write (PEM, mode 0600).
    #[arg(long)]
    out: PathBuf,
    /// Also write the public key (SPKI PEM) here.
    #[arg(long = "pub")]
    public: Option<PathBuf>,
    /// Format of the private key (ignored when encrypted: always PKCS#8).
    #[arg(long, value_enum, default_value = "pkcs8")]
    format: KeyFormat,
    /// Encrypt the key (PBES2: scrypt + AES-256-CBC) under this passphrase source.
    #[command(flatten)]
    pass: PassphraseArgs,
    /// Print the public key as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub struct PubArgs {
    /// Private key.
    #[arg(long)]
    key: PathBuf,
    /// Public key file to write (SPKI PEM).
    #[arg(long)]
    out: PathBuf,
    #[command(flatten)]
    pass: PassphraseArgs,
}

#[derive(Args)]
pub struct IdArgs {
    /// The SM2 user ID (default 1234567812345678).
    #[arg(long, default_value = "1234567812345678", conflicts_with = "id_hex")]
    id: String,
    /// The user ID as hex bytes (for non-UTF-8 IDs; empty string allowed).
    #[arg(long)]
    id_hex: Option<String>,
}

impl IdArgs {
    fn bytes(&self) -> CliResult<Vec<u8>> {
        match &self.id_hex {
            Some(h) => hex::decode(h).map_err(|e| CliError::usage(format!("--id-hex: {e}"))),
            None => Ok(self.id.as_bytes().to_vec()),
        }
    }
}

#[derive(Args)]
pub struct SignArgs {
    /// Private key (PEM or DER; PKCS#8, SEC1 or encrypted PKCS#8).
    #[arg(long)]
    key: PathBuf,
    /// File to sign.
    #[arg(long = "in")]
    input: PathBuf,
    /// Signature file to write.
    #[arg(long)]
    out: PathBuf,
    #[command(flatten)]
    id: IdArgs,
    /// Write raw 64-byte r‖s instead of DER.
    #[arg(long)]
    raw: bool,
    #[command(flatten)]
    pass: PassphraseArgs,
}

#[derive(Args)]
pub struct VerifyArgs {
    /// Public key (SPKI PEM/DER) or a certificate carrying it.
    #[arg(long = "pub")]
    public: PathBuf,
    /// The signed file.
    #[arg(long = "in")]
    input: PathBuf,
    /// The signature (DER or raw r‖s; both are recognised).
    #[arg(long)]
    sig: PathBuf,
    #[command(flatten)]
    id: IdArgs,
    /// Require the raw 64-byte r‖s form.
    #[arg(long)]
    raw: bool,
    /// Print the result as JSON.
    #[arg(long)]
    json: bool,
}

pub fn run(cmd: Sm2Cmd) -> CliResult {
    match cmd {
        Sm2Cmd::Keygen(a) => keygen(a),
        Sm2Cmd::Pub(a) => {
            let key = load_private_key(&a.key, &a.pass)?;
            write(&a.out, key.public_key().to_spki_pem().as_bytes(), false)?;
            Ok(EXIT_OK)
        }
        Sm2Cmd::Sign(a) => sign(a),
        Sm2Cmd::Verify(a) => verify(a),
        Sm2Cmd::Bench(a) => bench(a),
    }
}

fn bench(a: BenchArgs) -> CliResult {
    if !(a.seconds > 0.0 && a.seconds <= 3600.0) {
        return Err(CliError::usage("--seconds must be between 0 and 3600"));
    }
    let p = match &a.backend {
        Some(name) => yinxin_gm::provider::by_name(name)
            .ok_or_else(|| CliError::usage(format!("--backend {name}: one of {:?}", yinxin_gm::provider::BACKENDS)))?,
        None => default_provider(),
    };
    let key = p.generate_sm2()?;
    let signer = p.sm2_signer(&key, UserId::DEFAULT)?;
    let verifier = p.sm2_verifier(key.public_key(), UserId::DEFAULT)?;
    // A 1 KiB message, as the project's benchmarks and docs/sm-crypto.md use.
    let msg = vec![0x5au8; 1024];
    let half = std::time::Duration::from_secs_f64(a.seconds / 2.0);
    let rate = |f: &mut dyn FnMut() -> bool| -> CliResult<f64> {
        let start = std::time::Instant::now();
        let mut n = 0u64;
        while start.elapsed() < half {
            for _ in 0..64 {
                if !f() {
                    return Err(CliError::input("a signature did not verify during the benchmark"));
                }
            }
            n += 64;
        }
        Ok(n as f64 / start.elapsed().as_secs_f64())
    };
    let sig = signer.sign(&msg)?;
    let sign_per_s = rate(&mut || signer.sign(std::hint::black_box(&msg)).is_ok())?;
    let verify_per_s = rate(&mut || verifier.verify(std::hint::black_box(&msg), &sig).is_ok())?;
    if a.json {
        print_json(
            &serde_json::json!({ "backend": p.name(), "seconds": a.seconds, "message_bytes": msg.len(), "sign_per_s": sign_per_s.round(), "verify_per_s": verify_per_s.round() }),
        );
    } else {
        println!("backend {} (one core, 1 KiB messages, user ID 1234567812345678)", p.name());
        println!("{:>28}{:>10}{:>10}{:>10}", "sign", "verify", "sign/s", "verify/s");
        println!(
            " 256 bits SM2 (sm2p256v1) {:>7.6}s {:>7.6}s {:>9.1} {:>9.1}",
            1.0 / sign_per_s,
            1.0 / verify_per_s,
            sign_per_s,
            verify_per_s
        );
    }
    Ok(EXIT_OK)
}

fn keygen(a: KeygenArgs) -> CliResult {
    let key = default_provider().generate_sm2()?;
    let pem = match (a.pass.get()?, a.format) {
        (Some(p), _) => key.to_encrypted_pem(&p)?,
        (None, KeyFormat::Pkcs8) => key.to_pkcs8_pem()?,
        (None, KeyFormat::Sec1) => key.to_sec1_pem()?,
    };
    write(&a.out, pem.as_bytes(), true)?;
    if let Some(p) = &a.public {
        write(p, key.public_key().to_spki_pem().as_bytes(), false)?;
    }
    if a.json {
        print_json(
            &serde_json::json!({ "private_key": a.out, "public_key_sec1": hex::encode(key.public_key().to_sec1()) }),
        );
    }
    Ok(EXIT_OK)
}

fn sign(a: SignArgs) -> CliResult {
    let key = load_private_key(&a.key, &a.pass)?;
    let id = a.id.bytes()?;
    let signer = default_provider().sm2_signer(&key, UserId::new(&id)?)?;
    let msg = read(&a.input)?;
    let sig = signer.sign(&msg)?;
    let bytes = if a.raw { sig.to_raw().to_vec() } else { sig.to_der() };
    write(&a.out, &bytes, false)?;
    Ok(EXIT_OK)
}

/// A public key from SPKI PEM/DER or from a certificate.
pub fn load_public_key(path: &std::path::Path) -> CliResult<Sm2PublicKey> {
    let bytes = read(path)?;
    let text = std::str::from_utf8(&bytes).ok().filter(|t| t.contains("-----BEGIN"));
    let from_cert = |c: yinxin_pki::Cert| c.public_key.map_err(|e| CliError::input(format!("{}: {e}", path.display())));
    match text {
        Some(t) if t.contains("CERTIFICATE") => from_cert(yinxin_pki::Cert::from_pem_or_der(&bytes)?),
        Some(t) => Sm2PublicKey::from_pem(t).map_err(|e| CliError::input(format!("{}: {e}", path.display()))),
        None => match Sm2PublicKey::from_spki_der(&bytes) {
            Ok(k) => Ok(k),
            Err(_) => from_cert(yinxin_pki::Cert::from_der(&bytes).map_err(|e| {
                CliError::input(format!("{}: neither a public key nor a certificate ({e})", path.display()))
            })?),
        },
    }
}

fn verify(a: VerifyArgs) -> CliResult {
    let pk = load_public_key(&a.public)?;
    let id = a.id.bytes()?;
    let msg = read(&a.input)?;
    let sig_bytes = read(&a.sig)?;
    // A signature file written by a tool may end in a newline if it is hex or base64; ours is binary.
    let parsed = if a.raw { Sm2Signature::from_raw(&sig_bytes) } else { Sm2Signature::from_bytes(&sig_bytes) };
    let result = parsed.and_then(|sig| default_provider().sm2_verify(&pk, UserId::new(&id)?, &msg, &sig));
    let ok = result.is_ok();
    if a.json {
        print_json(&serde_json::json!({
            "indication": if ok { "PASSED" } else { "FAILED" },
            "reason": result.as_ref().err().map(ToString::to_string),
            "user_id": String::from_utf8_lossy(&id),
            "default_user_id": id == DEFAULT_USER_ID,
        }));
    } else {
        match &result {
            Ok(()) => println!("PASSED: signature valid"),
            Err(e) => println!("FAILED: {e}"),
        }
    }
    Ok(if ok { EXIT_OK } else { EXIT_FAILED })
}
