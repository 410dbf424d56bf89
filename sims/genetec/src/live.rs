//! What a Web SDK role keeps in memory only: sessions (one per user and application
//! id, spec §2) with their creation partition and event subscriptions, and the open
//! event streams. Lost on restart, expirable by a fault.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use bytes::Bytes;
use chrono::{DateTime, TimeDelta, Utc};
use serde::Serialize;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use crate::model::{well_known, AccessEvent, AccessEventType};

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct SessionKey {
    /// Lower-cased: user names are case-insensitive.
    pub user: String,
    pub application_id: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Session {
    pub id: Uuid,
    pub started: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    pub creation_partition: Uuid,
    /// Event type → entities whose events this session receives.
    /// ASSUMPTION: subscriptions belong to the (user, application id) session and are
    /// lost with it (spec §8.1 [I]).
    pub subscriptions: BTreeMap<AccessEventType, BTreeSet<Uuid>>,
}

#[derive(Debug)]
struct OpenStream {
    key: SessionKey,
    session_id: Uuid,
    sender: mpsc::UnboundedSender<Bytes>,
    closer: CancellationToken,
}

/// A session as `/_sim/sessions` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct SessionView {
    #[serde(flatten)]
    pub key: SessionKey,
    #[serde(flatten)]
    pub session: Session,
    pub streams: Vec<Uuid>,
}

#[derive(Debug, Default)]
pub struct Live {
    sessions: HashMap<SessionKey, Session>,
    streams: HashMap<Uuid, OpenStream>,
    sessions_started: u64,
}

/// The receiving end of a stream registration.
pub struct StreamRegistration {
    pub connection_id: Uuid,
    pub receiver: mpsc::UnboundedReceiver<Bytes>,
    pub closer: CancellationToken,
}

impl Live {
    /// Finds or starts the session for `key`; `true` when it is new.
    ///
    /// A session idle longer than `idle_timeout` is replaced by a fresh one (losing its
    /// creation partition and subscriptions), unless an event stream holds it open.
    /// ASSUMPTION: an open stream keeps its session alive [I].
    pub fn touch(&mut self, key: &SessionKey, now: DateTime<Utc>, idle_timeout: TimeDelta) -> (Uuid, bool) {
        if let Some(session) = self.sessions.get_mut(key) {
            let streaming = self.streams.values().any(|s| s.session_id == session.id);
            if streaming || now - session.last_seen <= idle_timeout {
                session.last_seen = now;
                return (session.id, false);
            }
        }
        let session = Session {
            id: Uuid::new_v4(),
            started: now,
            last_seen: now,
            creation_partition: well_known::ROOT_PARTITION,
            subscriptions: BTreeMap::new(),
        };
        let id = session.id;
        self.sessions.insert(key.clone(), session);
        self.sessions_started += 1;
        (id, true)
    }

    pub fn session_mut(&mut self, key: &SessionKey) -> Option<&mut Session> {
        self.sessions.get_mut(key)
    }

    pub fn sessions_started(&self) -> u64 {
        self.sessions_started
    }

    /// Ends sessions (all, or one user's) and closes their streams; returns how many.
    pub fn expire(&mut self, user: Option<&str>) -> usize {
        let doomed: Vec<SessionKey> =
            self.sessions.keys().filter(|k| user.is_none_or(|u| k.user.eq_ignore_ascii_case(u))).cloned().collect();
        for key in &doomed {
            self.sessions.remove(key);
        }
        self.streams.retain(|_, stream| {
            let keep = !doomed.contains(&stream.key);
            if !keep {
                stream.closer.cancel();
            }
            keep
        });
        doomed.len()
    }

    pub fn open_stream(&mut self, key: &SessionKey, session_id: Uuid) -> StreamRegistration {
        let (sender, receiver) = mpsc::unbounded_channel();
        let closer = CancellationToken::new();
        let connection_id = Uuid::new_v4();
        let stream = OpenStream { key: key.clone(), session_id, sender, closer: closer.clone() };
        self.streams.insert(connection_id, stream);
        StreamRegistration { connection_id, receiver, closer }
    }

    /// `closeconnection/{id}`: only the session that owns a stream may close it.
    pub fn close_stream(&mut self, key: &SessionKey, connection_id: Uuid) -> bool {
        match self.streams.get(&connection_id) {
            Some(stream) if &stream.key == key => {
                stream.closer.cancel();
                self.streams.remove(&connection_id);
                true
            }
            _ => false,
        }
    }

    /// Called when a stream's body is dropped (client gone or stream closed).
    pub fn forget_stream(&mut self, connection_id: Uuid) {
        self.streams.remove(&connection_id);
    }

    /// Sends `frame` to every stream of every session subscribed to the event.
    pub fn publish(&self, event: &AccessEvent, frame: &Bytes) -> usize {
        let related = [Some(event.door), event.cardholder, event.credential];
        let mut delivered = 0;
        for session in self.sessions.values() {
            let subscribed = session
                .subscriptions
                .get(&event.event_type)
                .is_some_and(|entities| related.iter().flatten().any(|g| entities.contains(g)));
            if !subscribed {
                continue;
            }
            for stream in self.streams.values().filter(|s| s.session_id == session.id) {
                if stream.sender.send(frame.clone()).is_ok() {
                    delivered += 1;
                }
            }
        }
        delivered
    }

    pub fn close_all_streams(&mut self) {
        for stream in self.streams.values() {
            stream.closer.cancel();
        }
        self.streams.clear();
    }

    pub fn views(&self) -> Vec<SessionView> {
        let mut views: Vec<SessionView> = self
            .sessions
            .iter()
            .map(|(key, session)| SessionView {
                key: key.clone(),
                session: session.clone(),
                streams: self.streams.iter().filter(|(_, s)| s.session_id == session.id).map(|(id, _)| *id).collect(),
            })
            .collect();
        views.sort_by(|a, b| a.key.cmp(&b.key));
        views
    }
}
