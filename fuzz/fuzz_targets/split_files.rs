//! Shared by the targets that fuzz a directory (a bag, an exported package): the input is cut at
//! 0xFF bytes and each piece written to the next of `names` under `dir` (parents made).

pub fn write_split(dir: &std::path::Path, names: &[&str], data: &[u8]) {
    for (name, bytes) in names.iter().zip(data.split(|b| *b == 0xff)) {
        let p = dir.join(name);
        if let Some(parent) = p.parent() {
            let _ = std::fs::create_dir_all(parent);
        }
        let _ = std::fs::write(p, bytes);
    }
}
