//! The template miner: learns which tokens of failure messages vary, and so which messages were
//! written by the same statement ("the same cause"), one message at a time.
//!
//! Owns the clusters (a template each: constant tokens and variable slots), how a message is
//! compared with a template and when it joins one. Knows nothing of subtasks; the masking rules
//! that run before it are [`super::signature`], the tokens [`super::tokens`]. Pure and
//! deterministic: the same messages in the same order give the same clusters and templates.
//!
//! ## How a message finds its cluster
//!
//! A template is a list of items, each a constant token or a variable slot. A message is aligned
//! with a template the way two sequences are (a dynamic programme, like a diff): constants match
//! equal tokens in order, variable slots absorb the tokens between them. The message joins the
//! best template if
//!
//! - **most of the template's wording is in it**: `matched / max(matched + template words it
//!   lacks, matched + words it adds) ≥ 4/5`, each token counted by its [`Weight`] (plain words 1,
//!   words with digits or masks ½, masks 0), so a message differing from a 20-word template in a
//!   name joins it and `cupsd startup succeeded` does not join `syslogd startup succeeded`;
//! - **wording lines up one for one**: between two matched constants, the message may not hold
//!   more plain words than the template has constants and slots there, nor fewer than the
//!   template has constants. A value may change its length (`<1 sec`, `00:39`); a sentence
//!   with an extra clause (`… user=root`) is another statement.
//!
//! Joining turns every difference into a variable slot (adjacent ones become one), so templates
//! only ever generalise and a message that joined a cluster stays an instance of it. Otherwise
//! the message starts a cluster of its own. Clusters never split or merge: a group keeps its
//! identity as members join it.
//!
//! This is Drain's online, one-pass clustering (He et al., ICWS 2017) with a sequence alignment
//! in place of its fixed-length token positions, so variables may span several tokens, and with
//! one threshold for every input. The weights give what Brain (Yu et al., 2023) gets from column
//! frequencies: a token that looks like data costs less to differ in.
//!
//! ## Cost
//!
//! A message whose exact signature was seen before costs one hash lookup. A new one is compared
//! only with the clusters that could reach the threshold: an inverted index from constant words to
//! clusters bounds `matched` from above, and at most [`MAX_CANDIDATES`] clusters are aligned, each
//! in O(template length × message length) with at most [`MAX_TOKENS`] tokens per message.

use std::collections::HashMap;

use super::tokens::{Token, Weight, is_mask, tokenize};

/// Tokens of a message taken into account; a longer message is compared by its beginning.
pub const MAX_TOKENS: usize = 256;

/// Clusters aligned with one new message at most, those sharing the most wording first.
pub const MAX_CANDIDATES: usize = 32;

/// The share of wording two messages must have in common to be the same statement: 4/5.
const THRESHOLD: (i64, i64) = (4, 5);

/// Masks that stand for a name, so a slot of them that also takes plain words keeps its mask.
const NAME_MASKS: [&str; 3] = ["{name}", "{model}", "{api}"];

/// What a variable slot shows in a template between its prefix and suffix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Placeholder {
    /// Every value seen had this middle, made of masks (`{path}`, `{method} {path}`).
    Masked(Box<str>),
    /// Single words (`LegacyCheckout`, the `Money` of `[Money]`): `{name}`.
    Name,
    /// Anything else: `{*}`.
    Any,
}

/// A variable slot: what its values share around the part that varies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Slot {
    /// Text every value starts with (`[` of `[Money]` and `[Address]`); never holds a mask.
    pub prefix: Box<str>,
    /// Text every value ends with; never holds a mask.
    pub suffix: Box<str>,
    pub placeholder: Placeholder,
}

impl Slot {
    /// The placeholder's own text: `{path}`, `{name}`, `{*}`.
    pub fn placeholder_text(&self) -> &str {
        match &self.placeholder {
            Placeholder::Masked(mask) => mask,
            Placeholder::Name => "{name}",
            Placeholder::Any => "{*}",
        }
    }

