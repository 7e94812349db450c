//! Rust files as the rules read them: parsed by `syn`, cut into items, each with the
//! tokens that say what it *is* (comments aside) and the lines that show it.

use proc_macro2::{Delimiter, LineColumn, Span, TokenStream, TokenTree};
use quote::ToTokens;
use std::cell::OnceCell;
use std::ops::Range;
use std::path::Path;
use syn::token::Brace;

/// A Rust file, parsed.
pub(super) struct RustFile {
    pub syntax: syn::File,
    /// The file's lines as written.
    lines: Vec<String>,
    items: OnceCell<Vec<Item>>,
}

impl RustFile {
    /// Parses `text`; the error is a sentence that names `path` and the place.
    pub fn parse(path: &Path, text: String) -> Result<RustFile, String> {
        let syntax = syn::parse_file(&text).map_err(|e| {
            let at = e.span().start();
            format!(
                "{}:{}:{}: not valid Rust ({e}), so the verifier cannot read its items",
                path.display(),
                at.line,
                at.column + 1
            )
        })?;
        Ok(RustFile {
            syntax,
            lines: text.lines().map(String::from).collect(),
            items: OnceCell::new(),
        })
    }

    /// Reads and parses the file at `root/path`: `None` if it cannot be read, the parser's
    /// complaint if it is not Rust.
    pub fn read(root: &Path, path: &Path) -> Option<Result<RustFile, String>> {
        let text = std::fs::read_to_string(root.join(path)).ok()?;
        Some(RustFile::parse(path, text))
    }

    /// The file's lines as written.
    pub fn lines(&self) -> impl Iterator<Item = &str> {
        self.lines.iter().map(String::as_str)
    }

    /// The file's lines with every comment, doc comments too, blanked out: each token
    /// stays at its place, and a `//` inside a string stays code.
    pub fn code_lines(&self) -> Vec<String> {
        self.code(&tokens(&self.syntax), 0..self.lines.len())
    }

    /// The lines strictly inside an item's braces (a function's body, a struct's fields,
    /// an `impl` block's items), comments blanked out; none for an item without braces.
    pub fn body(&self, item: &Item) -> Vec<String> {
        match &item.body {
            Some(lines) if !lines.is_empty() => self.code(&item.tokens, lines.clone()),
            _ => Vec::new(),
        }
    }

    /// The file's top-level items, in order.
    pub fn items(&self) -> &[Item] {
        self.items
            .get_or_init(|| self.syntax.items.iter().map(|i| self.item(i)).collect())
    }

    fn item(&self, item: &syn::Item) -> Item {
        use syn::Item as I;
        let tokens = tokens(item);
        let (key, braces) = match item {
            // `const fn f` and `async fn f` are functions too: the key is what it is called.
            I::Fn(f) => (format!("fn {}", f.sig.ident), Some(&f.block.brace_token)),
            I::Struct(s) => (
                format!("struct {}", s.ident),
                match &s.fields {
                    syn::Fields::Named(fields) => Some(&fields.brace_token),
                    _ => None,
                },
            ),
            I::Enum(e) => (format!("enum {}", e.ident), Some(&e.brace_token)),
            I::Union(u) => (format!("union {}", u.ident), Some(&u.fields.brace_token)),
            I::Trait(t) => (format!("trait {}", t.ident), Some(&t.brace_token)),
            I::TraitAlias(t) => (format!("trait {}", t.ident), None),
            I::Type(t) => (format!("type {}", t.ident), None),
            I::Const(c) => (format!("const {}", c.ident), None),
            I::Static(s) => (format!("static {}", s.ident), None),
            I::Mod(m) => (
                format!("mod {}", m.ident),
                m.content.as_ref().map(|(b, _)| b),
            ),
            I::Macro(syn::ItemMacro {
                ident: Some(name), ..
            }) => (format!("macro_rules! {name}"), None),
            // An `impl` block is known by its header, as written: `impl<T> Drop for Pool<T>`.
            I::Impl(i) => {
                let header = self.code_between(
                    &tokens,
                    i.impl_token.span.start(),
                    i.brace_token.span.open().start(),
                );
                (header, Some(&i.brace_token))
            }
            // `use` lines, macro calls and the rest: their code (its start) is their name.
            _ => (self.code_of(&tokens), None),
        };
        let inner = match item {
            I::Impl(i) => i.items.iter().map(|i| self.impl_item(i)).collect(),
            _ => Vec::new(),
        };
        self.new_item(key, tokens, braces, inner)
    }

