//! What a gateway does with an imported spec, item by item: the one rule set that both the
//! simulator's import processing and `oaswatch check` apply, so the two cannot drift.
//!
//! Owns the order of the checks and the verdicts ([`plan`]); each cloud declares what differs
//! ([`GatewayRules`] in `provider/<cloud>/rules.rs`: whether models are imported, how paths and
//! names are formed, what an existing route means, and the cloud's own words for each refusal).
//! The rules, their sources in the clouds' documentation and what the simulator leaves out are
//! listed in docs/check.md. Pure: no I/O, no randomness (the simulator adds its internal errors
//! on top), no clock.
//!
//! First, for an import that creates its group (Huawei without a group id): a group of the
//! instance already has the name the new one would get, and the import is refused as a whole.
//! Then, per operation: the group's base path; parameters the gateway cannot map; a route
//! defined twice in the spec (templates and trailing slashes do not tell routes apart); a name
//! twice in the spec; a route the group already has (refused, or left alone, unless replacing);
//! a name another API of the group has. Models, where the cloud imports them: a name the group
//! already has, unless replacing. An API that needs a model that failed is cancelled.

use std::collections::{BTreeSet, HashMap, HashSet};

use serde::Serialize;

use crate::domain::SubtaskKind;
use crate::openapi::{Document, Operation, ParamLocation, Parameter, route_key};

/// Why a gateway refuses an item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rule {
    /// The import creates a group named after the spec's title, and a group of that name exists:
    /// the whole import is refused.
    GroupNameExists,
    /// The spec's base path is not the group's.
    BasePathMismatch,
    /// A method the gateway has no API for.
    UnsupportedMethod,
    /// A path the gateway does not accept (syntax, length, template form).
    InvalidPath,
    /// A `{template}` in the path that no path parameter declares.
    UndeclaredPathParameter,
    /// A parameter in a place the gateway cannot map (a cookie, a file upload).
    UnsupportedParameter,
    /// An API name outside the gateway's length or characters.
    InvalidName,
    /// The same route twice in the spec.
    DuplicateRoute,
    /// The same API name twice in the spec.
    DuplicateName,
    /// The group already has an API on the route, and the import does not replace.
    RouteExists,
    /// Another API of the group already has the name.
    NameExists,
    /// The group already has a model of the name, and the import does not replace.
    ModelExists,
    /// Not imported because a model it needs failed.
    DependencyFailed,
}

impl Rule {
    /// The rule's id in `check --json`, in docs/check.md and in the simulator's records.
    pub fn id(self) -> &'static str {
        match self {
            Rule::GroupNameExists => "group-name-exists",
            Rule::BasePathMismatch => "base-path-mismatch",
            Rule::UnsupportedMethod => "unsupported-method",
            Rule::InvalidPath => "invalid-path",
            Rule::UndeclaredPathParameter => "undeclared-path-parameter",
            Rule::InvalidName => "invalid-name",
            Rule::UnsupportedParameter => "unsupported-parameter",
            Rule::DuplicateRoute => "duplicate-route",
            Rule::DuplicateName => "duplicate-name",
            Rule::RouteExists => "route-exists",
            Rule::NameExists => "name-exists",
            Rule::ModelExists => "model-exists",
            Rule::DependencyFailed => "dependency-failed",
        }
    }

    /// Every rule, in the order [`plan`] applies them.
    pub const ALL: [Rule; 13] = [
        Rule::GroupNameExists,
        Rule::BasePathMismatch,
        Rule::UnsupportedMethod,
        Rule::InvalidPath,
        Rule::UndeclaredPathParameter,
        Rule::UnsupportedParameter,
        Rule::InvalidName,
        Rule::DuplicateRoute,
        Rule::DuplicateName,
        Rule::RouteExists,
        Rule::NameExists,
        Rule::ModelExists,
        Rule::DependencyFailed,
    ];
}

/// An API or model the group already has.
#[derive(Clone, Copy, Debug)]
pub struct ExistingItem<'a> {
    pub id: &'a str,
    pub name: &'a str,
    /// APIs only (empty for models).
    pub method: &'a str,
    /// As the group stores it: relative to its base path on Alibaba, the full request path on
    /// Huawei.
    pub path: &'a str,
}

