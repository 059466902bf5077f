//! Group commit: one thread owns the audit store and appends whatever requests
//! are waiting in one transaction, then tells each caller its row is committed.
//! Under load one fsync covers many requests; each response still waits for
//! its own commit, so every acknowledged request is in the log.

use crate::{AuditError, AuditRecord, AuditStore};
use tokio::sync::{mpsc, oneshot};

type Reply = oneshot::Sender<Result<i64, String>>;

#[derive(Clone)]
pub struct AuditWriter {
    queue: mpsc::Sender<(AuditRecord, Reply)>,
}

impl AuditWriter {
    /// Start the writer thread. It stops when every `AuditWriter` clone is dropped.
    pub fn spawn(
        mut store: Box<dyn AuditStore>,
        max_batch: usize,
    ) -> Result<(AuditWriter, std::thread::JoinHandle<()>), AuditError> {
        let max_batch = max_batch.max(1);
        let (tx, mut rx) = mpsc::channel::<(AuditRecord, Reply)>(max_batch * 4);
        let handle = std::thread::Builder::new()
            .name("kordon-audit-writer".into())
            .spawn(move || {
                let mut batch: Vec<(AuditRecord, Reply)> = Vec::with_capacity(max_batch);
                while let Some(first) = rx.blocking_recv() {
                    batch.push(first);
                    while batch.len() < max_batch {
                        match rx.try_recv() {
                            Ok(item) => batch.push(item),
                            Err(_) => break,
                        }
                    }
                    let records: Vec<AuditRecord> = batch.iter().map(|(r, _)| r.clone()).collect();
                    match store.append(&records) {
                        Ok(seqs) => {
                            for ((_, reply), seq) in batch.drain(..).zip(seqs) {
                                let _ = reply.send(Ok(seq));
                            }
                        }
                        Err(e) => {
                            let msg = e.to_string();
                            for (_, reply) in batch.drain(..) {
                                let _ = reply.send(Err(msg.clone()));
                            }
                        }
                    }
                }
            })?;
        Ok((AuditWriter { queue: tx }, handle))
    }

    /// Append `record` and wait until it is committed; returns its sequence number.
    pub async fn record(&self, record: AuditRecord) -> Result<i64, AuditError> {
        let (reply, wait) = oneshot::channel();
        self.queue
            .send((record, reply))
            .await
            .map_err(|_| AuditError::WriterStopped("the writer thread has exited".into()))?;
        match wait.await {
            Ok(Ok(seq)) => Ok(seq),
            Ok(Err(msg)) => Err(AuditError::WriterStopped(msg)),
            Err(_) => Err(AuditError::WriterStopped(
                "the writer thread has exited".into(),
            )),
        }
    }
}
