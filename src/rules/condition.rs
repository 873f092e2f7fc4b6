//! A rule's `when`: a CEL expression, compiled by the `cel` crate, checked against the
//! attributes a response has, and evaluated against one response.

use std::fmt;
use std::sync::Arc;

use cel::common::ast::Expr;
use cel::{Context, Env, IdedExpr, Program, Value as Cel};
use serde_json::{Map, Value};

/// The longest condition, in bytes.
pub const MAX_LENGTH: usize = 2048;
/// The deepest nesting of brackets, checked before the parser sees the text (its recursion is
/// bounded too, but a short text should not reach that bound).
pub const MAX_NESTING: usize = 32;

/// Why a condition was refused, and where (1-based line and column) when it points at a place.
#[derive(Debug, Clone, PartialEq)]
pub struct CompileError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for CompileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}", self.message)
        } else {
            write!(
                f,
                "line {}, column {}: {}",
                self.line, self.column, self.message
            )
        }
    }
}

fn refused(message: impl Into<String>) -> CompileError {
    CompileError {
        line: 0,
        column: 0,
        message: message.into(),
    }
}

/// The attributes a condition may read: a sample response (every field present), the paths
/// under which any key is allowed (the caller's own `metadata`), and what each root means.
#[derive(Debug, Clone)]
pub struct Attributes {
    sample: Map<String, Value>,
    open: Vec<Vec<String>>,
}

impl Attributes {
    /// `sample` must have every field a response can have; arrays need no elements (their
    /// contents are not checked); `open` paths are dotted (`account.account.metadata`).
    pub fn new(sample: Map<String, Value>, open: &[&str]) -> Attributes {
        Attributes {
            sample,
            open: open
                .iter()
                .map(|p| p.split('.').map(String::from).collect())
                .collect(),
        }
    }

    /// The sample response the attributes were taken from.
    pub fn sample(&self) -> &Map<String, Value> {
        &self.sample
    }

    /// Every attribute a condition can name, dotted, with its JSON type: the reference the
    /// README and the rules' 400 answers point to.
    pub fn catalogue(&self) -> Vec<(String, &'static str)> {
        let mut out = Vec::new();
        fn walk(
            prefix: &str,
            v: &Value,
            open: &[Vec<String>],
            out: &mut Vec<(String, &'static str)>,
        ) {
            let is_open = open.iter().any(|o| o.join(".") == prefix);
            let kind = match v {
                Value::Null => "null",
                Value::Bool(_) => "bool",
                Value::Number(_) => "number",
                Value::String(_) => "string",
                Value::Array(_) => "list",
                Value::Object(_) if is_open => "map (any key)",
                Value::Object(_) => "object",
            };
            if !prefix.is_empty() {
                out.push((prefix.to_string(), kind));
            }
            if let (Value::Object(m), false) = (v, is_open) {
                for (k, v) in m {
                    let p = match prefix {
                        "" => k.clone(),
                        _ => format!("{prefix}.{k}"),
                    };
                    walk(&p, v, open, out);
                }
            }
        }
        walk(
            "",
            &Value::Object(self.sample.clone()),
            &self.open,
            &mut out,
        );
        out
    }

    /// Checks that `path` (root first) names something a response has, and says how much of
    /// it is structure the input can be cut down to: all of it, or up to the list or open map
    /// it goes through (whose contents are read whole).
    fn check(&self, path: &[&str]) -> Result<usize, String> {
        let mut here: Option<&Value> = None;
        for (i, seg) in path.iter().enumerate() {
            let walked = &path[..i];
            if self
                .open
                .iter()
                .any(|o| o.len() == walked.len() && o.iter().zip(walked).all(|(a, b)| a == b))
            {
                return Ok(i);
            }
            let next = match here {
                None => self.sample.get(*seg),
                Some(Value::Object(m)) => m.get(*seg),
                // Elements of a list are not described: anything below one goes.
                Some(Value::Array(_)) => return Ok(i),
                Some(_) => {
                    return Err(format!(
                        "{} has no field {seg:?}: it is not an object",
                        walked.join(".")
                    ))
                }
            };
            match next {
                Some(v) => here = Some(v),
                None if i == 0 => {
                    return Err(format!(
                        "unknown attribute {seg:?}: a condition reads the response's fields \
                         ({}) and velocity",
                        self.sample.keys().cloned().collect::<Vec<_>>().join(", ")
                    ))
                }
                None => {
                    return Err(format!(
                        "unknown attribute {:?}: {} has no field {seg:?}",
                        path[..=i].join("."),
                        walked.join(".")
                    ))
                }
            }
        }
        Ok(path.len())
    }
}

/// The parts of a response a set of conditions reads, as a tree of field names: a condition
/// is evaluated against the response cut down to them, so a rule reading three fields does
/// not pay for converting two hundred.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Reads {
    /// Field → what is read below it; `None` when the whole value is read.
    fields: std::collections::BTreeMap<String, Option<Reads>>,
}

