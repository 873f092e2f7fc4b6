//! Customer rules: a named condition over what the API answers, and what to do when it holds.
//!
//! A rule's `when` is a CEL expression (google/cel-spec) over the authenticate response's own
//! fields by their JSON paths (`bot > 0.8`, `account.email.disposable`, `"vip" in lists`) and
//! the engine's velocity counts (`velocity.accounts_per_ip`). Its `then` changes the decision,
//! adds the account to lists, opens an incident or adds to a score. Rules run after the
//! engine; [`outcome`] combines them with its answer in a fixed order.
//!
//! Everything here is pure: the API stores rules and feeds them responses.
//!
//! - [`condition`]: compiling a `when` (positions of errors, unknown attributes, limits) and
//!   evaluating it against one response.
//! - [`outcome`]: the matching rules' actions applied to the engine's scores and decision.

pub mod condition;
pub mod outcome;

use serde::{Deserialize, Serialize};

use crate::engine::incidents::AttackType;
use crate::engine::reasons::Component;
use crate::schema::time::Millis;
use crate::schema::Decision;

pub use condition::{Attributes, CompileError, Condition, Input, Reads};
pub use outcome::{Matched, Outcome};

/// The most rules one project may have.
pub const MAX_RULES: usize = 100;
/// The most lists one rule may add an account to.
pub const MAX_LISTS: usize = 10;
/// The longest description, in bytes.
pub const MAX_DESCRIPTION: usize = 1024;

/// Whether a matching rule acts or is only counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    Active,
    Shadow,
}

impl Mode {
    pub fn name(self) -> &'static str {
        match self {
            Mode::Active => "active",
            Mode::Shadow => "shadow",
        }
    }
}

/// An addition to one score, clamped to 0..1 after it is added.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ScoreChange {
    pub component: ScoreComponent,
    pub add: f64,
}

/// The scores a rule may move: the four the account score is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScoreComponent {
    Bot,
    MultipleAccounts,
    RiskSignals,
    AccountTakeover,
}

impl ScoreComponent {
    pub const ALL: [ScoreComponent; 4] = [
        ScoreComponent::Bot,
        ScoreComponent::MultipleAccounts,
        ScoreComponent::RiskSignals,
        ScoreComponent::AccountTakeover,
    ];

    pub fn component(self) -> Component {
        match self {
            ScoreComponent::Bot => Component::Bot,
            ScoreComponent::MultipleAccounts => Component::MultipleAccounts,
            ScoreComponent::RiskSignals => Component::RiskSignals,
            ScoreComponent::AccountTakeover => Component::Takeover,
        }
    }

    pub fn name(self) -> &'static str {
        self.component().name()
    }
}

/// What a matching rule does. Every part is optional; a rule with none only counts matches.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Actions {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<Decision>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub add_to_lists: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "attack")]
    pub incident: Option<AttackType>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<ScoreChange>,
}

/// One stored version of a rule: immutable once written.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rule {
    pub name: String,
    /// 1 for the first version, counting every `PUT` of the name.
    pub version: u32,
    pub when: String,
    pub then: Actions,
    pub mode: Mode,
    #[serde(default)]
    pub description: String,
    pub created_at: Millis,
}

/// A rule with its compiled condition.
#[derive(Debug)]
pub struct Compiled {
    pub rule: Rule,
    pub condition: Condition,
}

/// A project's rules, compiled once and evaluated against every response.
#[derive(Debug, Default)]
pub struct RuleSet {
    pub rules: Vec<Compiled>,
    /// Everything the rules read, together.
    reads: Reads,
}

/// A rule whose condition could not be evaluated: it is skipped, and the request goes on.
#[derive(Debug, Clone, PartialEq)]
pub struct Skipped {
    pub rule: String,
    pub error: String,
}

impl RuleSet {
    /// Compiles stored rules. A stored rule that no longer compiles (the attribute it reads was
    /// renamed) is returned as skipped rather than failing every request.
    pub fn compile(rules: Vec<Rule>, attributes: &Attributes) -> (RuleSet, Vec<Skipped>) {
        let mut set = RuleSet::default();
        let mut skipped = Vec::new();
        for rule in rules {
            match Condition::compile(&rule.when, attributes) {
                Ok(condition) => {
                    set.reads.merge(condition.reads());
                    set.rules.push(Compiled { rule, condition });
                }
                Err(e) => skipped.push(Skipped {
                    rule: rule.name.clone(),
                    error: e.to_string(),
                }),
            }
        }
        set.rules.sort_by(|a, b| a.rule.name.cmp(&b.rule.name));
        (set, skipped)
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// `response` converted for these rules: only what they read.
    pub fn input(&self, response: &serde_json::Map<String, serde_json::Value>) -> Input<'_> {
        Input::new(response, &self.reads)
    }

    /// The rules whose condition holds for `input`, in name order, and those that failed.
    pub fn matching(&self, input: &Input) -> (Vec<&Rule>, Vec<Skipped>) {
        let mut matched = Vec::new();
        let mut skipped = Vec::new();
        for c in &self.rules {
            match c.condition.holds(input) {
                Ok(true) => matched.push(&c.rule),
                Ok(false) => {}
                Err(error) => skipped.push(Skipped {
                    rule: c.rule.name.clone(),
                    error,
                }),
            }
        }
        (matched, skipped)
    }
}

/// `incident` is written with the API's attack type names.
mod attack {
    use serde::{Deserialize, Deserializer, Serializer};

    use crate::engine::incidents::AttackType;

    pub fn serialize<S: Serializer>(v: &Option<AttackType>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(a) => s.serialize_str(a.name()),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<AttackType>, D::Error> {
        let name: Option<String> = Option::deserialize(d)?;
        match name.as_deref() {
            None => Ok(None),
            Some("account_takeover") => Ok(Some(AttackType::AccountTakeover)),
            Some("fake_account") => Ok(Some(AttackType::FakeAccount)),
            Some(other) => Err(serde::de::Error::custom(format!(
                "incident must be account_takeover or fake_account, not {other:?}"
            ))),
        }
    }
}