    /// A slot covering `values` (each the text of a run of tokens).
    fn of(values: &[&str]) -> Slot {
        let mut prefix: &str = values.first().copied().unwrap_or_default();
        let mut suffix: &str = prefix;
        for value in values.iter().skip(1) {
            prefix = common_prefix(prefix, value);
            suffix = common_suffix(suffix, value);
        }
        let prefix = &prefix[..wrapping_prefix(prefix)];
        let mut suffix = &suffix[wrapping_suffix(suffix)..];
        // Prefix and suffix may not overlap inside the shortest value.
        let shortest = values.iter().map(|v| v.len()).min().unwrap_or(0);
        while prefix.len() + suffix.len() > shortest && !suffix.is_empty() {
            let cut = suffix.char_indices().nth(1).map_or(suffix.len(), |(i, _)| i);
            suffix = &suffix[cut..];
        }
        let middles: Vec<&str> = values.iter().map(|v| &v[prefix.len()..v.len() - suffix.len()]).collect();
        Slot { prefix: prefix.into(), suffix: suffix.into(), placeholder: placeholder_of(&middles) }
    }

    /// This slot widened to also cover `value`.
    fn widen(&self, value: &str) -> Slot {
        let current = format!("{}{}{}", self.prefix, self.placeholder_text(), self.suffix);
        let mut slot = Slot::of(&[&current, value]);
        // The placeholder generalises, never narrows: a `{*}` slot stays `{*}`.
        slot.placeholder = match (&self.placeholder, slot.placeholder) {
            (Placeholder::Masked(a), Placeholder::Masked(b)) if *a == b => Placeholder::Masked(b),
            (Placeholder::Any, _) | (_, Placeholder::Any) | (Placeholder::Masked(_), Placeholder::Masked(_)) => {
                Placeholder::Any
            }
            // A name mask (`{name}`, `{model}`) that meets a plain word still holds names.
            (Placeholder::Masked(mask), Placeholder::Name) if NAME_MASKS.contains(&&**mask) => {
                Placeholder::Masked(mask.clone())
            }
            (_, Placeholder::Masked(_) | Placeholder::Name) => Placeholder::Name,
        };
        slot
    }
}

/// What the varying middles of a slot's values have in common.
fn placeholder_of(middles: &[&str]) -> Placeholder {
    let first = middles.first().copied().unwrap_or_default();
    let masks_only = |m: &str| !m.is_empty() && super::tokens::weight(m) != Weight::Heavy && only_masks(m);
    if masks_only(first) && middles.iter().all(|m| *m == first) {
        return Placeholder::Masked(first.into());
    }
    if middles.iter().all(|m| !m.is_empty() && !m.contains(' ')) { Placeholder::Name } else { Placeholder::Any }
}

/// Whether `text` is masks separated by spaces (`{n}`, `{method} {path}`).
fn only_masks(text: &str) -> bool {
    text.split(' ').all(is_mask)
}

fn common_prefix<'a>(a: &'a str, b: &str) -> &'a str {
    let len: usize = a.chars().zip(b.chars()).take_while(|(x, y)| x == y).map(|(x, _)| x.len_utf8()).sum();
    &a[..len]
}

fn common_suffix<'a>(a: &'a str, b: &str) -> &'a str {
    let len: usize = a.chars().rev().zip(b.chars().rev()).take_while(|(x, y)| x == y).map(|(x, _)| x.len_utf8()).sum();
    &a[a.len() - len..]
}

/// Punctuation around a value (`[`, `(`, `).`), as opposed to part of it: `Legacy` is not kept
/// as the prefix of `LegacyListOrders` and `LegacyCheckout`, nor `{` of a mask.
fn is_wrapping(c: char) -> bool {
    !c.is_alphanumeric() && !matches!(c, '{' | '}' | '_' | '-')
}

/// The length of the leading punctuation of `text`.
fn wrapping_prefix(text: &str) -> usize {
    text.find(|c| !is_wrapping(c)).unwrap_or(text.len())
}