impl Reads {
    fn add(&mut self, path: &[String]) {
        let Some((first, rest)) = path.split_first() else {
            return;
        };
        let slot = self
            .fields
            .entry(first.clone())
            .or_insert_with(|| Some(Reads::default()));
        match (slot, rest.is_empty()) {
            (slot, true) => *slot = None,
            (Some(below), false) => below.add(rest),
            (None, false) => {}
        }
    }

    /// Adds everything `other` reads.
    pub fn merge(&mut self, other: &Reads) {
        for (k, below) in &other.fields {
            match below {
                None => {
                    self.fields.insert(k.clone(), None);
                }
                Some(b) => {
                    // A field already read whole stays whole.
                    if let Some(mine) = self
                        .fields
                        .entry(k.clone())
                        .or_insert_with(|| Some(Reads::default()))
                    {
                        mine.merge(b);
                    }
                }
            }
        }
    }

    /// `response` cut down to what is read; a field the response lacks stays absent.
    pub fn cut(&self, response: &Map<String, Value>) -> Map<String, Value> {
        let mut out = Map::new();
        for (k, below) in &self.fields {
            let Some(v) = response.get(k) else { continue };
            let kept = match (below, v) {
                (Some(b), Value::Object(m)) => Value::Object(b.cut(m)),
                _ => v.clone(),
            };
            out.insert(k.clone(), kept);
        }
        out
    }
}

/// A compiled condition.
#[derive(Debug)]
pub struct Condition {
    program: Program,
    reads: Reads,
}

/// One response, converted once for every condition that reads it (cut down to what they
/// read, see [`Reads`]).
pub struct Input<'a> {
    context: Context<'a, 'a>,
}

thread_local! {
    // The standard library's functions and macros, built once per thread (the worker has one).
    static ENV: Arc<Env> = Arc::new(Env::stdlib());
}

fn env() -> Arc<Env> {
    ENV.with(Arc::clone)
}

impl<'a> Input<'a> {
    /// The parts of `response` (a JSON object) that `reads` names; each top-level field
    /// becomes a variable.
    pub fn new(response: &Map<String, Value>, reads: &Reads) -> Input<'a> {
        let mut context = Context::with_env(env());
        for (k, v) in reads.cut(response) {
            // A serde_json value always converts; the error arm is unreachable in practice and
            // leaves the variable undefined (conditions reading it are skipped).
            let _ = context.add_variable(k, v);
        }
        Input { context }
    }
}

fn depth(text: &str) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for c in text.chars() {
        if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '"' | '\'' => quote = Some(c),
            '(' | '[' | '{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            ')' | ']' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

/// 1-based line and column of a 0-based character offset.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut line = 1;
    let mut column = 1;
    for c in text.chars().take(offset) {
        if c == '\n' {
            line += 1;
            column = 1;
        } else {
            column += 1;
        }
    }
    (line, column)
}

/// Where a chain of field selections starts: its root identifier and the fields read, root
/// first; `None` when it starts elsewhere (an index, a call).
fn path_of(mut e: &IdedExpr) -> Option<(Vec<&str>, u64)> {
    let mut fields = Vec::new();
    loop {
        match &e.expr {
            Expr::Ident(name) => {
                fields.push(name.as_str());
                fields.reverse();
                return Some((fields, e.id));
            }
            Expr::Select(s) => {
                fields.push(s.field.as_str());
                e = &s.operand;
            }
            _ => return None,
        }
    }
}