/// What the target group already holds; an empty one for a new group.
#[derive(Clone, Debug, Default)]
pub struct GroupState<'a> {
    pub id: &'a str,
    pub name: &'a str,
    /// Empty when the group has none.
    pub base_path: &'a str,
    pub apis: Vec<ExistingItem<'a>>,
    pub models: Vec<ExistingItem<'a>>,
    /// For an import that creates its group (named after the spec's title): the groups the
    /// gateway has already (id and name), one of which may have that name. Empty otherwise.
    pub other_groups: Vec<ExistingItem<'a>>,
}

/// Everything a refusal message may name.
#[derive(Clone, Debug)]
pub struct Refusal<'a> {
    pub rule: Rule,
    pub method: &'a str,
    pub path: &'a str,
    pub name: &'a str,
    /// The clashing item (the first API of a duplicated route, the group's API or model).
    pub other: Option<ExistingItem<'a>>,
    /// The parameter at fault and where it is (`path` for an undeclared template).
    pub parameter: Option<(&'a str, &'a str)>,
    /// What is wrong with a path, for [`Rule::InvalidPath`].
    pub detail: &'a str,
    pub group: &'a GroupState<'a>,
    pub spec_base_path: &'a str,
}

/// The characters and length an API name may have.
#[derive(Debug)]
pub struct NameRule {
    /// In characters.
    pub min: usize,
    pub max: usize,
    pub first: fn(char) -> bool,
    pub rest: fn(char) -> bool,
    /// The rule in words, for messages and `check`.
    pub text: &'static str,
}

impl NameRule {
    pub fn accepts(&self, name: &str) -> bool {
        let count = name.chars().count();
        let mut chars = name.chars();
        (self.min..=self.max).contains(&count) && chars.next().is_some_and(self.first) && chars.all(self.rest)
    }
}

/// What a request path may look like.
#[derive(Debug)]
pub struct PathRule {
    /// In characters, the base path included where the gateway stores it.
    pub max: Option<usize>,
    /// Whether a `{template}` must be a whole segment (`/{id}`, not `/v{id}`).
    pub whole_segment_templates: bool,
    /// Whether every `{template}` must be declared as a path parameter.
    pub templates_must_be_declared: bool,
}

/// A documented limit that is a quota an account can have raised: `check` warns, the simulator
/// (whose accounts have raised quotas, so that its big scenarios run) does not refuse.
#[derive(Debug)]
pub struct Quota {
    pub apis_per_import: Option<usize>,
    pub apis_per_group: usize,
    /// Where the cloud documents these limits.
    pub source: &'static str,
}

impl<'a> Refusal<'a> {
    /// A refusal under `rule` that names nothing yet.
    pub fn new(rule: Rule, group: &'a GroupState<'a>, spec_base_path: &'a str) -> Refusal<'a> {
        Refusal {
            rule,
            method: "",
            path: "",
            name: "",
            other: None,
            parameter: None,
            detail: "",
            group,
            spec_base_path,
        }
    }

    fn verdict(&self, rules: &GatewayRules) -> Verdict {
        let (code, message) = (rules.refusal_text)(self);
        Verdict::Refused { rule: self.rule, code, message }
    }
}

/// What differs between gateways.
#[derive(Debug)]
#[expect(clippy::struct_excessive_bools, reason = "each is a documented fact about a gateway, read by name")]
pub struct GatewayRules {
    /// Whether schemas are imported as models of the group (Alibaba), or not at all (Huawei).
    pub imports_models: bool,
    /// Whether the spec's base path must equal the group's.
    pub base_path_must_match: bool,
    /// The methods the gateway has APIs for; `None` for all.
    pub methods: Option<&'static [&'static str]>,
    pub path: PathRule,
    pub name: NameRule,
    /// Whether an operation without `operationId` gets a generated name and a warning
    /// (Alibaba's `WarningMessages`).
    pub warns_generated_names: bool,
    pub quota: Quota,
    /// Pairs of rules the cloud answers with the same code and words: a user cannot tell them
    /// apart, so failure grouping should not either (the simulator's ground truth follows this).
    pub same_answer: &'static [(Rule, Rule)],
    /// Whether an API's path includes the spec's base path (Huawei stores the full request path).
    pub path_includes_base_path: bool,
    /// What happens to a route the group already has when the import does not replace it:
    /// refused (`false`), or left alone and reported as ignored (`true`, Huawei's merge mode).
    pub existing_route_is_left_alone: bool,
    /// The code and message the cloud answers a refusal with.
    pub refusal_text: fn(&Refusal<'_>) -> (String, String),
    /// Where the cloud's documentation states a rule (a URL), for `check` and the docs.
    pub source: fn(Rule) -> &'static str,
}

/// The verdict on one item.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    Create,
    /// Replaces what the group had under that route or name.
    Update,
    /// Left alone (Huawei's merge mode on an existing route).
    Skip,
    /// Refused with the cloud's code (empty on Alibaba) and message.
    Refused {
        rule: Rule,
        code: String,
        message: String,
    },
}