/// Where the trailing punctuation of `text` starts.
fn wrapping_suffix(text: &str) -> usize {
    text.rfind(|c| !is_wrapping(c)).map_or(0, |i| i + text[i..].chars().next().map_or(1, char::len_utf8))
}

/// Whether an item stands for text that varies: a slot, or a constant with masks in it.
pub fn varies(item: &Item) -> bool {
    match item {
        Item::Var { .. } => true,
        Item::Const { text, weight, .. } => *weight == Weight::Light && has_mask_in(text),
    }
}

fn has_mask_in(text: &str) -> bool {
    text.match_indices('{').any(|(at, _)| text[at..].find('}').is_some_and(|close| is_mask(&text[at..=at + close])))
}

/// One item of a template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Item {
    /// A token every member has here.
    Const { text: Box<str>, weight: Weight, space_before: bool },
    /// Where members differ.
    Var { slot: Slot, space_before: bool },
}

impl Item {
    fn weight(&self) -> i64 {
        match self {
            Item::Const { weight, .. } => weight.value(),
            Item::Var { .. } => 0,
        }
    }

    pub fn space_before(&self) -> bool {
        match self {
            Item::Const { space_before, .. } | Item::Var { space_before, .. } => *space_before,
        }
    }
}

/// A cluster: its template and the partition (error code) it belongs to.
#[derive(Clone, Debug)]
pub struct Cluster {
    part: u32,
    items: Vec<Item>,
    /// Sum of the constants' weights.
    wording: i64,
    /// How many times the template changed: callers cache what they derive from it by this.
    version: u32,
}

impl Cluster {
    pub fn items(&self) -> &[Item] {
        &self.items
    }

    pub fn version(&self) -> u32 {
        self.version
    }

    /// The template as text: constants as they are, slots as `prefix{placeholder}suffix`.
    pub fn text(&self) -> String {
        render(&self.items)
    }
}

/// The template items as one line of text.
pub fn render(items: &[Item]) -> String {
    let mut out = String::new();
    for (n, item) in items.iter().enumerate() {
        if n > 0 && item.space_before() {
            out.push(' ');
        }
        match item {
            Item::Const { text, .. } => out.push_str(text),
            Item::Var { slot, .. } => {
                out.push_str(&slot.prefix);
                out.push_str(slot.placeholder_text());
                out.push_str(&slot.suffix);
            }
        }
    }
    out
}

/// The miner's state: clusters in the order they were created (a cluster's id is its index).
#[derive(Clone, Debug, Default)]
pub struct Miner {
    clusters: Vec<Cluster>,
    /// Constant word → the clusters that had it when created (a superset of those that still do).
    postings: HashMap<Box<str>, Vec<u32>, foldhash::fast::RandomState>,
    /// (partition, signature) seen before → its cluster.
    exact: HashMap<u32, HashMap<Box<str>, u32, foldhash::fast::RandomState>>,
    scratch: Scratch,
}

#[derive(Clone, Debug, Default)]
struct Scratch {
    tokens: Vec<Token>,
    hits: Vec<i64>,
    touched: Vec<u32>,
    dp: Vec<i64>,
}

impl Miner {
    pub fn new() -> Miner {
        Miner::default()
    }

    pub fn clusters(&self) -> &[Cluster] {
        &self.clusters
    }

    pub fn cluster(&self, id: u32) -> Option<&Cluster> {
        self.clusters.get(id as usize)
    }

    /// The cluster of a message whose signature is `signature`, in partition `part` (messages
    /// of different partitions, such as different error codes, never share a cluster).
    pub fn assign(&mut self, part: u32, signature: &str) -> u32 {
        if let Some(&id) = self.exact.get(&part).and_then(|m| m.get(signature)) {
            return id;
        }
        let mut tokens = std::mem::take(&mut self.scratch.tokens);
        tokenize(signature, &mut tokens);
        tokens.truncate(MAX_TOKENS);
        let id = match self.best_match(part, signature, &tokens) {
            Some((id, merged)) => {
                let cluster = &mut self.clusters[id as usize];
                if cluster.items != merged {
                    cluster.wording = merged.iter().map(Item::weight).sum();
                    cluster.items = merged;
                    cluster.version += 1;
                }
                id
            }
            None => self.create(part, signature, &tokens),
        };
        self.scratch.tokens = tokens;
        self.exact.entry(part).or_default().insert(signature.into(), id);
        id
    }