    fn impl_item(&self, item: &syn::ImplItem) -> Item {
        use syn::ImplItem as I;
        let tokens = tokens(item);
        let (key, braces) = match item {
            I::Fn(f) => (format!("fn {}", f.sig.ident), Some(&f.block.brace_token)),
            I::Const(c) => (format!("const {}", c.ident), None),
            I::Type(t) => (format!("type {}", t.ident), None),
            _ => (self.code_of(&tokens), None),
        };
        self.new_item(key, tokens, braces, Vec::new())
    }

    fn new_item(
        &self,
        key: String,
        tokens: Vec<Token>,
        braces: Option<&Brace>,
        inner: Vec<Item>,
    ) -> Item {
        let lines = match (tokens.first(), tokens.last()) {
            (Some(first), Some(last)) => first.span.start().line - 1..last.span.end().line,
            _ => 0..0,
        };
        // `// Add …` is a comment, so it is looked for in the item's lines as written.
        let adds = self.lines[lines]
            .iter()
            .any(|l| l.trim_start().starts_with("// Add"));
        Item {
            key,
            code: tokens
                .iter()
                .map(|t| t.text.as_str())
                .collect::<Vec<_>>()
                .join(" "),
            learners: adds || calls_macro(&tokens, "todo"),
            // From the line after the opening brace's to the line before the closing one's.
            body: braces.map(|b| b.span.open().start().line..b.span.close().start().line - 1),
            tokens,
            inner,
        }
    }

    /// The code of an item that has no name of its own, squeezed, as far as it tells
    /// items apart.
    fn code_of(&self, tokens: &[Token]) -> String {
        let (Some(first), Some(last)) = (tokens.first(), tokens.last()) else {
            return String::new();
        };
        let code = self.code_between(tokens, first.span.start(), last.span.end());
        code.chars().take(60).collect()
    }

