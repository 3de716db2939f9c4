//! A JSON array written while it is sent: a large answer (the rollup API, 20,000 cells at
//! scale 10 and ten times more at scale 100) is serialised a chunk at a time as the
//! connection takes it, so a request holds one chunk instead of its whole body (issue 8,
//! memory under load). The bytes are those `axum::Json` of the collected items would send.

use axum::body::{Body, Bytes};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use std::convert::Infallible;

/// Bytes serialised before a chunk is handed to the connection.
const CHUNK: usize = 64 * 1024;

/// An array of `items` as a streamed `application/json` response.
pub fn json_array<T, I>(items: I) -> Response
where
    T: Serialize,
    I: Iterator<Item = T> + Send + 'static,
{
    let chunks = Chunks::new(items, CHUNK).map(Ok::<Bytes, Infallible>);
    ([(header::CONTENT_TYPE, "application/json")], Body::from_stream(futures_util::stream::iter(chunks)))
        .into_response()
}

/// The array's bytes in chunks of about `target` bytes (at least one item each; one item
/// may take a chunk over), the last one closing the array.
struct Chunks<I> {
    items: I,
    target: usize,
    /// `[` was sent.
    opened: bool,
    /// An item was sent (the next one takes a comma).
    any: bool,
    done: bool,
}

impl<I> Chunks<I> {
    fn new(items: I, target: usize) -> Self {
        Self { items, target, opened: false, any: false, done: false }
    }
}

impl<T: Serialize, I: Iterator<Item = T>> Iterator for Chunks<I> {
    type Item = Bytes;

    fn next(&mut self) -> Option<Bytes> {
        if self.done {
            return None;
        }
        let mut buf = Vec::with_capacity(self.target.min(CHUNK) + 1024);
        if !self.opened {
            buf.push(b'[');
            self.opened = true;
        }
        loop {
            let Some(item) = self.items.next() else {
                buf.push(b']');
                self.done = true;
                break;
            };
            let mark = buf.len();
            if self.any {
                buf.push(b',');
            }
            if let Err(e) = serde_json::to_writer(&mut buf, &item) {
                // Not reached for the plain data sent here; the item is left out rather
                // than the array broken.
                tracing::error!(error = %e, "an item of a streamed JSON array did not serialise");
                buf.truncate(mark);
                continue;
            }
            self.any = true;
            if buf.len() >= self.target {
                break;
            }
        }
        Some(Bytes::from(buf))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[derive(Serialize, Clone)]
    struct Item {
        name: String,
        value: Option<i64>,
        ratio: Option<f64>,
        distribution: BTreeMap<String, i64>,
    }

    fn items(n: usize) -> Vec<Item> {
        (0..n)
            .map(|i| Item {
                name: format!("i\"{i}\u{e9}"),
                value: (i % 3 != 0).then_some(i as i64),
                ratio: (i % 2 == 0).then_some(i as f64 / 7.0),
                distribution: BTreeMap::from([("yes".to_owned(), i as i64)]),
            })
            .collect()
    }

    #[test]
    fn the_chunks_make_the_bytes_json_of_the_whole_array_would() {
        for n in [0, 1, 2, 5, 100] {
            let all = items(n);
            let whole = serde_json::to_vec(&all).unwrap();
            for target in [1, 10, 64, 1 << 20] {
                let chunks: Vec<Bytes> = Chunks::new(all.clone().into_iter(), target).collect();
                assert_eq!(chunks.concat(), whole, "{n} items in chunks of {target} bytes");
                if target == 1 {
                    assert_eq!(chunks.len(), n + 1, "one item per chunk, then the closing one");
                }
            }
        }
    }

    #[tokio::test]
    async fn the_response_is_json_with_the_whole_array() {
        let all = items(3000);
        let r = json_array(all.clone().into_iter());
        assert_eq!(r.headers()[header::CONTENT_TYPE], "application/json");
        let body = axum::body::to_bytes(r.into_body(), usize::MAX).await.unwrap();
        assert_eq!(body.to_vec(), serde_json::to_vec(&all).unwrap());
    }
}