    fn create(&mut self, part: u32, signature: &str, tokens: &[Token]) -> u32 {
        let id = u32::try_from(self.clusters.len()).unwrap_or(u32::MAX);
        let mut items: Vec<Item> = Vec::with_capacity(tokens.len());
        let mut n = 0;
        while n < tokens.len() {
            let token = tokens[n];
            if token.weight == Weight::Free {
                // Adjacent masks are one slot.
                let mut end = n + 1;
                while end < tokens.len() && tokens[end].weight == Weight::Free && !tokens[end].space_before {
                    end += 1;
                }
                let text = span_text(signature, &tokens[n..end]);
                items.push(Item::Var { slot: Slot::of(&[text]), space_before: token.space_before });
                n = end;
                continue;
            }
            let text = token.text(signature);
            let posting = self.postings.entry(text.into()).or_default();
            if posting.last() != Some(&id) {
                posting.push(id);
            }
            items.push(Item::Const { text: text.into(), weight: token.weight, space_before: token.space_before });
            n += 1;
        }
        let wording = items.iter().map(Item::weight).sum();
        self.clusters.push(Cluster { part, items, wording, version: 0 });
        id
    }

    /// The cluster the message joins and its template once joined, if one is close enough.
    fn best_match(&mut self, part: u32, signature: &str, tokens: &[Token]) -> Option<(u32, Vec<Item>)> {
        let candidates = self.candidates(part, signature, tokens);
        let mut best: Option<(u32, Outcome)> = None;
        for id in candidates {
            let cluster = &self.clusters[id as usize];
            let Some(outcome) = align(&cluster.items, signature, tokens, &mut self.scratch.dp) else { continue };
            if !outcome.joins() {
                continue;
            }
            let better =
                best.as_ref().is_none_or(|(best_id, b)| outcome.beats(b) || (!b.beats(&outcome) && id < *best_id));
            if better {
                best = Some((id, outcome));
            }
        }
        best.map(|(id, outcome)| (id, outcome.merged))
    }

    /// Clusters of `part` whose wording could reach the threshold, most shared wording first.
    fn candidates(&mut self, part: u32, signature: &str, tokens: &[Token]) -> Vec<u32> {
        let scratch = &mut self.scratch;
        scratch.hits.resize(self.clusters.len(), 0);
        for token in tokens.iter().filter(|t| t.weight != Weight::Free) {
            let Some(posting) = self.postings.get(token.text(signature)) else { continue };
            for &id in posting {
                let hits = &mut scratch.hits[id as usize];
                if *hits == 0 {
                    scratch.touched.push(id);
                }
                *hits += token.weight.value();
            }
        }
        let mut found: Vec<(i64, u32)> = Vec::new();
        for &id in &scratch.touched {
            let hits = std::mem::take(&mut scratch.hits[id as usize]);
            let cluster = &self.clusters[id as usize];
            // `matched` ≤ hits, and joining needs matched ≥ 4/5 of the template's wording.
            if cluster.part == part && hits * THRESHOLD.1 >= cluster.wording * THRESHOLD.0 {
                found.push((hits, id));
            }
        }
        scratch.touched.clear();
        found.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        found.truncate(MAX_CANDIDATES);
        found.into_iter().map(|(_, id)| id).collect()
    }
}

/// For each item of a template, the byte range of `signature` its slot takes when the message is
/// aligned with it, and for a constant with masks in it (`[{method} {path}]`) the token it
/// matched (`None` for other constants and for slots that take nothing).
pub fn slot_ranges(items: &[Item], signature: &str, tokens: &[Token]) -> Vec<Option<std::ops::Range<usize>>> {
    let mut ranges = vec![None; items.len()];
    let Some(outcome) = align(items, signature, tokens, &mut Vec::new()) else { return ranges };
    for (item, token) in outcome.absorbed {
        let (start, end) = (tokens[token].start as usize, tokens[token].end as usize);
        let range: &mut Option<std::ops::Range<usize>> = &mut ranges[item];
        *range = Some(match range.take() {
            Some(r) => r.start.min(start)..r.end.max(end),
            None => start..end,
        });
    }
    ranges
}

