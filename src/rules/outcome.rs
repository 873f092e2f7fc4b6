//! What the matching rules do to the engine's answer, in a fixed order:
//!
//! 1. Active rules add to their scores (each clamped to 0..1) and name lists to join.
//! 2. The built-in lists decide first, as they do for the engine: `block` makes the account
//!    Fake, `allow` Real, whether the account was in the list already or a rule adds it now.
//! 3. Otherwise, when active rules set decisions, the strictest of them is the decision.
//! 4. Otherwise, when a rule moved a score, the project's thresholds decide on the new
//!    account score; with no rule acting, the engine's decision stands.
//!
//! Shadow rules change nothing: they are reported and counted.

use serde::Serialize;

use super::{Mode, Rule, ScoreComponent};
use crate::engine::incidents::AttackType;
use crate::engine::{fake_account_score, Config};
use crate::schema::{Decision, ReasonOut, Scores};

/// The reason code every acting rule adds.
pub const RULE_REASON: &str = "RULE";

/// A rule that matched, as the response reports it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Matched {
    pub rule: String,
    pub version: u32,
    pub mode: Mode,
}

/// The engine's scores after the rules, and what else the rules asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub scores: Scores,
    /// What the engine alone decided.
    pub engine_decision: Decision,
    /// Lists the account joins now (not those it was in already).
    pub join_lists: Vec<String>,
    pub incidents: Vec<(AttackType, String)>,
    pub matched: Vec<Matched>,
}