/// One item of the import and what the gateway does with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Planned {
    pub kind: SubtaskKind,
    pub name: String,
    /// APIs only.
    pub method: String,
    /// APIs only: the path as the gateway stores it.
    pub path: String,
    /// APIs: the index of the operation in the document; models: of the schema.
    pub index: usize,
    /// The id of the group's item it updates or clashes with on the same route or name.
    pub existing_id: Option<String>,
    pub verdict: Verdict,
    /// For [`Rule::DependencyFailed`], the model whose refusal cancels it.
    pub because: Option<String>,
}

/// The plan of a whole import: models first (Alibaba imports them before the APIs that use
/// them), then APIs in the spec's order, and the warnings the cloud gives on the way.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImportPlan {
    pub models: Vec<Planned>,
    pub apis: Vec<Planned>,
    pub warnings: Vec<String>,
    /// Set when the gateway refuses the import as a whole (its task fails before any item is
    /// looked at); every item then carries this refusal as its verdict.
    pub refused: Option<WholeRefusal>,
}

/// A refusal of a whole import, with the cloud's code and message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WholeRefusal {
    pub rule: Rule,
    pub code: String,
    pub message: String,
    /// The existing group whose name the new one would take: its id and that name.
    pub taken: (String, String),
}

/// The gateway's verdict on every item of `doc` imported into `group`; `replace` is Alibaba's
/// `Overwrite` or Huawei's `api_mode=override`. An import the gateway refuses as a whole (a new
/// group whose name is taken) has [`ImportPlan::refused`] set, and that refusal on every item.
pub fn plan(rules: &GatewayRules, doc: &Document, group: &GroupState<'_>, replace: bool) -> ImportPlan {
    let mut plan = plan_items(rules, doc, group, replace);
    // The new group is named after the spec's title, and the gateway checks the name before it
    // looks at any item: the task fails as a whole, and no item is imported.
    if let Some(taken) = group.other_groups.iter().find(|g| g.name == doc.title) {
        let refusal = Refusal {
            name: &doc.title,
            other: Some(*taken),
            ..Refusal::new(Rule::GroupNameExists, group, &doc.base_path)
        };
        let (code, message) = (rules.refusal_text)(&refusal);
        for item in plan.models.iter_mut().chain(&mut plan.apis) {
            item.verdict =
                Verdict::Refused { rule: Rule::GroupNameExists, code: code.clone(), message: message.clone() };
            item.because = None;
        }
        let taken = (taken.id.to_owned(), taken.name.to_owned());
        plan.refused = Some(WholeRefusal { rule: Rule::GroupNameExists, code, message, taken });
    }
    plan
}

