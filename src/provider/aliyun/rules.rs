//! What Alibaba Cloud API Gateway does with an imported spec: the facts behind
//! [`crate::provider::rules`], with the sources listed in docs/check.md.
//!
//! Alibaba publishes no list of its precheck messages (only examples such as "Invalid Api
//! Definition."), so the messages here are ours, in the style of its `ErrorMessage`s: they name
//! the API, the rule, and what to change. Codes are empty, as in `DescribeImportOASTask`.

use crate::provider::rules::{GatewayRules, NameRule, PathRule, Quota, Refusal, Rule};

pub static RULES: GatewayRules = GatewayRules {
    imports_models: true,
    base_path_must_match: true,
    path_includes_base_path: false,
    existing_route_is_left_alone: false,
    // CreateApi accepts every standard method (ANY through an extension).
    methods: None,
    path: PathRule { max: None, whole_segment_templates: false, templates_must_be_declared: false },
    name: NameRule {
        min: 4,
        max: 50,
        first: |c| c.is_ascii_alphabetic(),
        rest: |c| c.is_ascii_alphanumeric() || c == '_',
        text: "4 to 50 characters, starting with a letter, with only letters, digits and underscores",
    },
    warns_generated_names: true,
    // No per-import limit is documented for ImportOAS; 1,000 APIs per group is (Limits page).
    quota: Quota { apis_per_import: None, apis_per_group: 1000, source: LIMITS },
    same_answer: &[],
    refusal_text,
    source,
};

fn refusal_text(r: &Refusal<'_>) -> (String, String) {
    let (method, path, name, group) = (r.method, r.path, r.name, r.group);
    let other = r.other.unwrap_or(crate::provider::rules::ExistingItem { id: "", name: "", method: "", path: "" });
    let message = match r.rule {
        // Not Alibaba's: ImportOAS always imports into a group that exists (`GroupId`).
        Rule::GroupNameExists => format!("An API group named [{name}] already exists ({}).", other.id),
        Rule::BasePathMismatch => format!(
            "The basePath [{}] of the OAS data does not match the basePath [{}] of API group {} ({}).",
            if r.spec_base_path.is_empty() { "/" } else { r.spec_base_path },
            group.base_path.trim_end_matches('/'),
            group.name,
            group.id
        ),
        Rule::UnsupportedMethod => format!("The HTTP method of API [{method} {path}] is not supported."),
        Rule::InvalidPath => format!("The request path [{path}] of API [{method} {path}] is invalid: {}.", r.detail),
        Rule::UndeclaredPathParameter => {
            format!("The path parameter [{}] of API [{method} {path}] is not defined.", r.parameter.map_or("", |p| p.0))
        }
        Rule::UnsupportedParameter => {
            let (parameter, location) = r.parameter.unwrap_or_default();
            format!(
                "The parameter [{parameter}] in [{location}] of API [{method} {path}] is not supported. Parameters \
                 can be in path, query, header, formData (no files) or body."
            )
        }
        Rule::InvalidName => {
            format!("The API name [{name}] of API [{method} {path}] is invalid: it must be {}.", RULES.name.text)
        }
        Rule::DuplicateRoute => format!(
            "Duplicate API definition [{method} {path}] in the OAS data: the route is already defined by API [{}].",
            other.name
        ),
        Rule::DuplicateName => format!("Duplicate API name [{name}] in the OAS data, API [{method} {path}]."),
        Rule::RouteExists => format!(
            "An API with the same method and path already exists in group {}: [{method} {}] is API {} ({}). Set \
             Overwrite to true to replace it.",
            group.id, other.path, other.name, other.id
        ),
        Rule::NameExists => format!("The API name [{name}] already exists in group {} (API {}).", group.id, other.id),
        Rule::ModelExists => format!("The model [{name}] already exists in group {} (model {}).\n", group.id, other.id),
        Rule::DependencyFailed => format!(
            "The import of API [{method} {path}] was cancelled because model [{}] failed to import.",
            other.name
        ),
    };
    (String::new(), message)
}

const CREATE_API: &str = "https://www.alibabacloud.com/help/en/api-gateway/latest/api-cloudapi-2016-07-14-createapi";
const IMPORT_GUIDE: &str = "https://www.alibabacloud.com/help/en/api-gateway/user-guide/use-the-standard-oas-to-import-multiple-apis-at-a-time";
const LIMITS: &str = "https://www.alibabacloud.com/help/doc-detail/29484.htm";
const IMPORT_OAS: &str = "https://www.alibabacloud.com/help/en/api-gateway/traditional-api-gateway/developer-reference/api-cloudapi-2016-07-14-importoas";
const API_PARAMETERS: &str = "https://www.alibabacloud.com/help/en/api-gateway/traditional-api-gateway/developer-reference/api-cloudapi-2016-07-14-describeapi";
const CREATE_MODEL: &str = "https://www.alibabacloud.com/help/en/api-gateway/traditional-api-gateway/developer-reference/api-cloudapi-2016-07-14-createmodel";

fn source(rule: Rule) -> &'static str {
    match rule {
        Rule::BasePathMismatch => IMPORT_GUIDE,
        Rule::UnsupportedParameter => API_PARAMETERS,
        Rule::InvalidName
        | Rule::NameExists
        | Rule::DuplicateName
        | Rule::DuplicateRoute
        | Rule::UnsupportedMethod
        | Rule::InvalidPath
        | Rule::UndeclaredPathParameter => CREATE_API,
        Rule::RouteExists | Rule::GroupNameExists => IMPORT_OAS,
        Rule::ModelExists | Rule::DependencyFailed => CREATE_MODEL,
    }
}
