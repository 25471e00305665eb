//! Every parser takes any bytes without panicking, and whatever it accepts it writes back
//! byte for byte (one spelling per value), for random input and for one-byte mutations of
//! valid input.

use proptest::prelude::*;
use yinxin_tlog::Hash;
use yinxin_tlog::checkpoint::{Checkpoint, SignedCheckpoint};
use yinxin_tlog::entry::Entry;
use yinxin_tlog::note::{Note, VerifierKey};
use yinxin_tlog::signature::Sm2NoteVerifier;
use yinxin_tlog::tile::{EntryBundle, TilePath};
use yinxin_tlog::tlog_proof::TlogProof;
use yinxin_tlog::witness::AddCheckpoint;

const NOTE: &str = "yinxin.example/log\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n\u{2014} yinxin.example/log Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n\u{2014} w.example jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n";

fn check_all(bytes: &[u8]) {
    if let Ok(n) = Note::parse(bytes) {
        assert_eq!(n.to_bytes(), bytes);
    }
    if let Ok(c) = SignedCheckpoint::parse_unverified(bytes) {
        assert_eq!(c.to_bytes(), bytes);
        assert_eq!(c.checkpoint().to_text().unwrap(), c.note().text());
    }
    if let Ok(s) = core::str::from_utf8(bytes) {
        if let Ok(c) = Checkpoint::parse_text(s) {
            assert_eq!(c.to_text().unwrap(), s);
        }
        match TilePath::parse(s) {
            Ok(TilePath::Hashes(id)) => assert_eq!(id.path(), s),
            Ok(TilePath::Entries(id)) => assert_eq!(id.path(), s),
            Err(_) => {}
        }
        if let Ok(v) = VerifierKey::parse(s) {
            assert_eq!(v.to_string(), s);
        }
        let _ = Sm2NoteVerifier::from_vkey(s);
    }
    if let Ok(b) = EntryBundle::parse(bytes) {
        assert_eq!(b.to_bytes(), bytes);
    }
    if let Ok(r) = AddCheckpoint::parse(bytes) {
        assert_eq!(r.to_bytes(), bytes);
    }
    if let Ok(p) = TlogProof::parse(bytes) {
        assert_eq!(p.to_bytes(), bytes);
    }
    if let Ok(e) = Entry::decode(bytes) {
        assert_eq!(e.encode().unwrap(), bytes);
    }
}

fn valid_inputs() -> Vec<Vec<u8>> {
    let h = Hash([3; 32]).to_base64();
    vec![
        NOTE.as_bytes().to_vec(),
        format!("old 5\n{h}\n{h}\n\n{NOTE}").into_bytes(),
        format!("c2sp.org/tlog-proof@v1\nextra AAEC\nindex 7\n{h}\n\n{NOTE}").into_bytes(),
        b"tile/0/x001/x234/067.p/17".to_vec(),
        b"tile/entries/x001/000".to_vec(),
        b"example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k".to_vec(),
        EntryBundle::new(vec![b"a".to_vec(), vec![0; 40]]).unwrap().to_bytes(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        check_all(&bytes);
    }

    #[test]
    fn one_byte_changed_in_valid_input(which in 0usize..7, pos in any::<usize>(), byte in any::<u8>()) {
        let mut v = valid_inputs().swap_remove(which);
        let i = pos % v.len();
        v[i] = byte;
        check_all(&v);
    }

    #[test]
    fn one_byte_removed_from_valid_input(which in 0usize..7, pos in any::<usize>()) {
        let mut v = valid_inputs().swap_remove(which);
        v.remove(pos % v.len());
        check_all(&v);
    }
}

#[test]
fn the_valid_inputs_do_parse() {
    let v = valid_inputs();
    assert!(SignedCheckpoint::parse_unverified(&v[0]).is_ok());
    assert!(AddCheckpoint::parse(&v[1]).is_ok());
    assert!(TlogProof::parse(&v[2]).is_ok());
    assert!(TilePath::parse(core::str::from_utf8(&v[3]).unwrap()).is_ok());
    assert!(TilePath::parse(core::str::from_utf8(&v[4]).unwrap()).is_ok());
    assert!(VerifierKey::parse(core::str::from_utf8(&v[5]).unwrap()).is_ok());
    assert!(EntryBundle::parse(&v[6]).is_ok());
}