/// Every attribute `e` reads, checked; variables bound by macros (`exists(x, …)`) are not
/// attributes.
fn check_reads(
    e: &IdedExpr,
    attributes: &Attributes,
    bound: &mut Vec<String>,
    reads: &mut Reads,
) -> Result<(), (u64, String)> {
    match &e.expr {
        Expr::Ident(_) | Expr::Select(_) => {
            if let Some((path, id)) = path_of(e) {
                if bound.iter().any(|b| b == path[0]) {
                    return Ok(());
                }
                let depth = attributes.check(&path).map_err(|m| (id, m))?;
                let kept: Vec<String> = path[..depth].iter().map(|p| p.to_string()).collect();
                reads.add(&kept);
                return Ok(());
            }
            if let Expr::Select(s) = &e.expr {
                check_reads(&s.operand, attributes, bound, reads)?;
            }
            Ok(())
        }
        Expr::Call(c) => {
            if let Some(t) = &c.target {
                check_reads(t, attributes, bound, reads)?;
            }
            c.args
                .iter()
                .try_for_each(|a| check_reads(a, attributes, bound, reads))
        }
        Expr::Comprehension(c) => {
            check_reads(&c.iter_range, attributes, bound, reads)?;
            let n = bound.len();
            bound.push(c.iter_var.clone());
            bound.extend(c.iter_var2.clone());
            bound.push(c.accu_var.clone());
            let r = [&c.accu_init, &c.loop_cond, &c.loop_step, &c.result]
                .into_iter()
                .try_for_each(|x| check_reads(x, attributes, bound, reads));
            bound.truncate(n);
            r
        }
        Expr::List(l) => l
            .elements
            .iter()
            .try_for_each(|x| check_reads(x, attributes, bound, reads)),
        Expr::Map(m) => m.entries.iter().try_for_each(|entry| {
            use cel::common::ast::EntryExpr;
            match &entry.expr {
                EntryExpr::MapEntry(me) => {
                    check_reads(&me.key, attributes, bound, reads)?;
                    check_reads(&me.value, attributes, bound, reads)
                }
                EntryExpr::StructField(f) => check_reads(&f.value, attributes, bound, reads),
            }
        }),
        Expr::Struct(_) => Err((e.id, "message construction is not supported".into())),
        Expr::Literal(_) | Expr::Unspecified => Ok(()),
    }
}

impl Condition {
    /// Compiles `text`, refusing what is too long or deep, what does not parse, and what reads
    /// an attribute a response does not have.
    pub fn compile(text: &str, attributes: &Attributes) -> Result<Condition, CompileError> {
        if text.trim().is_empty() {
            return Err(refused("the condition is empty"));
        }
        if text.len() > MAX_LENGTH {
            return Err(refused(format!(
                "the condition is {} bytes; at most {MAX_LENGTH}",
                text.len()
            )));
        }
        if depth(text) > MAX_NESTING {
            return Err(refused(format!(
                "the condition nests brackets {} deep; at most {MAX_NESTING}",
                depth(text)
            )));
        }
        let program = env().compile(text).map_err(|errors| {
            let first = errors.errors.first();
            CompileError {
                line: first.map_or(0, |e| e.pos.0.max(0) as usize),
                column: first.map_or(0, |e| e.pos.1.max(0) as usize),
                message: first.map_or_else(|| errors.to_string(), |e| e.msg.clone()),
            }
        })?;
        let mut reads = Reads::default();
        check_reads(
            program.expression(),
            attributes,
            &mut Vec::new(),
            &mut reads,
        )
        .map_err(|(id, message)| {
            let offset = program
                .source_info()
                .offset_for(id)
                .map_or(0, |(start, _)| start as usize);
            let (line, column) = line_column(text, offset);
            CompileError {
                line,
                column,
                message,
            }
        })?;
        Ok(Condition { program, reads })
    }

    /// What the condition reads of a response.
    pub fn reads(&self) -> &Reads {
        &self.reads
    }

