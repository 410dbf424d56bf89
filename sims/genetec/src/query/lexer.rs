//! Tokenizer for the `q=` mini-language.
//!
//! Escapes are resolved here, once, so that the parser never has to ask whether a
//! comma or a parenthesis was meant literally: `\,` (and `\` before any character)
//! becomes plain text, every unescaped special character becomes a symbol. Each token
//! keeps its byte span so errors can quote the client's own text.

use super::QueryError;

/// A special character of the language (Developer Guide, "special characters").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sym {
    Comma,
    Equals,
    OpenParen,
    CloseParen,
    OpenBrace,
    CloseBrace,
    At,
    Dash,
    Star,
    Dot,
}

impl Sym {
    pub fn as_char(self) -> char {
        match self {
            Sym::Comma => ',',
            Sym::Equals => '=',
            Sym::OpenParen => '(',
            Sym::CloseParen => ')',
            Sym::OpenBrace => '{',
            Sym::CloseBrace => '}',
            Sym::At => '@',
            Sym::Dash => '-',
            Sym::Star => '*',
            Sym::Dot => '.',
        }
    }

    fn from_char(c: char) -> Option<Sym> {
        Some(match c {
            ',' => Sym::Comma,
            '=' => Sym::Equals,
            '(' => Sym::OpenParen,
            ')' => Sym::CloseParen,
            '{' => Sym::OpenBrace,
            '}' => Sym::CloseBrace,
            '@' => Sym::At,
            '-' => Sym::Dash,
            '*' => Sym::Star,
            '.' => Sym::Dot,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenKind {
    /// A run of ordinary characters, escapes already resolved.
    Text(String),
    Sym(Sym),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub kind: TokenKind,
    /// Byte range in the decoded query.
    pub start: usize,
    pub end: usize,
}

impl Token {
    pub fn is_sym(&self, sym: Sym) -> bool {
        self.kind == TokenKind::Sym(sym)
    }

    /// The token's meaning as text: the resolved text, or the symbol's character.
    pub fn text(&self) -> String {
        match &self.kind {
            TokenKind::Text(text) => text.clone(),
            TokenKind::Sym(sym) => sym.as_char().to_string(),
        }
    }
}

/// Splits an already URL-decoded query into tokens.
pub fn tokenize(query: &str) -> Result<Vec<Token>, QueryError> {
    let mut tokens = Vec::new();
    let mut text = String::new();
    let mut text_start = 0;
    let mut chars = query.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        if c == '\\' {
            let Some((_, escaped)) = chars.next() else {
                return Err(QueryError::new("The query ends with an unfinished escape '\\'"));
            };
            if text.is_empty() {
                text_start = at;
            }
            text.push(escaped);
            continue;
        }
        if c == '#' {
            // The guide lists '#' as unsupported.
            return Err(QueryError::new(format!("The character '#' is not supported (position {at})")));
        }
        match Sym::from_char(c) {
            Some(sym) => {
                flush_text(&mut tokens, &mut text, text_start, at);
                tokens.push(Token { kind: TokenKind::Sym(sym), start: at, end: at + 1 });
            }
            None => {
                if text.is_empty() {
                    text_start = at;
                }
                text.push(c);
            }
        }
    }
    flush_text(&mut tokens, &mut text, text_start, query.len());
    Ok(tokens)
}

fn flush_text(tokens: &mut Vec<Token>, text: &mut String, start: usize, end: usize) {
    if !text.is_empty() {
        tokens.push(Token { kind: TokenKind::Text(std::mem::take(text)), start, end });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(q: &str) -> Vec<TokenKind> {
        tokenize(q).unwrap().into_iter().map(|t| t.kind).collect()
    }

    #[test]
    fn escaped_comma_is_text_not_a_separator() {
        assert_eq!(
            kinds(r"Hi\, there,x"),
            vec![TokenKind::Text("Hi, there".into()), TokenKind::Sym(Sym::Comma), TokenKind::Text("x".into())]
        );
    }

    #[test]
    fn backslash_makes_any_special_character_literal() {
        assert_eq!(kinds(r"\CardEvent\(5\)"), vec![TokenKind::Text("CardEvent(5)".into())]);
    }

    #[test]
    fn hash_is_rejected() {
        assert!(tokenize("Name=a#b").is_err());
    }

    #[test]
    fn dangling_escape_is_rejected() {
        assert!(tokenize("Name=a\\").is_err());
    }

    #[test]
    fn spans_point_into_the_query() {
        let tokens = tokenize("ab=cd").unwrap();
        assert_eq!((tokens[2].start, tokens[2].end), (3, 5));
    }
}
