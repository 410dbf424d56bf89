//! Parser for the `q=` mini-language: tokens in, [`Op`]s and [`EntityQuery`]s out.
//!
//! Grammar (one item per top-level comma; commas inside `()` or `{}` do not split):
//! ```text
//! item   := '*' path | path [ '=' value | '(' args ')' | '@' value ('@' value)* | '-' value ]
//! path   := name ('.' name)*
//! value  := '(' value ')' | '{' raw '}' | name '(' args ')' | raw
//! ```
//! Surrounding white space is ignored; empty items (`a,,b`) are skipped.

use super::ast::{EntityQuery, EntityRef, Op, OpKind, Path, Segment, Target, Value};
use super::lexer::{tokenize, Sym, Token, TokenKind};
use super::{parse_guid, QueryError};

/// Parses a flat token list (report filters, subscriptions, actions).
pub fn parse_ops(query: &str) -> Result<Vec<Op>, QueryError> {
    let tokens = tokenize(query)?;
    split_top_level(&tokens, Sym::Comma)?
        .into_iter()
        .map(trim)
        .filter(|item| !item.is_empty())
        .map(|item| parse_op(query, item))
        .collect()
}

/// Parses an entity-endpoint query into its `entity=` segments.
pub fn parse_entity_query(query: &str) -> Result<EntityQuery, QueryError> {
    let mut segments: Vec<Segment> = Vec::new();
    for op in parse_ops(query)? {
        match &op.kind {
            OpKind::Set(path, value) if is_name(path, "entity") => {
                segments.push(Segment { target: parse_target(value)?, ops: Vec::new() });
            }
            _ => match segments.last_mut() {
                Some(segment) => segment.ops.push(op),
                None => return Err(QueryError::new(format!("'{}' comes before any 'entity=' token", op.source))),
            },
        }
    }
    if segments.is_empty() {
        return Err(QueryError::new("The query names no entity (expected 'entity=...')"));
    }
    Ok(EntityQuery { segments })
}

/// Parses `{guid}`, a bare GUID (dashed or 32 hex) or `LogicalId(Type,n)`.
pub fn parse_entity_ref(value: &Value) -> Result<EntityRef, QueryError> {
    if let Some(args) = value.as_call("LogicalId") {
        let [entity_type, id] = args else {
            return Err(QueryError::new("LogicalId takes a type and a number"));
        };
        let id = id.to_text();
        let id = id
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|n| *n <= 9_999_999)
            .ok_or_else(|| QueryError::new(format!("'{id}' is not a logical id (0 to 9999999)")))?;
        return Ok(EntityRef::LogicalId { entity_type: entity_type.to_text().trim().into(), id });
    }
    let text = value.to_text();
    parse_guid(&text)
        .map(EntityRef::Guid)
        .ok_or_else(|| QueryError::new(format!("'{text}' is not a GUID or LogicalId(Type,n)")))
}

fn parse_target(value: &Value) -> Result<Target, QueryError> {
    if let Some(args) = value.as_call("NewEntity") {
        let mut args = args.iter().map(|a| a.to_text().trim().to_string());
        let entity_type =
            args.next().filter(|t| !t.is_empty()).ok_or_else(|| QueryError::new("NewEntity needs an entity type"))?;
        return Ok(Target::New { entity_type, subtype: args.next() });
    }
    parse_entity_ref(value).map(Target::Existing)
}

fn is_name(path: &Path, name: &str) -> bool {
    path.len() == 1 && path[0].eq_ignore_ascii_case(name)
}

fn parse_op(query: &str, item: &[Token]) -> Result<Op, QueryError> {
    let source = query[item[0].start..item[item.len() - 1].end].trim().to_string();
    let error = |what: &str| QueryError::new(format!("Cannot parse '{source}': {what}"));
    if item[0].is_sym(Sym::Star) {
        let (path, rest) = parse_path(&item[1..]).ok_or_else(|| error("expected a collection name after '*'"))?;
        if !rest.is_empty() {
            return Err(error("unexpected text after the collection name"));
        }
        return Ok(Op { kind: OpKind::Clear(path), source });
    }
    let (mut path, rest) = parse_path(item).ok_or_else(|| error("expected a property name"))?;
    let kind = match rest.first().map(|t| &t.kind) {
        None => OpKind::Project(path),
        Some(TokenKind::Sym(Sym::Equals)) => OpKind::Set(path, parse_value(&rest[1..])?),
        Some(TokenKind::Sym(Sym::At)) => {
            let items = split_top_level(&rest[1..], Sym::At)?;
            if items.iter().any(|i| trim(i).is_empty()) {
                return Err(error("an '@' has nothing after it"));
            }
            OpKind::Add(path, items.into_iter().map(parse_value).collect::<Result<_, _>>()?)
        }
        Some(TokenKind::Sym(Sym::Dash)) => {
            if trim(&rest[1..]).is_empty() {
                return Err(error("a '-' has nothing after it"));
            }
            OpKind::Remove(path, parse_value(&rest[1..])?)
        }
        Some(TokenKind::Sym(Sym::OpenParen)) => {
            let close = matching_close(rest, 0).ok_or_else(|| error("unbalanced parentheses"))?;
            if close != rest.len() - 1 {
                return Err(error("unexpected text after ')'"));
            }
            let method = path.pop().unwrap_or_default();
            OpKind::Call { receiver: path, method, args: parse_args(&rest[1..close])? }
        }
        Some(_) => return Err(error("unexpected character after the property name")),
    };
    Ok(Op { kind, source })
}

