use super::*;
use crate::analysis::accuracy::grouping_accuracy;
use crate::analysis::signature::Normaliser;

fn mine(messages: &[&str]) -> (Miner, Vec<u32>) {
    let mut miner = Miner::new();
    let mut normaliser = Normaliser::new();
    let ids = messages.iter().map(|m| miner.assign(0, normaliser.normalise(m, ""))).collect();
    (miner, ids)
}

fn template(miner: &Miner, id: u32) -> String {
    miner.cluster(id).unwrap().text()
}

#[test]
fn a_name_that_varies_becomes_a_slot() {
    let (miner, ids) = mine(&[
        "An API with the same method and path already exists in group 4c1f6b0e2d9a4e0f9b8a7c6d5e4f3a21: [GET /orders] is API LegacyListOrders (2f1d0b1e8c7a4b5d9e6f3a2c1b0d9e8f). Set Overwrite to true to replace it.",
        "An API with the same method and path already exists in group 4c1f6b0e2d9a4e0f9b8a7c6d5e4f3a21: [POST /carts/{id}/checkout] is API LegacyCheckout (9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b). Set Overwrite to true to replace it.",
    ]);
    assert_eq!(ids, [0, 0]);
    assert_eq!(
        template(&miner, 0),
        "An API with the same method and path already exists in group {id}: [{method} {path}] is API {name} ({id}). Set Overwrite to true to replace it."
    );
}

#[test]
fn bracketed_names_keep_their_brackets() {
    let (miner, ids) = mine(&[
        "The import of API [GET /a] was cancelled because model [Money] failed to import.",
        "The import of API [POST /b] was cancelled because model [Address] failed to import.",
        "The import of API [GET /c] was cancelled because model [Money] failed to import.",
    ]);
    assert_eq!(ids, [0, 0, 0]);
    assert_eq!(
        template(&miner, 0),
        "The import of API [{method} {path}] was cancelled because model [{name}] failed to import."
    );
}

#[test]
fn a_value_of_several_words_inside_brackets_is_one_value() {
    let (_, ids) = mine(&[
        "The parameter [session] in [cookie] of API [GET /a] is not supported. Parameters can be in path, query, header, formData (no files) or body.",
        "The parameter [avatar] in [formData (file)] of API [POST /b] is not supported. Parameters can be in path, query, header, formData (no files) or body.",
    ]);
    assert_eq!(ids, [0, 0]);
}

#[test]
fn different_wording_is_a_different_cluster() {
    let (_, ids) = mine(&[
        "cupsd startup succeeded",
        "syslogd startup succeeded",
        "Internal Error",
        "Internal Error\n",
        "authentication failure; logname= uid=0 euid=0 tty=NODEVssh ruser= rhost=10.0.0.1",
        "authentication failure; logname= uid=0 euid=0 tty=NODEVssh ruser= rhost=10.0.0.2 user=root",
    ]);
    assert_eq!(ids, [0, 1, 2, 2, 3, 4], "an added clause is another statement");
}

#[test]
fn values_may_change_length_but_wording_may_not() {
    let (miner, ids) = mine(&[
        "host.example.com:80 close, 2034 bytes (1.98 KB) sent, 4206 bytes (4.10 KB) received, lifetime 00:39",
        "other.example.org:443 close, 785 bytes (0.77 KB) sent, 145 bytes received, lifetime <1 sec",
        "10.0.0.1:80 close, 0 bytes sent, 0 bytes received, lifetime 01:07",
    ]);
    assert_eq!(ids, [0, 0, 0]);
    assert!(template(&miner, 0).contains("close, {n} bytes"), "{}", template(&miner, 0));
}

#[test]
fn partitions_never_share_a_cluster() {
    let mut miner = Miner::new();
    assert_eq!(miner.assign(0, "The API already exists"), 0);
    assert_eq!(miner.assign(1, "The API already exists"), 1);
    assert_eq!(miner.assign(0, "The API already exists"), 0);
}

#[test]
fn cjk_names_vary_like_latin_ones() {
    let (miner, ids) = mine(&["模型 宠物 已存在于分组中", "模型 订单 已存在于分组中", "接口路径冲突"]);
    assert_eq!(ids, [0, 0, 1]);
    assert_eq!(template(&miner, 0), "模型 {name} 已存在于分组中");
}

