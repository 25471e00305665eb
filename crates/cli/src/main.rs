//! `yinxin`: the command line. Commands are `yinxin <noun> <verb>`; every command that reports
//! takes `--json`. Exit codes: 0 success or PASSED, 1 FAILED, 2 usage error, 3 INDETERMINATE,
//! 4 bad input or I/O error.

mod cmd;
mod io;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// yinxin (印信): a trust service for e-licences, e-seals, e-signatures and e-materials on
/// SM2/SM3/SM4.
#[derive(Parser)]
#[command(name = "yinxin", version, about, long_about = None, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// SM2 keys and raw signatures over files.
    #[command(subcommand)]
    Sm2(cmd::sm2::Sm2Cmd),
    /// SM3 digests of files, printed as `openssl dgst -sm3` prints them.
    Sm3(cmd::sm3::Sm3Args),
    /// X.509 certificates: issue, show, verify a chain.
    #[command(subcommand)]
    Cert(cmd::cert::CertCmd),
    /// Certificate revocation lists.
    #[command(subcommand)]
    Crl(cmd::crl::CrlCmd),
    /// RFC 3161 time stamps.
    #[command(subcommand)]
    Ts(cmd::ts::TsCmd),
    /// E-seals: make, show, sign with, and draw pictures of.
    #[command(subcommand)]
    Seal(cmd::seal::SealCmd),
    /// E-licences: issue them as sealed OFD and signed PDF; list the catalogue.
    #[command(subcommand)]
    Licence(cmd::licence::LicenceCmd),
    /// 电子签名 envelopes: create, follow and download them through the service; verify the signed
    /// PDF offline.
    #[command(subcommand)]
    Envelope(cmd::envelope::EnvelopeCmd),
    /// E-materials: seal PDF and OFD files a department hands in.
    #[command(subcommand)]
    Material(cmd::material::MaterialCmd),
    /// The trust store kept for verification: list, add, remove root certificates.
    #[command(subcommand)]
    Trust(cmd::trust::TrustCmd),
    /// Verify a sealed OFD, a signed PDF, an SES signature, GM/T 0010 signed data or a seal.
    Verify(cmd::verify::VerifyArgs),
    /// The pre-filing archive: check files (四性检测) and verify packages.
    #[command(subcommand)]
    Archive(cmd::archive::ArchiveCmd),
    /// 亮证: verify a presentation QR offline.
    #[command(subcommand)]
    Present(cmd::present::PresentCmd),
    /// Trust bundles for offline verification.
    #[command(subcommand)]
    Bundle(cmd::present::BundleCmd),
    /// The transparency log: follow it as a monitor.
    #[command(subcommand)]
    Log(cmd::log::LogCmd),
    /// The service's keys at rest: rotate the key-encryption key.
    #[command(subcommand)]
    Keys(cmd::keys::KeysCmd),
    /// Create the development PKI (never for production).
    DevKeys(cmd::dev_keys::DevKeysArgs),
    /// Run the service: the HTTP API over SQLite (default) or PostgreSQL.
    Serve(cmd::serve::ServeArgs),
    /// Witness a transparency log: cosign its checkpoints (C2SP tlog-witness add-checkpoint).
    Witness(cmd::witness::WitnessArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // The service writes to sockets, not pipes; a closed connection must not end it.
    if !matches!(cli.command, Command::Serve(_) | Command::Witness(_)) {
        restore_sigpipe();
    }
    let result = match cli.command {
        Command::Sm2(c) => cmd::sm2::run(c),
        Command::Sm3(a) => cmd::sm3::run(a),
        Command::Cert(c) => cmd::cert::run(c),
        Command::Keys(c) => cmd::keys::run(c),
        Command::Envelope(c) => cmd::envelope::run(c),
        Command::Crl(c) => cmd::crl::run(c),
        Command::Ts(c) => cmd::ts::run(c),
        Command::Seal(c) => cmd::seal::run(c),
        Command::Verify(a) => cmd::verify::run(a),
        Command::Trust(c) => cmd::trust::run(c),
        Command::Material(c) => cmd::material::run(c),
        Command::Licence(c) => cmd::licence::run(c),
        Command::Archive(c) => cmd::archive::run(c),
        Command::Present(c) => cmd::present::run(c),
        Command::Bundle(c) => cmd::present::run_bundle(c),
        Command::Log(c) => cmd::log::run(c),
        Command::DevKeys(a) => cmd::dev_keys::run(a),
        Command::Serve(a) => cmd::serve::run(a),
        Command::Witness(a) => cmd::witness::run(a),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("yinxin: {}", e.message);
            ExitCode::from(e.code)
        }
    }
}

/// Rust ignores SIGPIPE, so `yinxin verify x.ofd | head` would panic on the closed pipe. A
/// command-line tool should end quietly instead, as the shell's own tools do.
#[cfg(unix)]
fn restore_sigpipe() {
    // SAFETY: called first thing in main, before any thread exists; SIG_DFL is a valid handler.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

#[cfg(not(unix))]
fn restore_sigpipe() {}
