//! Between stdio and the MCP SDK. The SDK silently drops input that is not JSON
//! and lines over its size limit, which leaves a client waiting forever for an
//! answer. This layer reads stdin line by line with a bounded buffer and answers
//! such lines itself with a JSON-RPC error (`-32700` parse error, `-32600` for an
//! oversized message); everything else goes to the SDK. One writer task owns
//! stdout, so SDK responses and these errors never interleave mid-line.

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, DuplexStream};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// Largest accepted message (one line), in bytes.
pub const MAX_LINE: usize = 4 * 1024 * 1024;

/// The background tasks moving bytes between stdio and the SDK.
pub struct Pump {
    reader: JoinHandle<()>,
    drain: JoinHandle<()>,
    writer: JoinHandle<()>,
}

impl Pump {
    /// After the SDK stopped: stop reading stdin and flush what is left to stdout.
    pub async fn finish(self) {
        self.reader.abort();
        let _ = self.drain.await;
        let _ = self.writer.await;
    }
}

fn error_line(code: i64, message: &str) -> Vec<u8> {
    serde_json::json!({ "jsonrpc": "2.0", "id": null,
                        "error": { "code": code, "message": message } })
    .to_string()
    .into_bytes()
}

/// Read one line into `buf` (without the newline), keeping at most `max` bytes.
/// `None` at end of input; `Some(true)` when the line was too long (dropped).
async fn read_line<R: tokio::io::AsyncBufRead + Unpin>(
    r: &mut R,
    buf: &mut Vec<u8>,
    max: usize,
) -> std::io::Result<Option<bool>> {
    buf.clear();
    let mut oversized = false;
    let mut seen = false;
    loop {
        let avail = r.fill_buf().await?;
        if avail.is_empty() {
            return Ok(if seen { Some(oversized) } else { None });
        }
        seen = true;
        let (take, end) = match avail.iter().position(|&b| b == b'\n') {
            Some(i) => (i, Some(i + 1)),
            None => (avail.len(), None),
        };
        if !oversized {
            if buf.len() + take > max {
                oversized = true;
                buf.clear();
            } else {
                buf.extend_from_slice(&avail[..take]);
            }
        }
        match end {
            Some(n) => {
                r.consume(n);
                return Ok(Some(oversized));
            }
            None => {
                let n = avail.len();
                r.consume(n);
            }
        }
    }
}

/// The SDK's side of stdio: what it reads, what it writes, and the pump tasks.
pub fn stdio() -> (DuplexStream, DuplexStream, Pump) {
    let (sdk_in, mut feed) = tokio::io::duplex(1 << 20);
    let (sdk_out, drain_side) = tokio::io::duplex(1 << 20);
    let (tx, mut rx) = mpsc::unbounded_channel::<Vec<u8>>();

    let errors = tx.clone();
    let reader = tokio::spawn(async move {
        let mut stdin = BufReader::new(tokio::io::stdin());
        let mut buf = Vec::new();
        loop {
            match read_line(&mut stdin, &mut buf, MAX_LINE).await {
                Ok(None) | Err(_) => break,
                Ok(Some(true)) => {
                    let _ = errors.send(error_line(
                        -32600,
                        &format!("message larger than {MAX_LINE} bytes"),
                    ));
                }
                Ok(Some(false)) => {
                    let line = buf.trim_ascii();
                    if line.is_empty() {
                        continue;
                    }
                    if let Err(e) = serde_json::from_slice::<serde_json::Value>(line) {
                        let _ = errors.send(error_line(-32700, &format!("parse error: {e}")));
                        continue;
                    }
                    let mut msg = line.to_vec();
                    msg.push(b'\n');
                    if feed.write_all(&msg).await.is_err() {
                        break;
                    }
                }
            }
        }
        let _ = feed.shutdown().await;
    });

    let drain = tokio::spawn(async move {
        let mut lines = BufReader::new(drain_side).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            if tx.send(line.into_bytes()).is_err() {
                break;
            }
        }
    });

    let writer = tokio::spawn(async move {
        let mut out = tokio::io::stdout();
        while let Some(mut line) = rx.recv().await {
            line.push(b'\n');
            if out.write_all(&line).await.is_err() || out.flush().await.is_err() {
                break;
            }
        }
    });

    (
        sdk_in,
        sdk_out,
        Pump {
            reader,
            drain,
            writer,
        },
    )
}
