// The browser's device code (crates/server/assets/cosign.js) driven over stdin/stdout by
// crates/sign/tests/cosign_js.rs, which plays the service in Rust: one JSON request a line, one
// JSON reply a line ({"error": code} when the device refuses).
'use strict';
const path = require('node:path');
const readline = require('node:readline');
const assets = path.join(__dirname, '../../../server/assets');
global.YX = require(path.join(assets, 'sm.js'));
const C = require(path.join(assets, 'cosign.js'));

let pending = null, share = null, nonce = null;
const rl = readline.createInterface({ input: process.stdin });
rl.on('line', (line) => {
  const m = JSON.parse(line);
  let out;
  try {
    switch (m.op) {
      case 'enrol': {
        const r = C.enrolStart(Buffer.from(m.id, 'hex'));
        pending = r.pending;
        out = r.request;
        break;
      }
      case 'enrol_finish':
        share = C.enrolFinish(pending, m.response);
        out = { public_key: C.publicKeyHex(share), share: Buffer.from(C.shareToBytes(share)).toString('hex') };
        break;
      case 'commit': {
        const r = C.commit(share, m.session, m.e);
        nonce = r.nonce;
        out = r.commitment;
        break;
      }
      case 'finish':
        out = C.finish(share, nonce, m.answer).completion;
        break;
      case 'restore':
        share = C.shareFromBytes(new Uint8Array(Buffer.from(m.share, 'hex')));
        out = { public_key: C.publicKeyHex(share) };
        break;
      default:
        out = { error: 'unknown op' };
    }
  } catch (e) {
    out = { error: e.code || String(e) };
  }
  process.stdout.write(JSON.stringify(out) + '\n');
});