/// The verdict on each item, in the rules' order.
fn plan_items(rules: &GatewayRules, doc: &Document, group: &GroupState<'_>, replace: bool) -> ImportPlan {
    let mut plan = ImportPlan::default();
    let refuse = |refusal: &Refusal<'_>| refusal.verdict(rules);
    let blank = |rule: Rule| Refusal::new(rule, group, &doc.base_path);

    if rules.imports_models {
        plan.models = plan_models(rules, doc, group, replace);
    }

    let group_base = group.base_path.trim_end_matches('/');
    let base_mismatch = rules.base_path_must_match && !group_base.is_empty() && group_base != doc.base_path;
    let mut first_of_route: HashMap<String, (String, String)> = HashMap::new();
    let mut names_in_spec: HashSet<String> = HashSet::new();
    let existing_routes: HashMap<String, &ExistingItem<'_>> =
        group.apis.iter().rev().map(|a| (route_key(a.method, a.path), a)).collect();
    for (index, op) in doc.operations.iter().enumerate() {
        let path = if rules.path_includes_base_path { join_path(&doc.base_path, &op.path) } else { op.path.clone() };
        let method = op.method.clone();
        let name = api_name(op);
        if rules.warns_generated_names && op.operation_id.is_none() {
            plan.warnings.push(format!(
                "The operationId of API [{method} {path}] is empty; the API name [{name}] is generated."
            ));
        }
        let key = route_key(&method, &path);
        let existing = existing_routes.get(&key).copied();
        let refusal = Refusal { method: &method, path: &path, name: &name, ..blank(Rule::BasePathMismatch) };
        let verdict = if base_mismatch {
            refuse(&refusal)
        } else if rules.methods.is_some_and(|methods| !methods.contains(&method.as_str())) {
            refuse(&Refusal { rule: Rule::UnsupportedMethod, ..refusal })
        } else if let Some(detail) = path_problem(&rules.path, &path) {
            refuse(&Refusal { rule: Rule::InvalidPath, detail, ..refusal })
        } else if let Some(template) = rules.path.templates_must_be_declared.then(|| undeclared_template(op)).flatten()
        {
            refuse(&Refusal { rule: Rule::UndeclaredPathParameter, parameter: Some((template, "path")), ..refusal })
        } else if let Some(p) = unsupported_parameter(op) {
            let parameter = Some((p.name.as_str(), location_label(p)));
            refuse(&Refusal { rule: Rule::UnsupportedParameter, parameter, ..refusal })
        } else if !rules.name.accepts(&name) {
            refuse(&Refusal { rule: Rule::InvalidName, ..refusal })
        } else if let Some((first_name, first_id)) = first_of_route.get(&key) {
            let first = ExistingItem { id: first_id, name: first_name, method: &method, path: &path };
            refuse(&Refusal { rule: Rule::DuplicateRoute, other: Some(first), ..refusal })
        } else if names_in_spec.contains(&name) {
            refuse(&Refusal { rule: Rule::DuplicateName, ..refusal })
        } else if let Some(existing) = existing {
            if replace {
                Verdict::Update
            } else if rules.existing_route_is_left_alone {
                Verdict::Skip
            } else {
                refuse(&Refusal { rule: Rule::RouteExists, other: Some(*existing), ..refusal })
            }
        } else if let Some(other) = group.apis.iter().find(|a| a.name == name) {
            refuse(&Refusal { rule: Rule::NameExists, other: Some(*other), ..refusal })
        } else {
            Verdict::Create
        };
        first_of_route
            .entry(key)
            .or_insert_with(|| (name.clone(), existing.map_or_else(String::new, |e| e.id.to_owned())));
        names_in_spec.insert(name.clone());
        plan.apis.push(Planned {
            kind: SubtaskKind::Api,
            name,
            method,
            path,
            index,
            existing_id: existing.map(|e| e.id.to_owned()),
            verdict,
            because: None,
        });
    }
    cancel_dependants(rules, doc, group, &mut plan);
    plan
}

/// An API that would be imported but needs a model the gateway refuses is cancelled.
fn cancel_dependants(rules: &GatewayRules, doc: &Document, group: &GroupState<'_>, plan: &mut ImportPlan) {
    let refused: BTreeSet<String> =
        plan.models.iter().filter(|m| matches!(m.verdict, Verdict::Refused { .. })).map(|m| m.name.clone()).collect();
    for api in &mut plan.apis {
        if !matches!(api.verdict, Verdict::Create | Verdict::Update) {
            continue;
        }
        if let Some(model) = failed_dependency(doc, api.index, &refused) {
            let needed = ExistingItem { id: "", name: model, method: "", path: "" };
            api.verdict = Refusal {
                method: &api.method,
                path: &api.path,
                name: &api.name,
                other: Some(needed),
                ..Refusal::new(Rule::DependencyFailed, group, &doc.base_path)
            }
            .verdict(rules);
            api.because = Some(model.clone());
        }
    }
}