/// `name(.name)*` at the start of `tokens`; returns the path and the remaining tokens.
fn parse_path(tokens: &[Token]) -> Option<(Path, &[Token])> {
    let mut path = Vec::new();
    let mut rest = tokens;
    loop {
        let (TokenKind::Text(name), tail) = (&rest.first()?.kind, &rest[1..]) else {
            return None;
        };
        let name = name.trim();
        if name.is_empty() {
            return None;
        }
        path.push(name.to_string());
        rest = tail;
        match rest.first() {
            Some(token) if token.is_sym(Sym::Dot) => rest = &rest[1..],
            _ => return Some((path, rest)),
        }
    }
}

fn parse_value(tokens: &[Token]) -> Result<Value, QueryError> {
    let tokens = trim(tokens);
    let Some(first) = tokens.first() else {
        return Ok(Value::Text(String::new()));
    };
    let last = tokens.len() - 1;
    if first.is_sym(Sym::OpenParen) && matching_close(tokens, 0) == Some(last) {
        return parse_value(&tokens[1..last]);
    }
    if first.is_sym(Sym::OpenBrace) && matching_close(tokens, 0) == Some(last) {
        return Ok(Value::Braced(concat(&tokens[1..last]).trim().to_string()));
    }
    if let (TokenKind::Text(name), Some(second)) = (&first.kind, tokens.get(1)) {
        let name = name.trim_start();
        if second.is_sym(Sym::OpenParen) && matching_close(tokens, 1) == Some(last) && is_identifier(name) {
            return Ok(Value::Call {
                name: name.to_string(),
                args: parse_args(&tokens[2..last])?,
                raw: concat(tokens).trim().to_string(),
            });
        }
    }
    Ok(Value::Text(concat(tokens).trim().to_string()))
}

fn parse_args(tokens: &[Token]) -> Result<Vec<Value>, QueryError> {
    if trim(tokens).is_empty() {
        return Ok(Vec::new());
    }
    split_top_level(tokens, Sym::Comma)?.into_iter().map(parse_value).collect()
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn concat(tokens: &[Token]) -> String {
    tokens.iter().map(Token::text).collect()
}

/// Index of the bracket closing the one at `open`, counting both bracket kinds.
fn matching_close(tokens: &[Token], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (i, token) in tokens.iter().enumerate().skip(open) {
        match token.kind {
            TokenKind::Sym(Sym::OpenParen | Sym::OpenBrace) => depth += 1,
            TokenKind::Sym(Sym::CloseParen | Sym::CloseBrace) => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// Splits on `separator` outside brackets; fails on unbalanced brackets.
fn split_top_level(tokens: &[Token], separator: Sym) -> Result<Vec<&[Token]>, QueryError> {
    let mut parts = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (i, token) in tokens.iter().enumerate() {
        match token.kind {
            TokenKind::Sym(Sym::OpenParen | Sym::OpenBrace) => depth += 1,
            TokenKind::Sym(Sym::CloseParen | Sym::CloseBrace) => {
                depth =
                    depth.checked_sub(1).ok_or_else(|| QueryError::new(format!("Unbalanced '{}'", token.text())))?;
            }
            TokenKind::Sym(sym) if sym == separator && depth == 0 => {
                parts.push(&tokens[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    if depth != 0 {
        return Err(QueryError::new("Unbalanced brackets: a '(' or '{' is never closed"));
    }
    parts.push(&tokens[start..]);
    Ok(parts)
}

/// Drops white-space-only text tokens at both ends.
fn trim(tokens: &[Token]) -> &[Token] {
    let blank = |t: &Token| matches!(&t.kind, TokenKind::Text(s) if s.trim().is_empty());
    let start = tokens.iter().position(|t| !blank(t)).unwrap_or(tokens.len());
    let end = tokens.iter().rposition(|t| !blank(t)).map_or(start, |i| i + 1);
    &tokens[start..end]
}
