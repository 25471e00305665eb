//! Small helpers over `ciborium::Value`: encode, decode with no trailing bytes, and read arrays
//! item by item with errors that name the item.

use crate::{Result, format_err};
use ciborium::Value;

pub(crate) fn encode(v: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    ciborium::into_writer(v, &mut out).expect("writing CBOR to a Vec cannot fail");
    out
}

pub(crate) fn decode(bytes: &[u8], what: &str) -> Result<Value> {
    let mut rest = bytes;
    let v: Value = ciborium::from_reader(&mut rest).map_err(|e| format_err(format!("{what}: not CBOR ({e})")))?;
    if !rest.is_empty() {
        return Err(format_err(format!("{what}: {} bytes after the CBOR item", rest.len())));
    }
    Ok(v)
}

pub(crate) fn bytes(b: &[u8]) -> Value {
    Value::Bytes(b.to_vec())
}

pub(crate) fn text(s: &str) -> Value {
    Value::Text(s.to_string())
}

pub(crate) fn uint(n: u64) -> Value {
    Value::Integer(n.into())
}

/// An array being read item by item.
pub(crate) struct Items {
    items: std::vec::IntoIter<Value>,
    what: &'static str,
}

impl Items {
    pub(crate) fn new(v: Value, what: &'static str, len: usize) -> Result<Self> {
        match v {
            Value::Array(a) if a.len() == len => Ok(Self { items: a.into_iter(), what }),
            Value::Array(a) => Err(format_err(format!("{what}: {} items where {len} were expected", a.len()))),
            _ => Err(format_err(format!("{what}: not an array"))),
        }
    }

    fn next(&mut self, name: &str) -> Result<Value> {
        self.items.next().ok_or_else(|| format_err(format!("{}: {name} is missing", self.what)))
    }

    pub(crate) fn bytes(&mut self, name: &str) -> Result<Vec<u8>> {
        match self.next(name)? {
            Value::Bytes(b) => Ok(b),
            _ => Err(format_err(format!("{}: {name} is not a byte string", self.what))),
        }
    }

    pub(crate) fn fixed<const N: usize>(&mut self, name: &str) -> Result<[u8; N]> {
        let b = self.bytes(name)?;
        b.try_into().map_err(|b: Vec<u8>| format_err(format!("{}: {name} has {} bytes, not {N}", self.what, b.len())))
    }

    pub(crate) fn text(&mut self, name: &str) -> Result<String> {
        match self.next(name)? {
            Value::Text(s) => Ok(s),
            _ => Err(format_err(format!("{}: {name} is not text", self.what))),
        }
    }

    /// Text, or (as `Err`) an unsigned integer.
    pub(crate) fn text_or_uint(&mut self, name: &str) -> Result<std::result::Result<String, u64>> {
        match self.next(name)? {
            Value::Text(s) => Ok(Ok(s)),
            Value::Integer(i) => {
                Ok(Err(u64::try_from(i).map_err(|_| format_err(format!("{}: {name} is negative", self.what)))?))
            }
            _ => Err(format_err(format!("{}: {name} is neither text nor an unsigned integer", self.what))),
        }
    }

    pub(crate) fn opt_text(&mut self, name: &str) -> Result<Option<String>> {
        match self.next(name)? {
            Value::Text(s) => Ok(Some(s)),
            Value::Null => Ok(None),
            _ => Err(format_err(format!("{}: {name} is neither text nor null", self.what))),
        }
    }

    pub(crate) fn uint(&mut self, name: &str) -> Result<u64> {
        match self.next(name)? {
            Value::Integer(i) => u64::try_from(i).map_err(|_| format_err(format!("{}: {name} is negative", self.what))),
            _ => Err(format_err(format!("{}: {name} is not an unsigned integer", self.what))),
        }
    }

    pub(crate) fn opt_uint(&mut self, name: &str) -> Result<Option<u64>> {
        match self.next(name)? {
            Value::Integer(i) => {
                Ok(Some(u64::try_from(i).map_err(|_| format_err(format!("{}: {name} is negative", self.what)))?))
            }
            Value::Null => Ok(None),
            _ => Err(format_err(format!("{}: {name} is neither an unsigned integer nor null", self.what))),
        }
    }

    pub(crate) fn array(&mut self, name: &str) -> Result<Vec<Value>> {
        match self.next(name)? {
            Value::Array(a) => Ok(a),
            _ => Err(format_err(format!("{}: {name} is not an array", self.what))),
        }
    }

    /// The first item of a format that began with a text tag (`v1`) and now begins with a
    /// small integer (`current`): which of the two it is.
    pub(crate) fn format_tag(&mut self, v1: &str, current: u8) -> Result<u8> {
        match self.next("format tag")? {
            Value::Text(t) if t == v1 => Ok(1),
            Value::Integer(i) if u8::try_from(i).ok() == Some(current) => Ok(current),
            _ => Err(format_err(format!("{}: not a known format (neither {v1:?} nor {current})", self.what))),
        }
    }

    pub(crate) fn tag(&mut self, expected: &str) -> Result<()> {
        let t = self.text("format tag")?;
        if t != expected {
            return Err(format_err(format!("{}: format tag {t:?}, expected {expected:?}", self.what)));
        }
        Ok(())
    }
}

pub(crate) fn to_i64(v: u64, what: &str) -> Result<i64> {
    i64::try_from(v).map_err(|_| format_err(format!("{what} is out of range")))
}