/// Models, where the cloud imports them: a name the group already has is refused unless the
/// import replaces.
fn plan_models(rules: &GatewayRules, doc: &Document, group: &GroupState<'_>, replace: bool) -> Vec<Planned> {
    let mut planned = Vec::with_capacity(doc.schemas.len());
    for (index, schema) in doc.schemas.iter().enumerate() {
        let existing = group.models.iter().find(|m| m.name == schema.name).copied();
        let verdict = match existing {
            Some(model) if !replace => Refusal {
                name: &schema.name,
                other: Some(model),
                ..Refusal::new(Rule::ModelExists, group, &doc.base_path)
            }
            .verdict(rules),
            Some(_) => Verdict::Update,
            None => Verdict::Create,
        };
        planned.push(Planned {
            kind: SubtaskKind::Model,
            name: schema.name.clone(),
            method: String::new(),
            path: String::new(),
            index,
            existing_id: existing.map(|m| m.id.to_owned()),
            verdict,
            because: None,
        });
    }
    planned
}

/// The first model among `failed` that operation `index` needs, if it needs one: that API is
/// cancelled rather than imported half-defined.
pub fn failed_dependency<'a>(doc: &Document, index: usize, failed: &'a BTreeSet<String>) -> Option<&'a String> {
    if failed.is_empty() {
        return None;
    }
    let needs = doc.operation_schemas(index);
    failed.iter().find(|model| needs.contains(*model))
}

/// The API name a gateway gives an operation: its `operationId`, else one generated in the
/// springfox style of Alibaba's own example (`GetByCreatorIdUsingGET`).
pub fn api_name(op: &Operation) -> String {
    op.operation_id.clone().unwrap_or_else(|| generated_name(&op.method, &op.path))
}

/// The generated name of an operation without `operationId`.
pub fn generated_name(method: &str, path: &str) -> String {
    let mut name = String::new();
    for segment in path.split('/').filter(|s| !s.is_empty()) {
        match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(template) => {
                name.push_str("By");
                push_camel(&mut name, template);
            }
            None => push_camel(&mut name, segment),
        }
    }
    if name.is_empty() {
        name.push_str("Root");
    }
    format!("{name}Using{}", method.to_ascii_uppercase())
}

fn push_camel(out: &mut String, text: &str) {
    for word in text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()) {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            out.extend(first.to_uppercase());
            out.push_str(chars.as_str());
        }
    }
}

/// `base` + `path` with exactly one slash between them.
pub fn join_path(base: &str, path: &str) -> String {
    let base = base.trim_end_matches('/');
    if path.starts_with('/') { format!("{base}{path}") } else { format!("{base}/{path}") }
}

/// What is wrong with `path` under `rule`, if anything.
fn path_problem(rule: &PathRule, path: &str) -> Option<&'static str> {
    if !path.starts_with('/') {
        return Some("it must start with /");
    }
    if rule.max.is_some_and(|max| path.chars().count() > max) {
        return Some("it is too long");
    }
    if path.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Some("it contains spaces or control characters");
    }
    let partial_template = |segment: &str| {
        segment.contains('{')
            && !(segment.starts_with('{') && segment.ends_with('}') && segment.matches('{').count() == 1)
    };
    if rule.whole_segment_templates && path.split('/').any(partial_template) {
        return Some("a {parameter} must be a whole path segment");
    }
    None
}

/// The first `{template}` of the operation's path that no path parameter declares.
fn undeclared_template(op: &Operation) -> Option<&str> {
    templates(&op.path)
        .find(|template| !op.parameters.iter().any(|p| p.location == ParamLocation::Path && p.name == *template))
}

/// The names inside `{}` in a path; `{proxy+}` is named `proxy`.
fn templates(path: &str) -> impl Iterator<Item = &str> {
    path.split('{').skip(1).filter_map(|rest| rest.split_once('}')).map(|(name, _)| name.trim_end_matches('+'))
}

/// The first parameter a gateway cannot map, if any: a cookie, or a file in a form.
fn unsupported_parameter(op: &Operation) -> Option<&Parameter> {
    op.parameters
        .iter()
        .find(|p| p.location == ParamLocation::Cookie || (p.location == ParamLocation::FormData && p.is_file))
}

fn location_label(p: &Parameter) -> &'static str {
    if p.is_file { "formData (file)" } else { p.location.as_str() }
}