    /// The code from `from` to `to`, comments blanked out and spaces squeezed.
    fn code_between(&self, tokens: &[Token], from: LineColumn, to: LineColumn) -> String {
        let lines = self.code(tokens, from.line - 1..to.line);
        let last = lines.len() - 1;
        let mut code = String::new();
        for (n, line) in lines.iter().enumerate() {
            let end = if n == last { to.column } else { usize::MAX };
            let start = if n == 0 { from.column } else { 0 };
            code.extend(line.chars().take(end).skip(start));
            code.push(' ');
        }
        code.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    /// The 0-based `lines` of the file with only `tokens` kept, the rest blanked out.
    fn code(&self, tokens: &[Token], lines: Range<usize>) -> Vec<String> {
        let source: Vec<Vec<char>> = self.lines[lines.clone()]
            .iter()
            .map(|l| l.chars().collect())
            .collect();
        let mut code: Vec<Vec<char>> = source.iter().map(|l| vec![' '; l.len()]).collect();
        for token in tokens {
            let (start, end) = (token.span.start(), token.span.end());
            // A token may span lines (a string literal): each of its lines gets its part.
            for line in (start.line - 1).max(lines.start)..end.line.min(lines.end) {
                let (from, to) = (&source[line - lines.start], &mut code[line - lines.start]);
                let first = if line == start.line - 1 {
                    start.column
                } else {
                    0
                };
                let last = if line == end.line - 1 {
                    end.column
                } else {
                    from.len()
                };
                if let (Some(to), Some(from)) = (to.get_mut(first..last), from.get(first..last)) {
                    to.copy_from_slice(from);
                }
            }
        }
        code.into_iter().map(|l| l.into_iter().collect()).collect()
    }
}

/// An item of a Rust file, as the rules compare it.
pub(super) struct Item {
    /// What it is and its name: `fn run`, `struct State`, `impl<T> JoinHandle<T>`, or
    /// for a `use` line or a macro call its code.
    pub key: String,
    /// Its tokens, doc comments and comments aside, one space apart: two items are the
    /// same code when these are equal, however they are laid out.
    pub code: String,
    /// The learner writes it: it calls `todo!`, or holds a comment that starts with
    /// `// Add` (a struct whose fields the learner chooses).
    pub learners: bool,
    /// An `impl` block's items: its methods, constants and types.
    pub inner: Vec<Item>,
    tokens: Vec<Token>,
    /// The 0-based lines strictly inside its braces, if it has a body.
    body: Option<Range<usize>>,
}

/// One token of code, groups opened into their delimiters (`(`, `)`, …).
pub(super) struct Token {
    /// As written: `timeout`, `::` is two tokens `:`, a literal with its quotes.
    pub text: String,
    pub span: Span,
}

/// Every token of `code`, in order, without doc comments (`///` and `//!` reach the
/// parser as `#[doc = "…"]` attributes; to the course they are comments).
pub(super) fn tokens(code: &dyn ToTokens) -> Vec<Token> {
    let mut out = Vec::new();
    flatten(code.to_token_stream(), &mut out);
    out
}

fn flatten(stream: TokenStream, out: &mut Vec<Token>) {
    let trees: Vec<TokenTree> = stream.into_iter().collect();
    let mut at = 0;
    while at < trees.len() {
        if let Some(len) = doc_attribute(&trees[at..]) {
            at += len;
            continue;
        }
        let token = |text: &dyn ToString, span| Token {
            text: text.to_string(),
            span,
        };
        match &trees[at] {
            TokenTree::Group(group) => {
                let (open, close) = match group.delimiter() {
                    Delimiter::Parenthesis => ("(", ")"),
                    Delimiter::Brace => ("{", "}"),
                    Delimiter::Bracket => ("[", "]"),
                    Delimiter::None => ("", ""),
                };
                if !open.is_empty() {
                    out.push(token(&open, group.span_open()));
                }
                flatten(group.stream(), out);
                if !close.is_empty() {
                    out.push(token(&close, group.span_close()));
                }
            }
            TokenTree::Ident(ident) => out.push(token(ident, ident.span())),
            TokenTree::Punct(punct) => out.push(token(&punct.as_char(), punct.span())),
            TokenTree::Literal(literal) => out.push(token(literal, literal.span())),
        }
        at += 1;
    }
}

/// How many trees the doc comment at the start of `trees` takes (`#` `[doc = …]`, or
/// `#` `!` `[doc = …]`), if one starts there.
fn doc_attribute(trees: &[TokenTree]) -> Option<usize> {
    let [TokenTree::Punct(hash), rest @ ..] = trees else {
        return None;
    };
    let bang = matches!(rest.first(), Some(TokenTree::Punct(p)) if p.as_char() == '!');
    let is_doc = |tree: Option<&TokenTree>| {
        matches!(tree, Some(TokenTree::Group(g))
            if g.delimiter() == Delimiter::Bracket
                && matches!(g.stream().into_iter().next(), Some(TokenTree::Ident(i)) if i == "doc"))
    };
    (hash.as_char() == '#' && is_doc(rest.get(usize::from(bang)))).then_some(2 + usize::from(bang))
}

/// Does the code call the macro `name!` (`todo!()`, `unimplemented!()`)? In a comment or a
/// string it is not a call.
pub(super) fn calls_macro(tokens: &[Token], name: &str) -> bool {
    tokens.windows(3).any(|w| {
        w[0].text == name && w[1].text == "!" && ["(", "[", "{"].contains(&w[2].text.as_str())
    })
}

/// The names the code calls as functions or methods: every identifier followed by `(`
/// (`support::timeout(…)` calls `timeout`).
pub(super) fn called_names(tokens: &[Token]) -> impl Iterator<Item = &str> {
    tokens.windows(2).filter_map(|w| {
        let name = w[0].text.as_str();
        let ident = name.starts_with(|c: char| c.is_alphabetic() || c == '_');
        (ident && w[1].text == "(").then_some(name)
    })
}

/// Does the code name the path `a::b::…` (`support::tokio`), anywhere?
pub(super) fn names_path(tokens: &[Token], path: &[&str]) -> bool {
    // `a::b` is the tokens `a`, `:`, `:`, `b`.
    let wanted: Vec<&str> = path.iter().flat_map(|s| [":", ":", s]).skip(2).collect();
    tokens
        .windows(wanted.len())
        .any(|w| w.iter().zip(&wanted).all(|(t, s)| t.text == *s))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> RustFile {
        RustFile::parse(Path::new("x.rs"), text.to_string()).unwrap()
    }

    #[test]
    fn items_have_keys_code_and_bodies() {
        let file = parse(
            "//! Doc.\n#![allow(unused)]\nuse std::fmt;\n\n/// Doc.\n#[inline]\npub const fn new() -> u8 {\n    1 // one\n}\n\nimpl<T> Thing<T>\nwhere\n    T: Send,\n{\n    fn id(&self) {}\n}\nstruct S {\n    // Add your fields\n}\nthread_local! { static X: u8 = 1; }\n",
        );
        let items = file.items();
        let keys: Vec<&str> = items.iter().map(|i| i.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "use std::fmt;",
                "fn new",
                "impl<T> Thing<T> where T: Send,",
                "struct S",
                "thread_local! { static X: u8 = 1; }"
            ]
        );
        // Comments and doc comments are not code; attributes are.
        // `->` is two tokens.
        assert_eq!(
            items[1].code,
            "# [ inline ] pub const fn new ( ) - > u8 { 1 }"
        );
        assert_eq!(file.body(&items[1]), ["    1       "]);
        // A struct's fields are its body; a comment there is blanked out.
        let fields = file.body(&items[3]);
        assert!(
            fields.len() == 1 && fields[0].trim().is_empty(),
            "{fields:?}"
        );
        assert_eq!(items[2].inner[0].key, "fn id");
        assert!(!items[1].learners && items[3].learners);
    }