    /// Whether the condition holds; an evaluation error (a missing field, a type mismatch, a
    /// result that is not a boolean) is an `Err` with its message.
    pub fn holds(&self, input: &Input) -> Result<bool, String> {
        match self.program.execute(&input.context) {
            Ok(Cel::Bool(b)) => Ok(b),
            Ok(other) => Err(format!(
                "the condition gave {}, not true or false",
                other.type_of()
            )),
            Err(e) => Err(e.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn attributes() -> Attributes {
        let sample = json!({
            "bot": 0.0, "accounts_linked": 0, "lists": [], "decision": "Real",
            "account": {"country": "", "email": {"disposable": false},
                        "account": {"metadata": {}}},
            "session": {"risk_signals": {"tor": false}, "network": {"ip_address": ""}},
            "velocity": {"accounts_per_ip": 0}
        });
        Attributes::new(
            sample.as_object().unwrap().clone(),
            &["account.account.metadata"],
        )
    }

    fn response() -> Map<String, Value> {
        json!({
            "bot": 0.9, "accounts_linked": 3, "lists": ["vip"], "decision": "Suspicious",
            "account": {"country": "FR", "email": {"disposable": true},
                        "account": {"metadata": {"plan": "free"}}},
            "session": {"risk_signals": {"tor": false}, "network": {"ip_address": "192.0.2.1"}},
            "velocity": {"accounts_per_ip": 4}
        })
        .as_object()
        .unwrap()
        .clone()
    }

    fn eval(text: &str) -> Result<bool, String> {
        let c = Condition::compile(text, &attributes()).map_err(|e| e.to_string())?;
        let r = response();
        let input = Input::new(&r, c.reads());
        c.holds(&input)
    }

    #[test]
    fn the_issues_examples_evaluate_against_a_response() {
        for (text, want) in [
            ("bot > 0.8", true),
            ("account.email.disposable", true),
            ("session.risk_signals.tor", false),
            ("session.network.ip_address == \"192.0.2.1\"", true),
            ("account.country != \"US\"", true),
            ("accounts_linked >= 3", true),
            ("\"vip\" in lists", true),
            ("account.account.metadata.plan == \"free\"", true),
            (
                "velocity.accounts_per_ip > 3 && decision == \"Suspicious\"",
                true,
            ),
            ("lists.exists(l, l.startsWith(\"v\"))", true),
        ] {
            assert_eq!(eval(text), Ok(want), "{text}");
        }
    }

    #[test]
    fn a_syntax_error_names_its_position() {
        let e = Condition::compile("bot > ", &attributes()).unwrap_err();
        assert_eq!((e.line, e.column), (1, 7), "{e}");
        let e = Condition::compile("bot >\n  && lists", &attributes()).unwrap_err();
        assert_eq!(e.line, 2, "{e}");
    }

    #[test]
    fn unknown_attributes_are_refused_where_they_are_written() {
        let e =
            Condition::compile("bot > 0.5 && acount.country == \"US\"", &attributes()).unwrap_err();
        assert_eq!((e.line, e.column), (1, 14), "{e}");
        assert!(e.message.contains("acount"), "{e}");
        let e = Condition::compile("account.email.dispsable", &attributes()).unwrap_err();
        assert!(e.message.contains("account.email.dispsable"), "{e}");
        let e = Condition::compile("bot.value > 1", &attributes()).unwrap_err();
        assert!(e.message.contains("not an object"), "{e}");
        // Under the caller's own metadata any key goes; macro variables are not attributes.
        assert!(Condition::compile("account.account.metadata.anything", &attributes()).is_ok());
        assert!(Condition::compile("lists.all(x, x != \"block\")", &attributes()).is_ok());
        assert!(Condition::compile("lists.all(x, y != \"block\")", &attributes()).is_err());
    }

    #[test]
    fn size_and_nesting_are_limited() {
        let long = format!("bot > 0.5{}", " && bot > 0.5".repeat(200));
        assert!(Condition::compile(&long, &attributes())
            .unwrap_err()
            .message
            .contains("bytes"));
        let deep = format!("{}bot > 0.5{}", "(".repeat(40), ")".repeat(40));
        assert!(Condition::compile(&deep, &attributes())
            .unwrap_err()
            .message
            .contains("deep"));
        // Brackets inside strings do not count.
        let quoted = format!("account.country == \"{}\"", "(".repeat(40));
        assert!(Condition::compile(&quoted, &attributes()).is_ok());
    }

    #[test]
    fn evaluation_errors_are_reported_not_raised() {
        // A field this response lacks, a result that is not a boolean, a division by zero.
        assert!(eval("account.account.metadata.missing == 1").is_err());
        assert!(eval("bot").unwrap_err().contains("not true or false"));
        assert!(eval("accounts_linked / 0 == 1").is_err());
    }

    #[test]
    fn the_catalogue_lists_every_attribute_once() {
        let c = attributes().catalogue();
        let names: Vec<&str> = c.iter().map(|(n, _)| n.as_str()).collect();
        assert!(names.contains(&"account.email.disposable"));
        assert!(names.contains(&"velocity.accounts_per_ip"));
        assert!(c.contains(&("account.account.metadata".into(), "map (any key)")));
        let mut sorted = names.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), names.len());
    }

    #[test]
    fn a_condition_reads_only_the_parts_it_names() {
        let c = Condition::compile(
            "account.email.disposable && lists.exists(l, l == \"vip\") && \
             has(account.account.metadata.plan)",
            &attributes(),
        )
        .unwrap();
        let cut = c.reads().cut(&response());
        assert_eq!(
            Value::Object(cut),
            json!({"account": {"email": {"disposable": true},
                               "account": {"metadata": {"plan": "free"}}},
                   "lists": ["vip"]})
        );
        // Reading a whole object and one of its fields keeps the whole object.
        let mut both = Reads::default();
        both.merge(c.reads());
        both.merge(
            Condition::compile("size(account) > 0", &attributes())
                .unwrap()
                .reads(),
        );
        assert_eq!(both.cut(&response())["account"], response()["account"]);
        // A field the response lacks stays absent: the condition fails as it would on the whole.
        let mut r = response();
        r.remove("account");
        let input = Input::new(&r, c.reads());
        assert!(c.holds(&input).is_err());
    }
}
