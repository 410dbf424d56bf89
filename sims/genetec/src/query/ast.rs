//! The shapes a `q=` query can take, independent of what the entities mean.
//!
//! The same token grammar serves the entity endpoint (segments opened by `entity=`),
//! report filters, event subscriptions and actions, so the AST stays generic: an
//! operation names a property path and says what to do with it.

use uuid::Uuid;

/// A dotted property path such as `Status` in `Status.Activate()` or
/// `Cardholder.Guid`. Names keep the client's casing; lookups ignore case.
pub type Path = Vec<String>;

/// A value as written: plain text, a `{…}`-delimited text, or a call expression
/// such as `WiegandStandardCredentialFormat(101,12345)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Text(String),
    Braced(String),
    /// `raw` is the text as sent, used when the value is read as plain text.
    Call {
        name: String,
        args: Vec<Value>,
        raw: String,
    },
}

impl Value {
    /// The value as the text the client meant: braces removed, calls as written.
    pub fn to_text(&self) -> String {
        match self {
            Value::Text(text) | Value::Braced(text) => text.clone(),
            Value::Call { raw, .. } => raw.clone(),
        }
    }

    /// The call's name and arguments when the value is `Name(args)` and the name
    /// matches `expected` (case-insensitively).
    pub fn as_call(&self, expected: &str) -> Option<&[Value]> {
        match self {
            Value::Call { name, args, .. } if name.eq_ignore_ascii_case(expected) => Some(args),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpKind {
    /// `Prop`: read it back in the result.
    Project(Path),
    /// `Prop=value`.
    Set(Path, Value),
    /// `Coll@a@b`.
    Add(Path, Vec<Value>),
    /// `Coll-a`.
    Remove(Path, Value),
    /// `*Coll`.
    Clear(Path),
    /// `Method(args)` (empty receiver) or `Prop.Method(args)`.
    Call { receiver: Path, method: String, args: Vec<Value> },
}

/// One comma-separated token, with the text the client sent for error messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Op {
    pub kind: OpKind,
    pub source: String,
}

impl Op {
    /// Whether the operation changes state (and therefore needs POST).
    pub fn writes(&self) -> bool {
        matches!(self.kind, OpKind::Set(..) | OpKind::Add(..) | OpKind::Remove(..) | OpKind::Clear(..))
    }
}

/// How a segment names its entity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntityRef {
    Guid(Uuid),
    LogicalId { entity_type: String, id: u32 },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Existing(EntityRef),
    New { entity_type: String, subtype: Option<String> },
}

/// `entity=X` followed by the operations that apply to X.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    pub target: Target,
    pub ops: Vec<Op>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntityQuery {
    pub segments: Vec<Segment>,
}

impl EntityQuery {
    /// Whether any part of the query creates or writes (the verb rule: POST).
    pub fn writes(&self) -> bool {
        self.segments.iter().any(|s| matches!(s.target, Target::New { .. }) || s.ops.iter().any(Op::writes))
    }
}