/// The text of a run of tokens, spaces included.
fn span_text<'s>(signature: &'s str, tokens: &[Token]) -> &'s str {
    match (tokens.first(), tokens.last()) {
        (Some(first), Some(last)) => signature.get(first.start as usize..last.end as usize).unwrap_or_default(),
        _ => "",
    }
}

/// The result of aligning a message with a template.
struct Outcome {
    /// Weight of the template's constants the message has.
    matched: i64,
    /// Weight of the template's constants it lacks.
    lacked: i64,
    /// Weight of its tokens the template has no place for.
    added: i64,
    /// Whether its wording lines up one for one with the template's.
    lines_up: bool,
    /// The template once the message has joined.
    merged: Vec<Item>,
    /// (template slot, message token) for every token a slot took.
    absorbed: Vec<(usize, usize)>,
}

impl Outcome {
    fn similarity(&self) -> (i64, i64) {
        (self.matched, (self.matched + self.lacked).max(self.matched + self.added))
    }

    fn joins(&self) -> bool {
        let (num, den) = self.similarity();
        self.lines_up && num > 0 && num * THRESHOLD.1 >= den * THRESHOLD.0
    }

    fn beats(&self, other: &Outcome) -> bool {
        let ((a, b), (c, d)) = (self.similarity(), other.similarity());
        i128::from(a) * i128::from(d) > i128::from(c) * i128::from(b)
    }
}

/// What a slot taking a token costs: a little less than the token being added, so slots take
/// what varies before a difference is counted; but a slot that has only ever held masks does not
/// take plain wording (more than adding it), which then forms a slot of its own.
fn absorb_cost(item: &Item, token: Weight) -> i64 {
    match item {
        Item::Var { slot: Slot { placeholder: Placeholder::Masked(_), .. }, .. } if token == Weight::Heavy => {
            token.value() + 1
        }
        _ => token.value() * 999 / 1000,
    }
}

/// A token in place of a different constant: a hair cheaper than lacking one and adding the other.
fn substitute_cost(constant: i64, token: i64) -> i64 {
    constant + token - 1
}

/// Aligns `tokens` with `items`; `None` when the template is empty.
fn align(items: &[Item], signature: &str, tokens: &[Token], dp: &mut Vec<i64>) -> Option<Outcome> {
    let (n_items, n_tokens) = (items.len(), tokens.len());
    if n_items == 0 {
        return None;
    }
    let width = n_tokens + 1;
    dp.clear();
    dp.resize((n_items + 1) * width, 0);
    let at = |i: usize, j: usize| i * width + j;
    let w = |j: usize| tokens[j].weight.value();
    for j in (0..n_tokens).rev() {
        dp[at(n_items, j)] = dp[at(n_items, j + 1)] - w(j);
    }
    for i in (0..n_items).rev() {
        for j in (0..=n_tokens).rev() {
            let mut best = dp[at(i + 1, j)] - items[i].weight();
            if j < n_tokens {
                match &items[i] {
                    Item::Var { .. } => best = best.max(dp[at(i, j + 1)] - absorb_cost(&items[i], tokens[j].weight)),
                    Item::Const { text, weight, .. } if **text == *tokens[j].text(signature) => {
                        best = best.max(dp[at(i + 1, j + 1)] + weight.value());
                    }
                    // A different token in a constant's place: one difference, not a lacked
                    // constant here and an added token elsewhere.
                    Item::Const { weight, .. } => {
                        best = best.max(dp[at(i + 1, j + 1)] - substitute_cost(weight.value(), w(j)));
                    }
                }
                best = best.max(dp[at(i, j + 1)] - w(j));
            }
            dp[at(i, j)] = best;
        }
    }
    Some(backtrack(items, signature, tokens, dp, width))
}

