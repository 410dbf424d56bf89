//! The Data Connect import processor: like Symmetry's MultiMaxImport service it wakes on an
//! interval, takes pending DataImportTable rows in RecordCount order, applies them to multiMAX
//! and writes their RecordStatus.

// ASSUMPTION: "pending" is RecordStatus = 0 with ImportNow = 1; rows written with ImportNow = 0
// (or NULL) wait for Symmetry's scheduled import, which the simulator runs only when asked
// (`run_scheduled_import`), so a writer that forgets ImportNow sees its row stay pending.
// ASSUMPTION: processed rows stay in DataImportTable (status updated in place, never deleted),
// and a failed row changes nothing in multiMAX.

pub mod apply;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use tokio::sync::watch;

use self::apply::{apply, ImportRow};
use crate::model::schema::ObjectId;
use crate::state::SimState;
use crate::value::Value;

/// Pause switch and progress counter, shared with the control API.
#[derive(Debug)]
pub struct ProcessorControl {
    paused: AtomicBool,
    /// Completed ticks (a paused tick counts too), so tests can wait for "the processor had its
    /// chance" without timing assumptions.
    ticks: watch::Sender<u64>,
}

impl Default for ProcessorControl {
    fn default() -> Self {
        ProcessorControl { paused: AtomicBool::new(false), ticks: watch::channel(0).0 }
    }
}

impl ProcessorControl {
    pub fn pause(&self) {
        self.paused.store(true, Ordering::SeqCst);
    }

    pub fn resume(&self) {
        self.paused.store(false, Ordering::SeqCst);
    }

    pub fn is_paused(&self) -> bool {
        self.paused.load(Ordering::SeqCst)
    }

    pub fn ticks(&self) -> u64 {
        *self.ticks.borrow()
    }

    /// Waits until the processor has completed `count` more ticks than `after`.
    pub async fn wait_for_ticks(&self, after: u64, count: u64) {
        let mut rx = self.ticks.subscribe();
        // The sender lives as long as `self`, so this cannot fail while we hold `&self`.
        let _ = rx.wait_for(|t| *t >= after + count).await;
    }
}

/// The background loop; ends when `shutdown` fires.
pub async fn run(state: Arc<SimState>, mut shutdown: watch::Receiver<bool>) {
    let mut interval = tokio::time::interval(state.config.process_interval);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = interval.tick() => {}
            _ = shutdown.changed() => return,
        }
        if !state.processor.is_paused() {
            let delay = state.faults.processor_delay();
            if !delay.is_zero() {
                tokio::select! {
                    _ = tokio::time::sleep(delay) => {}
                    _ = shutdown.changed() => return,
                }
            }
            let processed = process_pending(&state, false);
            if processed > 0 {
                tracing::debug!(processed, "import processor applied rows");
            }
        }
        state.processor.ticks.send_modify(|t| *t += 1);
    }
}

/// Applies every pending row now; with `include_scheduled`, also rows without ImportNow.
/// Returns how many rows were processed.
pub fn process_pending(state: &SimState, include_scheduled: bool) -> usize {
    let now = state.now_local();
    let codes = &state.config.status_codes;
    let mut catalog = state.lock_catalog();
    let status_index = ObjectId::DataImportTable.column_index("RecordStatus").expect("schema has RecordStatus");
    let import_now_index = ObjectId::DataImportTable.column_index("ImportNow").expect("schema has ImportNow");
    let pending: Vec<usize> = catalog
        .data_import
        .rows()
        .iter()
        .enumerate()
        .filter(|(_, row)| row[status_index] == Value::Int(0))
        .filter(|(_, row)| include_scheduled || row[import_now_index] == Value::Bit(true))
        .map(|(i, _)| i)
        .collect();
    for &index in &pending {
        let row = ImportRow::from_stored(&catalog.data_import.rows()[index]);
        let outcome = apply(&mut catalog.multimax, &row, now);
        catalog.data_import.rows_mut()[index][status_index] = Value::Int(outcome.status(codes));
    }
    pending.len()
}
