//! The optional state file: the directory written after every change, atomically
//! (temporary file, then rename), so a crash never leaves half a file.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;

use crate::model::Directory;

#[derive(Debug, thiserror::Error)]
pub enum PersistError {
    #[error("cannot write state file {path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },
    #[error("cannot read state file {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("state file {path} is not a valid directory: {message}")]
    Invalid { path: PathBuf, message: String },
}

#[derive(Debug)]
pub struct StateFile {
    path: PathBuf,
    /// Version of the last snapshot written; older snapshots arriving late are skipped.
    written: Mutex<u64>,
}

impl StateFile {
    pub fn new(path: PathBuf) -> Self {
        StateFile { path, written: Mutex::new(0) }
    }

    /// Loads the directory if the file exists.
    pub fn load(&self) -> Result<Option<Directory>, PersistError> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => return Err(PersistError::Read { path: self.path.clone(), source }),
        };
        let invalid = |message: String| PersistError::Invalid { path: self.path.clone(), message };
        let directory: Directory = serde_json::from_str(&text).map_err(|e| invalid(e.to_string()))?;
        directory.validate().map_err(invalid)?;
        Ok(Some(directory))
    }

    /// Writes `snapshot` (taken at `version`) unless a newer one is already on disk.
    pub fn write(&self, snapshot: &Directory, version: u64) -> Result<(), PersistError> {
        let mut written = self.written.lock().unwrap_or_else(|e| e.into_inner());
        if version < *written {
            return Ok(());
        }
        let error = |source| PersistError::Write { path: self.path.clone(), source };
        let json = serde_json::to_vec_pretty(snapshot).map_err(|e| error(std::io::Error::other(e)))?;
        let file_name = self.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let temporary = self.path.with_file_name(format!(".{file_name}.tmp"));
        let mut file = std::fs::File::create(&temporary).map_err(error)?;
        file.write_all(&json).and_then(|_| file.sync_all()).map_err(error)?;
        std::fs::rename(&temporary, &self.path).map_err(error)?;
        *written = version;
        Ok(())
    }
}