/// What happened between two matched constants, in order.
enum Event {
    /// A template constant the message lacks.
    Lacked(usize),
    /// A template slot and the message tokens it absorbed (maybe none).
    Slot(usize, Vec<usize>),
    /// A message token the template has no place for.
    Added(usize),
}

/// Differences between two matched constants.
#[derive(Default)]
struct Gap {
    lacked: usize,
    /// Of those, plain wording.
    lacked_plain: usize,
    slots: usize,
    plain: usize,
    light: usize,
    events: Vec<Event>,
}

impl Gap {
    fn lines_up(&self) -> bool {
        self.plain <= self.lacked + self.slots && self.lacked_plain <= self.plain + self.light
    }

    fn lack(&mut self, weight: Weight) {
        self.lacked += 1;
        if weight == Weight::Heavy {
            self.lacked_plain += 1;
        }
    }

    fn count(&mut self, weight: Weight) {
        match weight {
            Weight::Heavy => self.plain += 1,
            Weight::Light | Weight::Free => self.light += 1,
        }
    }
}

fn backtrack(items: &[Item], signature: &str, tokens: &[Token], dp: &[i64], width: usize) -> Outcome {
    let (n_items, n_tokens) = (items.len(), tokens.len());
    let at = |i: usize, j: usize| i * width + j;
    let w = |j: usize| tokens[j].weight.value();
    let mut out = Outcome {
        matched: 0,
        lacked: 0,
        added: 0,
        lines_up: true,
        merged: Vec::with_capacity(n_items),
        absorbed: Vec::new(),
    };
    let mut gap = Gap::default();
    let (mut i, mut j) = (0, 0);
    while i < n_items || j < n_tokens {
        let here = dp[at(i, j)];
        if i < n_items && j < n_tokens {
            if let Item::Const { text, weight, .. } = &items[i]
                && **text == *tokens[j].text(signature)
                && here == dp[at(i + 1, j + 1)] + weight.value()
            {
                close_gap(&mut gap, items, signature, tokens, &mut out);
                if *weight == Weight::Light && text.contains('{') {
                    // A constant with masks in it (`[{method} {path}]`) varies underneath.
                    out.absorbed.push((i, j));
                }
                out.merged.push(items[i].clone());
                out.matched += weight.value();
                i += 1;
                j += 1;
                continue;
            }
            if let Item::Const { weight, .. } = &items[i]
                && here == dp[at(i + 1, j + 1)] - substitute_cost(weight.value(), w(j))
            {
                out.lacked += weight.value();
                out.added += w(j);
                gap.lack(*weight);
                gap.count(tokens[j].weight);
                gap.events.push(Event::Lacked(i));
                gap.events.push(Event::Added(j));
                i += 1;
                j += 1;
                continue;
            }
            if matches!(items[i], Item::Var { .. })
                && here == dp[at(i, j + 1)] - absorb_cost(&items[i], tokens[j].weight)
            {
                gap.count(tokens[j].weight);
                out.absorbed.push((i, j));
                match gap.events.last_mut() {
                    Some(Event::Slot(slot, absorbed)) if *slot == i => absorbed.push(j),
                    _ => gap.events.push(Event::Slot(i, vec![j])),
                }
                j += 1;
                continue;
            }
        }
        if i < n_items && here == dp[at(i + 1, j)] - items[i].weight() {
            match &items[i] {
                Item::Const { weight, .. } => {
                    out.lacked += weight.value();
                    gap.lack(*weight);
                    gap.events.push(Event::Lacked(i));
                }
                Item::Var { .. } => {
                    gap.slots += 1;
                    if !matches!(gap.events.last(), Some(Event::Slot(slot, _)) if *slot == i) {
                        gap.events.push(Event::Slot(i, Vec::new()));
                    }
                }
            }
            i += 1;
            continue;
        }
        out.added += w(j);
        gap.count(tokens[j].weight);
        gap.events.push(Event::Added(j));
        j += 1;
    }
    close_gap(&mut gap, items, signature, tokens, &mut out);
    out
}