#[test]
fn json_inside_messages_groups_by_its_shape() {
    let (_, ids) = mine(&[
        r#"Bad request: {"code":"InvalidParam","message":"name too long","requestId":"A1B2"}"#,
        r#"Bad request: {"code":"InvalidParam","message":"path too long","requestId":"C3D4"}"#,
        r#"Bad request: {"error":{"code":"X"}}"#,
    ]);
    assert_eq!(ids[0], ids[1]);
}

#[test]
fn identical_signatures_cost_one_lookup_and_templates_only_generalise() {
    let mut miner = Miner::new();
    let a = miner.assign(0, "model Pet failed in group {id}");
    let before = miner.cluster(a).unwrap().items().len();
    let b = miner.assign(0, "model Owner failed in group {id}");
    assert_eq!(a, b);
    assert_eq!(miner.cluster(a).unwrap().items().len(), before);
    // The first message is still an instance of the generalised template.
    assert_eq!(miner.assign(0, "model Pet failed in group {id}"), a);
    assert_eq!(miner.assign(0, "model Zebra failed in group {id}"), a);
}

#[test]
fn the_same_messages_in_the_same_order_give_the_same_clusters() {
    let messages = ["a b c d e", "a b x d e", "f g h", "a b c d q", "f g i"];
    let run = || {
        let mut miner = Miner::new();
        let ids: Vec<u32> = messages.iter().map(|m| miner.assign(0, m)).collect();
        (ids, miner.clusters().iter().map(Cluster::text).collect::<Vec<_>>())
    };
    assert_eq!(run(), run());
}

#[test]
fn long_and_odd_inputs_do_not_break_it() {
    let mut miner = Miner::new();
    let long = "word ".repeat(2000);
    let a = miner.assign(0, &long);
    assert_eq!(miner.assign(0, &long), a);
    assert_eq!(miner.assign(0, ""), miner.assign(0, ""));
    miner.assign(0, "{n} {n} {n}");
    miner.assign(0, "( ( ( [ [ <");
    miner.assign(0, "} { {} {{n}}");
}

/// A sample's name and its (message, true event) rows.
type Sample = (String, Vec<(String, String)>);

/// The eight Loghub-2k samples beside the repository, if they are there.
pub(crate) fn loghub_samples() -> Option<Vec<Sample>> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/benchmarks/loghub");
    let mut samples = Vec::new();
    for name in ["HDFS", "Hadoop", "Spark", "BGL", "Linux", "Mac", "HealthApp", "Proxifier"] {
        let path = dir.join(format!("{name}_2k.log_structured.csv"));
        let mut reader = csv::Reader::from_path(&path).ok()?;
        let headers = reader.headers().ok()?.clone();
        let content = headers.iter().position(|h| h == "Content")?;
        let event = headers.iter().position(|h| h == "EventId")?;
        let rows =
            reader.records().filter_map(Result::ok).map(|r| (r[content].to_owned(), r[event].to_owned())).collect();
        samples.push((name.to_owned(), rows));
    }
    Some(samples)
}

#[test]
fn loghub_samples_group_like_their_true_templates() {
    let Some(samples) = loghub_samples() else {
        eprintln!("skipped: ../shared/benchmarks/loghub is not beside the repository");
        return;
    };
    let mut sum = 0.0;
    let mut lines = Vec::new();
    for (name, rows) in &samples {
        let messages: Vec<&str> = rows.iter().map(|(m, _)| m.as_str()).collect();
        let truth: Vec<&str> = rows.iter().map(|(_, e)| e.as_str()).collect();
        let (_, ids) = mine(&messages);
        let ga = grouping_accuracy(&truth, &ids);
        lines.push(format!("{name}: {ga:.3}"));
        sum += ga;
    }
    #[expect(clippy::cast_precision_loss, reason = "eight samples")]
    let mean = sum / samples.len() as f64;
    eprintln!("{} mean {mean:.4}", lines.join(", "));
    assert!(mean >= 0.90, "mean GA {mean:.4}: {}", lines.join(", "));
}