    #[test]
    fn a_parse_error_names_the_file_and_the_place() {
        let error = RustFile::parse(Path::new("src/x.rs"), "fn f() {\n    let = 1;\n}\n".into())
            .err()
            .unwrap();
        assert!(error.starts_with("src/x.rs:2:9: not valid Rust"), "{error}");
    }

    #[test]
    fn a_comment_or_a_string_is_not_code() {
        let file = parse(
            "fn f() {\n    // todo!() later\n    let url = \"http://x\"; // a comment\n    /* { */\n}\n",
        );
        let item = &file.items()[0];
        assert!(!item.learners, "a todo!() in a comment is no call");
        let body = file.body(item);
        assert_eq!(body[1].trim(), "let url = \"http://x\";");
        assert_eq!(body[2].trim(), "");
        let tokens = tokens(&file.syntax);
        assert!(!calls_macro(&tokens, "todo"));
        assert!(calls_macro(
            &super::tokens(&parse("fn f() { todo!(\"x\") }").syntax),
            "todo"
        ));
    }

    #[test]
    fn calls_and_paths_are_read_from_tokens() {
        let file = parse("fn t() { support::timeout(|| x.run(1)); support::tokio::paused(f) }");
        let tokens = tokens(&file.syntax);
        let called: Vec<&str> = called_names(&tokens).collect();
        assert_eq!(called, ["t", "timeout", "run", "paused"]);
        assert!(names_path(&tokens, &["support", "tokio"]));
        assert!(!names_path(&tokens, &["tokio", "support"]));
    }
}
