//! `yinxin log monitor`: follow a yinxin transparency log over HTTP tiles with
//! `yinxin_tlog::monitor`. It checks the checkpoint's signature with the log key given on the
//! command line (trust comes from outside the log, never from what it serves), verifies every
//! tile it fetches against the checkpoint's root and every new checkpoint's consistency with the
//! last, and lists the entries from `--since` on, optionally only a department's (`--issuer`) or
//! a holder's (`--holder-tag`, the tag the wallet gives the holder). `--watch` keeps following
//! and exits 1 on the first inconsistency (a fork, a rollback, a tile that does not hash to the
//! root, an entry that is not in its tile).

use crate::io::{CliError, CliResult, EXIT_FAILED, EXIT_OK};
use clap::{Args, Subcommand};
use serde::Serialize;
use std::time::Duration;
use yinxin_tlog::Sm3;
use yinxin_tlog::checkpoint::CheckpointPolicy;
use yinxin_tlog::entry::{Entry, HolderTag};
use yinxin_tlog::monitor::{EntryFilter, Monitor};
use yinxin_tlog::note::NoteVerifier;
use yinxin_tlog::signature::Sm2NoteVerifier;
use yinxin_tlog::tile::{BundleId, EntryBundle, TILE_WIDTH, TileId, TileSet, with_ancestors};

#[derive(Subcommand)]
pub enum LogCmd {
    /// Follow the log: verify checkpoints and tiles, list entries.
    Monitor(MonitorArgs),
}

#[derive(Args)]
pub struct MonitorArgs {
    /// The service's base URL (tiles at URL/tlog/…).
    #[arg(long)]
    url: String,
    /// The log's verifier key (`<origin>+<key id>+<base64>`), obtained out of band.
    #[arg(long)]
    vkey: String,
    /// List entries from this index on.
    #[arg(long, default_value_t = 0)]
    since: u64,
    /// Only entries of this department or seal authority (its code).
    #[arg(long)]
    issuer: Option<String>,
    /// Only entries of this holder: the holder's tag, 64 hex digits.
    #[arg(long)]
    holder_tag: Option<String>,
    /// Keep following; exit 1 on any inconsistency.
    #[arg(long)]
    watch: bool,
    /// Seconds between checkpoint fetches with --watch.
    #[arg(long, default_value_t = 10)]
    interval: u64,
    /// One JSON object a line instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Serialize)]
struct Listed<'a> {
    index: u64,
    kind: String,
    time: u64,
    issuer: &'a str,
    subject: &'a str,
    subject_type: &'a str,
    replaces: &'a str,
    reason: &'a str,
}

pub fn run(c: LogCmd) -> CliResult {
    let LogCmd::Monitor(a) = c;
    monitor(&a)
}

struct Http {
    base: String,
    client: reqwest::blocking::Client,
}

impl Http {
    fn get(&self, path: &str) -> CliResult<Vec<u8>> {
        let url = format!("{}/tlog/{path}", self.base);
        let res = self.client.get(&url).send().map_err(|e| CliError::input(format!("{url}: {e}")))?;
        if !res.status().is_success() {
            return Err(CliError::input(format!("{url}: HTTP {}", res.status())));
        }
        Ok(res.bytes().map_err(|e| CliError::input(format!("{url}: {e}")))?.to_vec())
    }
}

fn inconsistent(e: impl std::fmt::Display) -> CliError {
    CliError { code: EXIT_FAILED, message: format!("the log is inconsistent: {e}") }
}

fn monitor(a: &MonitorArgs) -> CliResult {
    let verifier = Sm2NoteVerifier::from_vkey(&a.vkey).map_err(|e| CliError::usage(format!("--vkey: {e}")))?;
    let holder = match &a.holder_tag {
        Some(h) => {
            let b = hex::decode(h).ok().and_then(|b| <[u8; 32]>::try_from(b).ok());
            Some(HolderTag(b.ok_or_else(|| CliError::usage("--holder-tag: 64 hex digits"))?))
        }
        None => None,
    };
    let filter = EntryFilter { issuer: a.issuer.clone(), holder };
    let policy = CheckpointPolicy {
        origin: verifier.name().to_string(),
        log_keys: vec![Box::new(verifier)],
        witnesses: vec![],
        quorum: 0,
    };
    let http = Http {
        base: a.url.trim_end_matches('/').to_string(),
        client: reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .map_err(|e| CliError::input(e.to_string()))?,
    };
    let mut mon = Monitor::<Sm3>::new(policy, None);
    let mut next = a.since;
    loop {
        let note = http.get("checkpoint")?;
        let size =
            yinxin_tlog::checkpoint::SignedCheckpoint::parse_unverified(&note).map_err(inconsistent)?.checkpoint().size;
        if mon.trusted().is_none_or(|t| t.size != size) {
            // The tiles the checkpoint and its consistency proof need, and the level-0 tiles
            // under the bundles to scan; all are verified against the root before use.
            let mut ids = mon.tiles_needed(size).map_err(inconsistent)?;
            let bundles: Vec<BundleId> =
                (next / TILE_WIDTH..size.div_ceil(TILE_WIDTH)).filter_map(|i| BundleId::in_tree(i, size)).collect();
            ids.extend(bundles.iter().filter_map(|b| TileId::in_tree(0, b.index, size)));
            let mut tiles = TileSet::<Sm3>::new(size);
            for id in with_ancestors(&ids, size) {
                tiles.insert_bytes(id, &http.get(&id.path())?).map_err(inconsistent)?;
            }
            mon.advance(&note, &tiles).map_err(inconsistent)?;
            for b in bundles {
                let bundle = EntryBundle::parse(&http.get(&b.path())?).map_err(inconsistent)?;
                for (index, e) in mon.scan(&tiles, b, &bundle, &filter).map_err(inconsistent)? {
                    if index >= next {
                        print_entry(index, &e, a.json);
                    }
                }
            }
            next = next.max(size);
        }
        if !a.watch {
            return Ok(EXIT_OK);
        }
        std::thread::sleep(Duration::from_secs(a.interval.max(1)));
    }
}

fn print_entry(index: u64, e: &Entry, json: bool) {
    let l = Listed {
        index,
        kind: format!("{:?}", e.kind),
        time: e.time,
        issuer: &e.issuer,
        subject: &e.subject,
        subject_type: &e.subject_type,
        replaces: &e.replaces,
        reason: &e.reason,
    };
    if json {
        if let Ok(s) = serde_json::to_string(&l) {
            println!("{s}");
        }
    } else {
        println!("{}\t{}\t{}\t{}\t{}\t{}", l.index, l.kind, l.time, l.issuer, l.subject, l.subject_type);
    }
}
