//! What Huawei Cloud APIG does with an imported spec: the facts behind
//! [`crate::provider::rules`], with the sources listed in docs/check.md.
//!
//! Codes and their texts are Huawei's published ones (APIG.2012, APIG.2026, APIG.3201,
//! APIG.3202, APIG.3301); the details after them follow the `parameterName:…` form of its
//! examples.

use crate::provider::rules::{ExistingItem, GatewayRules, NameRule, PathRule, Quota, Refusal, Rule};

pub static RULES: GatewayRules = GatewayRules {
    // APIG has no model resource: schemas only describe bodies.
    imports_models: false,
    base_path_must_match: false,
    path_includes_base_path: true,
    // `api_mode=merge` keeps the API the group has and lists the imported one under `ignore`.
    existing_route_is_left_alone: true,
    methods: Some(&["GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "OPTIONS"]),
    path: PathRule { max: Some(512), whole_segment_templates: true, templates_must_be_declared: true },
    name: NameRule {
        min: 3,
        max: 255,
        first: |c| c.is_ascii_alphanumeric() || is_han(c),
        rest: |c| c.is_ascii_alphanumeric() || is_han(c) || "-_./():（）：、".contains(c),
        text: "3 to 255 characters, starting with a letter, a digit or a Chinese character, with only those and \
               - _ . / ( ) :",
    },
    warns_generated_names: false,
    quota: Quota { apis_per_import: Some(300), apis_per_group: 1000, source: QUOTAS },
    same_answer: &[(Rule::DuplicateName, Rule::NameExists), (Rule::RouteExists, Rule::DuplicateRoute)],
    refusal_text,
    source,
};

/// A CJK unified ideograph, which Huawei's names accept.
fn is_han(c: char) -> bool {
    matches!(c, '\u{4e00}'..='\u{9fff}' | '\u{3400}'..='\u{4dbf}')
}

fn invalid(parameter: &str, value: &str) -> String {
    format!(
        "Invalid parameter value,parameterName:{parameter},value:{value}. Please refer to the support documentation"
    )
}

fn refusal_text(r: &Refusal<'_>) -> (String, String) {
    let (method, path, name) = (r.method, r.path, r.name);
    let other = r.other.unwrap_or(ExistingItem { id: "", name: "", method: "", path: "" });
    let (code, message) = match r.rule {
        // Word for word as the failed task's `task_result` in ShowAsyncTaskResult's example (and
        // CheckApiGroupsV2's), with nothing after it.
        Rule::GroupNameExists => ("APIG.3201", "The API group name already exists".to_owned()),
        Rule::UnsupportedMethod => ("APIG.2012", invalid("req_method", method)),
        Rule::InvalidPath => ("APIG.2012", invalid("req_uri", path)),
        Rule::UndeclaredPathParameter => (
            "APIG.2026",
            format!(
                "The request path parameters are not defined,parameterName:{}. Please refer to the support \
                 documentation",
                r.parameter.map_or("", |p| p.0)
            ),
        ),
        Rule::UnsupportedParameter => {
            let (parameter, location) = r.parameter.unwrap_or_default();
            ("APIG.2012", invalid(&format!("{parameter}.location"), &location.to_ascii_uppercase()))
        }
        Rule::InvalidName => ("APIG.2012", invalid("name", name)),
        // Huawei's own example of this failure, word for word.
        Rule::DuplicateRoute | Rule::RouteExists => (
            "APIG.3301",
            format!(
                "The API already exists, An API with the same combination of the method, path, and \
                 x-apigateway-match-mode fields already exists. API name: {}",
                other.name
            ),
        ),
        // The same answer whether the name is taken in the spec or in the group.
        Rule::DuplicateName | Rule::NameExists => {
            ("APIG.3202", format!("The API name already exists,name:{name}. Please refer to the support documentation"))
        }
        // Not Huawei's: it neither checks base paths against groups nor imports models.
        Rule::BasePathMismatch | Rule::ModelExists | Rule::DependencyFailed => ("APIG.2012", invalid("swagger", name)),
    };
    (code.to_owned(), message)
}

const ERROR_CODES: &str = "https://support.huaweicloud.com/intl/en-us/api-apig/ErrorCode.html";
const CREATE_API: &str = "https://support.huaweicloud.com/intl/en-us/api-apig/CreateApiV2.html";
const RESTRICTIONS: &str = "https://support.huaweicloud.com/intl/en-us/usermanual-apig/apig_03_0083.html";
/// The FAQ on import failures ("For more APIs (300), import them in batches"); the 1,000 APIs
/// per group are in the product's notes and constraints, APIG.3127 and APIG.3125 in the codes.
const QUOTAS: &str = "https://support.huaweicloud.com/intl/en-us/apig_faq/apig-faq-2005024.html";
const IMPORTING: &str = "https://support.huaweicloud.com/intl/en-us/usermanual-apig/apig_03_0067.html";

fn source(rule: Rule) -> &'static str {
    match rule {
        Rule::UnsupportedMethod | Rule::InvalidName => CREATE_API,
        Rule::InvalidPath
        | Rule::UnsupportedParameter
        | Rule::BasePathMismatch
        | Rule::ModelExists
        | Rule::DependencyFailed => RESTRICTIONS,
        Rule::UndeclaredPathParameter => ERROR_CODES,
        // "The name of a new API group cannot be the same as that of an existing one."
        Rule::GroupNameExists | Rule::DuplicateRoute | Rule::DuplicateName | Rule::RouteExists | Rule::NameExists => {
            IMPORTING
        }
    }
}
