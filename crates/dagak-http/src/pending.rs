//! Uploads waiting for the user to confirm their import preview, by token. At most
//! [`MAX_PENDING`] wait at once; a new one pushes out the oldest.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use dagak_service::ImportFile;

/// How many uploads may wait for confirmation at once.
const MAX_PENDING: usize = 8;

/// Uploads by token, oldest first.
type Queue = VecDeque<(String, Vec<ImportFile>)>;

#[derive(Clone, Default)]
pub(crate) struct PendingImports(Arc<Mutex<Queue>>);

impl PendingImports {
    /// Keeps `files` and returns the token that commits them.
    pub(crate) fn insert(&self, files: Vec<ImportFile>) -> String {
        let token = uuid::Uuid::new_v4().simple().to_string();
        let mut pending = self.0.lock().unwrap_or_else(|e| e.into_inner());
        while pending.len() >= MAX_PENDING {
            pending.pop_front();
        }
        pending.push_back((token.clone(), files));
        token
    }

    /// The files of `token`, once.
    pub(crate) fn take(&self, token: &str) -> Option<Vec<ImportFile>> {
        let mut pending = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let index = pending.iter().position(|(t, _)| t == token)?;
        pending.remove(index).map(|(_, files)| files)
    }
}
