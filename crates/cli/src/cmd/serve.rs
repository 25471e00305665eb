//! `yinxin serve`: the service. Configuration from `--config FILE` (TOML), then `YINXIN_…`
//! environment variables, then these flags.

use crate::io::{CliError, CliResult, EXIT_OK};
use clap::Args;
use std::path::PathBuf;

#[derive(Args)]
pub struct ServeArgs {
    /// Address to listen on (default 127.0.0.1:8080; port 0 picks a free one).
    #[arg(long)]
    listen: Option<String>,
    #[command(flatten)]
    data: super::DataArgs,
    /// The key directory imported on first start (default keys-dev).
    #[arg(long)]
    key_dir: Option<PathBuf>,
}

pub fn run(a: ServeArgs) -> CliResult {
    let mut cfg = a.data.load()?;
    if let Some(l) = a.listen {
        cfg.listen = l;
    }
    if let Some(k) = a.key_dir {
        cfg.key_dir = k;
    }
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    if cfg.log_json {
        tracing_subscriber::fmt().with_env_filter(filter).json().with_writer(std::io::stderr).init();
    } else {
        tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::input(format!("cannot start the runtime: {e}")))?;
    rt.block_on(yinxin_server::serve(cfg)).map_err(CliError::input)?;
    Ok(EXIT_OK)
}
