//! One module per noun.

pub mod archive;
pub mod cert;
pub mod crl;
pub mod dev_keys;
pub mod envelope;
pub mod keys;
pub mod licence;
pub mod log;
pub mod material;
pub mod present;
pub mod seal;
pub mod serve;
pub mod sm2;
pub mod sm3;
pub mod trust;
pub mod ts;
pub mod verify;
pub mod witness;

/// Where the service's configuration and data are, taken as `yinxin serve` takes them: the
/// configuration file, then `YINXIN_…` variables, then these flags.
#[derive(clap::Args)]
pub struct DataArgs {
    /// Configuration file (TOML; see README).
    #[arg(long)]
    pub config: Option<std::path::PathBuf>,
    /// Data directory: the SQLite database, the document store (default ./yinxin-data).
    #[arg(long)]
    pub data_dir: Option<std::path::PathBuf>,
    /// Database URL: sqlite://PATH or postgres://USER@HOST/DB (default: SQLite in the data directory).
    #[arg(long)]
    pub database_url: Option<String>,
}

impl DataArgs {
    /// The configuration these name.
    pub fn load(&self) -> crate::io::CliResult<yinxin_server::Config> {
        let mut cfg = yinxin_server::Config::load(self.config.as_deref()).map_err(crate::io::CliError::usage)?;
        if let Some(d) = &self.data_dir {
            cfg.data_dir = d.clone();
        }
        if let Some(u) = &self.database_url {
            cfg.database_url = Some(u.clone());
        }
        Ok(cfg)
    }
}