/// Ends a gap: checks that it lines up, and puts slots in its place: each template slot stays
/// (widened by what it absorbed), each run of differences between them becomes a new one.
fn close_gap(gap: &mut Gap, items: &[Item], signature: &str, tokens: &[Token], out: &mut Outcome) {
    if gap.events.is_empty() {
        return;
    }
    out.lines_up &= gap.lines_up();
    let mut events = std::mem::take(gap).events;
    absorb_into_empty_slots(&mut events);
    let mut run: Vec<&Event> = Vec::new();
    for event in &events {
        match event {
            Event::Slot(i, absorbed) => {
                difference_slot(&run, items, signature, tokens, out);
                run.clear();
                let Item::Var { slot, space_before } = &items[*i] else { continue };
                out.absorbed.extend(absorbed.iter().map(|&j| (*i, j)));
                let slot = match (absorbed.first(), absorbed.last()) {
                    (Some(&first), Some(&last)) => slot.widen(span_text(signature, &tokens[first..=last])),
                    _ => slot.clone(),
                };
                out.merged.push(Item::Var { slot, space_before: *space_before });
            }
            Event::Lacked(_) | Event::Added(_) => run.push(event),
        }
    }
    difference_slot(&run, items, signature, tokens, out);
}

/// A slot that took nothing next to tokens the template had no place for takes them: the slot
/// was where they go (a masked slot does not take plain wording in the alignment, so that a
/// constant it replaced forms a slot of its own; with no constant replaced, they are its value).
fn absorb_into_empty_slots(events: &mut Vec<Event>) {
    let mut k = 0;
    while k < events.len() {
        if !matches!(&events[k], Event::Slot(_, absorbed) if absorbed.is_empty()) {
            k += 1;
            continue;
        }
        let run_end = |from: usize, events: &[Event]| {
            events[from..].iter().take_while(|e| matches!(e, Event::Added(_) | Event::Lacked(_))).count() + from
        };
        let after_end = run_end(k + 1, events);
        let after = &events[k + 1..after_end];
        let before_start =
            events[..k].iter().rposition(|e| !matches!(e, Event::Added(_) | Event::Lacked(_))).map_or(0, |p| p + 1);
        let before = &events[before_start..k];
        let only_added = |run: &[Event]| !run.is_empty() && run.iter().all(|e| matches!(e, Event::Added(_)));
        let (from, to) = if only_added(after) {
            (k + 1, after_end)
        } else if only_added(before) {
            (before_start, k)
        } else {
            k += 1;
            continue;
        };
        let taken: Vec<usize> =
            events[from..to].iter().filter_map(|e| if let Event::Added(j) = e { Some(*j) } else { None }).collect();
        let Event::Slot(slot, _) = events[k] else { break };
        events.drain(from..to);
        let at = if from > k { k } else { from };
        events[at] = Event::Slot(slot, taken);
        k = at + 1;
    }
}

/// The slot that replaces a run of lacked constants and added tokens.
fn difference_slot(run: &[&Event], items: &[Item], signature: &str, tokens: &[Token], out: &mut Outcome) {
    let Some(first) = run.first() else { return };
    let lacked: Vec<Item> =
        run.iter().filter_map(|e| if let Event::Lacked(i) = e { Some(items[*i].clone()) } else { None }).collect();
    let added: Vec<usize> = run.iter().filter_map(|e| if let Event::Added(j) = e { Some(*j) } else { None }).collect();
    let template_text = render(&lacked);
    let message_text = match (added.first(), added.last()) {
        (Some(&a), Some(&b)) => span_text(signature, &tokens[a..=b]),
        _ => "",
    };
    let space_before = match first {
        Event::Lacked(i) => items[*i].space_before(),
        Event::Added(j) => tokens[*j].space_before,
        Event::Slot(..) => true,
    };
    let slot = Slot::of(&[&template_text, message_text]);
    out.merged.push(Item::Var { slot, space_before });
}

#[cfg(test)]
mod tests;
