//! Bounded, process-wide memos of what verification works out again and again from the same
//! bytes: a verifier sees the same certificates, CRLs and certificate links in every document a
//! department signs, and would otherwise parse and check them anew each time.
//!
//! A memo holds only what is a pure function of its key: a parse of exactly these bytes, or a
//! signature that verified over exactly these bytes. The key is the bytes themselves, compared
//! in full, or their SM3, so an entry never stands for other input: a changed certificate or CRL
//! is another key and is worked out afresh at once. Failures are never kept. When a memo reaches
//! its bound (entries, or bytes held) it is emptied and fills again, so a flood of distinct
//! inputs costs what it cost without the memo, and memory stays bounded.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;

/// A bounded map from a key to a value worked out from it.
pub struct Memo<K, V> {
    state: Mutex<Option<State<K, V>>>,
    max_entries: usize,
    max_bytes: usize,
}

struct State<K, V> {
    map: HashMap<K, V>,
    bytes: usize,
}

impl<K: Hash + Eq, V: Clone> Memo<K, V> {
    /// An empty memo of at most `max_entries` entries and `max_bytes` bytes (as the caller of
    /// [`Memo::insert`] counts them).
    pub const fn new(max_entries: usize, max_bytes: usize) -> Self {
        Self { state: Mutex::new(None), max_entries, max_bytes }
    }

    /// The value kept for `key`, if any.
    pub fn get<Q>(&self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let state = self.state.lock().ok()?;
        state.as_ref()?.map.get(key).cloned()
    }

    /// Keep `value` for `key`, counting `bytes` against the bound. An entry larger than a quarter
    /// of the bound is not kept (it would empty the memo for itself).
    pub fn insert(&self, key: K, value: V, bytes: usize) {
        if bytes > self.max_bytes / 4 {
            return;
        }
        let Ok(mut state) = self.state.lock() else { return };
        let s = state.get_or_insert_with(|| State { map: HashMap::new(), bytes: 0 });
        if s.map.len() >= self.max_entries || s.bytes + bytes > self.max_bytes {
            s.map.clear();
            s.bytes = 0;
        }
        if s.map.insert(key, value).is_none() {
            s.bytes += bytes;
        }
    }
}

impl<V: Clone> Memo<Box<[u8]>, V> {
    /// The value parsed from `bytes`: kept from an earlier call, or made by `parse` now and
    /// kept (counted as twice the bytes: the key and what was parsed from them). A failure is
    /// returned and not kept.
    pub fn parsed<E>(&self, bytes: &[u8], parse: impl FnOnce(&[u8]) -> Result<V, E>) -> Result<V, E> {
        if let Some(v) = self.get(bytes) {
            return Ok(v);
        }
        let v = parse(bytes)?;
        self.insert(bytes.into(), v.clone(), 2 * bytes.len());
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_by_entries_and_bytes() {
        let m: Memo<Vec<u8>, u32> = Memo::new(3, 100);
        for i in 0..3u8 {
            m.insert(vec![i], u32::from(i), 10);
        }
        assert_eq!(m.get(&[2u8][..]), Some(2));
        // The fourth entry empties the memo first.
        m.insert(vec![9], 9, 10);
        assert_eq!(m.get(&[0u8][..]), None);
        assert_eq!(m.get(&[9u8][..]), Some(9));
        // Too large to keep at all.
        m.insert(vec![7], 7, 26);
        assert_eq!(m.get(&[7u8][..]), None);

        let m: Memo<Vec<u8>, u32> = Memo::new(100, 100);
        for i in 0..4u8 {
            m.insert(vec![i], u32::from(i), 25);
        }
        assert_eq!(m.get(&[0u8][..]), Some(0));
        // The fifth would pass the byte bound: the memo is emptied first.
        m.insert(vec![4], 4, 25);
        assert_eq!(m.get(&[0u8][..]), None);
        assert_eq!(m.get(&[4u8][..]), Some(4));
    }
}
