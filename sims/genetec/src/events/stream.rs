//! The body of `GET events` on the streaming port: `ConnectionId:{guid}` first, then
//! event parts and `KeepAlive` lines, until the connection is closed.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use bytes::Bytes;
use futures_util::stream;
use tokio::sync::mpsc;
use tokio::time::{interval_at, Instant, Interval, MissedTickBehavior};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::LINE_END;
use crate::live::StreamRegistration;
use crate::state::SimState;

/// Unregisters the stream when its body is dropped (client gone or closed).
struct Registration {
    sim: Arc<SimState>,
    connection_id: Uuid,
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.sim.live().forget_stream(self.connection_id);
    }
}

struct StreamState {
    registration: Registration,
    receiver: mpsc::UnboundedReceiver<Bytes>,
    closer: CancellationToken,
    keepalive: Interval,
    greeted: bool,
}

pub fn body(sim: Arc<SimState>, registration: StreamRegistration, keepalive: Duration) -> Body {
    let StreamRegistration { connection_id, receiver, closer } = registration;
    let mut ticks = interval_at(Instant::now() + keepalive, keepalive);
    ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let state = StreamState {
        registration: Registration { sim, connection_id },
        receiver,
        closer,
        keepalive: ticks,
        greeted: false,
    };
    Body::from_stream(stream::unfold(state, next_chunk))
}

async fn next_chunk(mut state: StreamState) -> Option<(Result<Bytes, std::convert::Infallible>, StreamState)> {
    if !state.greeted {
        state.greeted = true;
        let greeting = format!("ConnectionId:{}{LINE_END}", state.registration.connection_id);
        return Some((Ok(Bytes::from(greeting)), state));
    }
    let chunk = tokio::select! {
        _ = state.closer.cancelled() => return None,
        frame = state.receiver.recv() => frame?,
        _ = state.keepalive.tick() => Bytes::from(format!("KeepAlive{LINE_END}")),
    };
    Some((Ok(chunk), state))
}