fn strictness(d: Decision) -> u8 {
    match d {
        Decision::Real => 0,
        Decision::Suspicious => 1,
        Decision::Fake => 2,
    }
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// Applies `matched` (in order; shadow rules included) to the engine's `scores`.
pub fn apply(scores: &Scores, matched: &[&Rule], thresholds: &Config) -> Outcome {
    let mut out = Outcome {
        scores: scores.clone(),
        engine_decision: scores.decision,
        join_lists: Vec::new(),
        incidents: Vec::new(),
        matched: matched
            .iter()
            .map(|r| Matched {
                rule: r.name.clone(),
                version: r.version,
                mode: r.mode,
            })
            .collect(),
    };
    let active: Vec<&Rule> = matched
        .iter()
        .copied()
        .filter(|r| r.mode == Mode::Active)
        .collect();
    let s = &mut out.scores;
    let mut moved = false;
    let mut ruled: Option<Decision> = None;
    for r in &active {
        let t = &r.then;
        let mut reason = |score: &str, weight: f64| {
            s.reasons.push(ReasonOut {
                code: RULE_REASON.into(),
                score: score.into(),
                weight: round4(weight),
                rule: Some(r.name.clone()),
            })
        };
        if let Some(change) = t.score {
            let slot = match change.component {
                ScoreComponent::Bot => &mut s.bot,
                ScoreComponent::MultipleAccounts => &mut s.multiple_accounts,
                ScoreComponent::RiskSignals => &mut s.risk_signals,
                ScoreComponent::AccountTakeover => &mut s.account_takeover,
            };
            let before = *slot;
            *slot = round4((*slot + change.add).clamp(0.0, 1.0));
            moved |= *slot != before;
            reason(change.component.name(), change.add);
        }
        if let Some(d) = t.decision {
            ruled = Some(match ruled {
                Some(prev) if strictness(prev) >= strictness(d) => prev,
                _ => d,
            });
        }
        if t.decision.is_some() || t.score.is_none() {
            // Decisions, lists and incidents are not weighed: the reason only names the rule.
            reason("decision", if t.decision.is_some() { 1.0 } else { 0.0 });
        }
        for l in &t.add_to_lists {
            if !s.lists.contains(l) && !out.join_lists.contains(l) {
                out.join_lists.push(l.clone());
            }
        }
        if let Some(a) = t.incident {
            out.incidents.push((a, r.name.clone()));
        }
    }
    if moved {
        let fake = fake_account_score(s.bot, s.multiple_accounts, s.risk_signals);
        s.account_score = round4(1.0 - (1.0 - fake) * (1.0 - s.account_takeover));
    }
    // Joining a built-in list leaves the others, as `POST /list/{name}/account/{id}` does.
    for l in &out.join_lists {
        if BUILT_IN_DECIDING.contains(&l.as_str()) {
            s.lists.retain(|x| !BUILT_IN_DECIDING.contains(&x.as_str()));
        }
        s.lists.push(l.clone());
    }
    let in_list = |name: &str| s.lists.iter().any(|l| l == name);
    s.decision = if in_list("block") {
        Decision::Fake
    } else if in_list("allow") {
        Decision::Real
    } else if let Some(d) = ruled {
        d
    } else if moved {
        if s.account_score >= thresholds.fake {
            Decision::Fake
        } else if s.account_score >= thresholds.suspicious {
            Decision::Suspicious
        } else {
            Decision::Real
        }
    } else {
        scores.decision
    };
    out
}

/// The built-in lists that decide, and `main_account`: mutually exclusive memberships.
const BUILT_IN_DECIDING: [&str; 3] = ["allow", "block", "main_account"];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{Actions, ScoreChange};

    fn engine(decision: Decision, lists: &[&str]) -> Scores {
        Scores {
            decision,
            account_score: 0.2,
            bot: 0.1,
            account_takeover: 0.0,
            multiple_accounts: 0.1,
            risk_signals: 0.1,
            accounts_linked: 0,
            lists: lists.iter().map(|l| l.to_string()).collect(),
            reasons: Vec::new(),
        }
    }

    fn rule(name: &str, mode: Mode, then: Actions) -> Rule {
        Rule {
            name: name.into(),
            version: 1,
            when: "true".into(),
            then,
            mode,
            description: String::new(),
            created_at: 0,
        }
    }

    fn decide(d: Decision) -> Actions {
        Actions {
            decision: Some(d),
            ..Actions::default()
        }
    }

    #[test]
    fn the_strictest_rule_decision_wins_and_says_what_the_engine_decided() {
        let a = rule("a", Mode::Active, decide(Decision::Suspicious));
        let b = rule("b", Mode::Active, decide(Decision::Fake));
        let c = rule("c", Mode::Active, decide(Decision::Real));
        let o = apply(
            &engine(Decision::Real, &[]),
            &[&a, &b, &c],
            &Config::default(),
        );
        assert_eq!(o.scores.decision, Decision::Fake);
        assert_eq!(o.engine_decision, Decision::Real);
        let rules: Vec<_> = o.scores.reasons.iter().map(|r| r.rule.clone()).collect();
        assert_eq!(
            rules,
            [Some("a".into()), Some("b".into()), Some("c".into())]
        );
        assert!(o.scores.reasons.iter().all(|r| r.code == RULE_REASON));
        // A rule may also clear the engine's doubt.
        let o = apply(
            &engine(Decision::Suspicious, &[]),
            &[&c],
            &Config::default(),
        );
        assert_eq!(o.scores.decision, Decision::Real);
    }

    #[test]
    fn lists_decide_before_rules() {
        let fake = rule("f", Mode::Active, decide(Decision::Fake));
        let o = apply(
            &engine(Decision::Real, &["allow"]),
            &[&fake],
            &Config::default(),
        );
        assert_eq!(o.scores.decision, Decision::Real);
        let block = rule(
            "b",
            Mode::Active,
            Actions {
                add_to_lists: vec!["block".into(), "review".into()],
                ..Actions::default()
            },
        );
        let real = rule("r", Mode::Active, decide(Decision::Real));
        let o = apply(
            &engine(Decision::Real, &["allow"]),
            &[&block, &real],
            &Config::default(),
        );
        assert_eq!(o.scores.decision, Decision::Fake);
        assert_eq!(o.join_lists, ["block", "review"]);
        assert_eq!(o.scores.lists, ["block", "review"], "block replaces allow");
    }

    #[test]
    fn shadow_rules_change_nothing_but_are_reported() {
        let s = rule("s", Mode::Shadow, decide(Decision::Fake));
        let before = engine(Decision::Real, &[]);
        let o = apply(&before, &[&s], &Config::default());
        assert_eq!(o.scores, before);
        assert_eq!(o.matched[0].mode, Mode::Shadow);
        assert!(o.join_lists.is_empty() && o.incidents.is_empty());
    }

    #[test]
    fn a_score_change_is_clamped_and_decided_by_the_thresholds() {
        let up = rule(
            "up",
            Mode::Active,
            Actions {
                score: Some(ScoreChange {
                    component: ScoreComponent::RiskSignals,
                    add: 2.0,
                }),
                ..Actions::default()
            },
        );
        let o = apply(&engine(Decision::Real, &[]), &[&up], &Config::default());
        assert_eq!(o.scores.risk_signals, 1.0);
        assert_eq!(o.scores.account_score, 1.0);
        assert_eq!(o.scores.decision, Decision::Fake);
        let r = o.scores.reasons.last().unwrap();
        assert_eq!((r.score.as_str(), r.weight), ("risk_signals", 2.0));
    }
}
