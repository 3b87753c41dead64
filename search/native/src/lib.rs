//! The archive's ranked search over its Tantivy index, for `search.tantivy_index`.
//!
//! The `tantivy` Python package always pairs its top-k collector with another one, which makes Tantivy
//! score every match (no block-max pruning), and it counts facets in a second walk of the matches. At a
//! million documents a query matching half of them spent about 30 ms there. Here `RankedSearch.start`
//! runs, on the index files the package wrote:
//! - the top hits, pruned by Tantivy (`segment_top`, `as_term_union`): the filters, which add nothing to a
//!   score, are checked on the candidates instead of turning the pruning off;
//! - meanwhile, on other threads, the exact total and the facet counts in one unscored walk of the matching
//!   documents, segments in parallel (`Conjunction::walk`, `FacetCounts`), which `PendingCounts.wait` returns;
//! - and the hits' stored fields, read from the same searcher.
//!
//! Queries come as JSON arrays built by `search.tantivy_query` (see `build_query`).

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::ops::Bound as Range;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use serde_json::Value as Json;
use tantivy::collector::Count;
use tantivy::columnar::{Cardinality, StrColumn};
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, EmptyQuery, EnableScoring, Occur, PhraseQuery, Query,
    RangeQuery, Scorer, TermQuery, Weight,
};
use tantivy::index::SegmentId;
use tantivy::schema::document::Value;
use tantivy::schema::{Field, FieldType, IndexRecordOption, Schema};
use tantivy::{
    DateTime, DocAddress, DocId, Executor, Index, IndexReader, ReloadPolicy, Score, Searcher,
    SegmentOrdinal, SegmentReader, TantivyDocument, Term, TERMINATED,
};

/// Stored fields a hit carries back, in this order.
const HIT_FIELDS: [&str; 7] = ["document_id", "serial_number", "doc_type", "designation", "unit", "title", "text"];
const DATE_FIELD: &str = "document_date";

fn err(message: impl std::fmt::Display) -> PyErr {
    PyValueError::new_err(message.to_string())
}

fn field(schema: &Schema, name: &str) -> PyResult<Field> {
    schema.get_field(name).map_err(err)
}

fn term(schema: &Schema, name: &str, value: &Json) -> PyResult<(Term, IndexRecordOption)> {
    let field = field(schema, name)?;
    let entry = schema.get_field_entry(field);
    match (entry.field_type(), value) {
        (FieldType::Str(options), Json::String(text)) => {
            let indexed = options.get_indexing_options().map(|o| o.index_option()).unwrap_or(IndexRecordOption::Basic);
            // Frequencies are all BM25 reads; positions only a phrase needs.
            let option = if indexed.has_freq() { IndexRecordOption::WithFreqs } else { IndexRecordOption::Basic };
            Ok((Term::from_field_text(field, text), option))
        }
        (FieldType::I64(_), Json::Number(number)) => {
            let number = number.as_i64().ok_or_else(|| err(format!("{name}: {number} is not an i64")))?;
            Ok((Term::from_field_i64(field, number), IndexRecordOption::Basic))
        }
        _ => Err(err(format!("no term for field {name} from {value}"))),
    }
}

fn date_bound(schema: &Schema, name: &str, value: &Json) -> PyResult<Range<Term>> {
    let field = field(schema, name)?;
    match value {
        Json::Null => Ok(Range::Unbounded),
        Json::Number(seconds) => {
            let seconds = seconds.as_i64().ok_or_else(|| err(format!("{name}: bad date bound {seconds}")))?;
            Ok(Range::Included(Term::from_field_date(field, DateTime::from_timestamp_secs(seconds))))
        }
        _ => Err(err(format!("{name}: bad date bound {value}"))),
    }
}

fn text_of(value: &Json) -> PyResult<&str> {
    value.as_str().ok_or_else(|| err(format!("expected a string, got {value}")))
}

fn number_of(value: &Json) -> PyResult<f32> {
    value.as_f64().map(|v| v as f32).ok_or_else(|| err(format!("expected a number, got {value}")))
}

/// `["term", field, value]`, `["phrase", field, [tokens]]`, `["bool", [[occur, query], ...]]` (occur "must",
/// "should" or "must_not"), `["boost", query, factor]`, `["const", query, score]`, `["all"]`, `["empty"]`,
/// `["date_range", field, from_seconds | null, to_seconds | null]` (both ends included).
fn build_query(schema: &Schema, spec: &Json) -> PyResult<Box<dyn Query>> {
    let parts = spec.as_array().ok_or_else(|| err(format!("a query is an array, got {spec}")))?;
    let kind = parts.first().map(text_of).transpose()?.unwrap_or("");
    let arg = |i: usize| parts.get(i).ok_or_else(|| err(format!("{kind}: argument {i} missing")));
    Ok(match kind {
        "term" => {
            let (term, option) = term(schema, text_of(arg(1)?)?, arg(2)?)?;
            Box::new(TermQuery::new(term, option))
        }
        "phrase" => {
            let name = text_of(arg(1)?)?;
            let words = arg(2)?.as_array().ok_or_else(|| err("phrase: words are an array"))?;
            let terms = words.iter().map(|w| term(schema, name, w).map(|t| t.0)).collect::<PyResult<Vec<_>>>()?;
            Box::new(PhraseQuery::new(terms))
        }
        "bool" => {
            let clauses = arg(1)?.as_array().ok_or_else(|| err("bool: clauses are an array"))?;
            let mut built = Vec::with_capacity(clauses.len());
            for clause in clauses {
                let occur = match clause.get(0).map(text_of).transpose()? {
                    Some("must") => Occur::Must,
                    Some("should") => Occur::Should,
                    Some("must_not") => Occur::MustNot,
                    other => return Err(err(format!("bool: unknown occur {other:?}"))),
                };
                let sub = clause.get(1).ok_or_else(|| err("bool: clause without a query"))?;
                built.push((occur, build_query(schema, sub)?));
            }
            Box::new(BooleanQuery::new(built))
        }
        "boost" => Box::new(BoostQuery::new(build_query(schema, arg(1)?)?, number_of(arg(2)?)?)),
        "const" => Box::new(ConstScoreQuery::new(build_query(schema, arg(1)?)?, number_of(arg(2)?)?)),
        "all" => Box::new(AllQuery),
        "empty" => Box::new(EmptyQuery),
        "date_range" => {
            let name = text_of(arg(1)?)?;
            Box::new(RangeQuery::new(date_bound(schema, name, arg(2)?)?, date_bound(schema, name, arg(3)?)?))
        }
        other => return Err(err(format!("unknown query kind {other:?}"))),
    })
}

/// A score-only clause that adds a fixed score to the documents holding its one term (`["const", term, score]`,
/// optional): the word typed with its exact marks.
type Bonus = (Box<dyn Query>, Score);

/// The clauses of a ranked search that Tantivy's block-max WAND can prune (see `segment_top`).
struct TermUnion {
    /// Every scored term, required or optional, as one union; the required terms' intersection when no optional
    /// scored term is held.
    union: Box<dyn Query>,
    /// The required terms, checked on the union's candidates as filters.
    required: Vec<Box<dyn Query>>,
    /// Fixed scores added to the candidates that hold their term; only the bonuses some document holds.
    bonuses: Vec<Bonus>,
}

/// For `["bool", clauses]` of required and optional clauses that are each one term (boosted or not, or an optional
/// fixed-score term), with at least one optional clause held by some document: the scored terms all optional (a
/// union of terms, which Tantivy ranks with block-max WAND), the required ones, and the fixed-score ones apart; when
/// no optional scored term is held, the required terms' intersection and the fixed-score ones. A document holding
/// every required term scores the same: the sum of its terms' scores and of its bonuses. Tantivy ranks the clauses
/// as given by scoring every document that holds the required terms: an optional clause turns its pruning off, and
/// a fixed-score one is no term scorer that WAND can bound.
fn as_term_union(schema: &Schema, spec: &Json, searcher: &Searcher) -> PyResult<Option<TermUnion>> {
    let clauses = spec.as_array().filter(|p| p.first().and_then(Json::as_str) == Some("bool")).and_then(|p| p.get(1));
    let Some(clauses) = clauses.and_then(Json::as_array) else { return Ok(None) };
    let mut union: Vec<(Occur, Box<dyn Query>)> = Vec::with_capacity(clauses.len());
    let mut required = Vec::new();
    let mut bonuses = Vec::new();
    let mut optional_held = false;
    for clause in clauses {
        let (Some(occur), Some(query)) = (clause.get(0).and_then(Json::as_str), clause.get(1)) else { return Ok(None) };
        let kind = query.get(0).and_then(Json::as_str);
        if kind == Some("const") && occur == "should" {
            let (Some(inner), Some(score)) = (query.get(1), query.get(2)) else { return Ok(None) };
            if inner.get(0).and_then(Json::as_str) != Some("term") {
                return Ok(None);
            }
            let Some(term) = one_term(schema, inner)? else { return Ok(None) };
            if searcher.doc_freq(&term).map_err(err)? > 0 {
                bonuses.push((build_query(schema, inner)?, number_of(score)?));
            }
            continue;
        }
        // A term, or a boosted one: what block-max WAND can rank.
        let boosted = (kind == Some("boost")).then(|| query.get(1)).flatten();
        let plain = boosted.unwrap_or(query);
        if plain.get(0).and_then(Json::as_str) != Some("term") {
            return Ok(None);
        }
        let Some(term) = one_term(schema, plain)? else { return Ok(None) };
        match occur {
            "must" => required.push(build_query(schema, query)?),
            "should" => optional_held |= searcher.doc_freq(&term).map_err(err)? > 0,
            _ => return Ok(None),
        }
        union.push((Occur::Should, build_query(schema, query)?));
    }
    if required.is_empty() || !(optional_held || !bonuses.is_empty()) {
        return Ok(None);
    }
    if !optional_held {
        // Only bonuses beside the required terms: their intersection is what WAND prunes, nothing to check.
        let musts = required.into_iter().map(|query| (Occur::Must, query)).collect();
        return Ok(Some(TermUnion { union: Box::new(BooleanQuery::new(musts)), required: Vec::new(), bonuses }));
    }
    Ok(Some(TermUnion { union: Box::new(BooleanQuery::new(union)), required, bonuses }))
}

/// `[[occur, query], ...]` with occur "must" or "must_not": unscored filters.
fn parse_filters(schema: &Schema, spec: &str) -> PyResult<Vec<(bool, Box<dyn Query>)>> {
    let json: Json = serde_json::from_str(spec).map_err(err)?;
    let clauses = json.as_array().ok_or_else(|| err("filters are an array"))?;
    clauses
        .iter()
        .map(|clause| {
            let required = match clause.get(0).and_then(Json::as_str) {
                Some("must") => true,
                Some("must_not") => false,
                other => return Err(err(format!("a filter is must or must_not, not {other:?}"))),
            };
            let query = build_query(schema, clause.get(1).ok_or_else(|| err("a filter without a query"))?)?;
            Ok((required, query))
        })
        .collect()
}


/// One segment's values of one field, as a term ordinal per document (`NONE` where it has none), kept while the
/// segment lives (4 bytes a document and field). Segments never change, so this is built once, on the first search
/// that counts the field there; read from Tantivy's column instead, a field that some documents lack costs a rank
/// lookup per document.
struct SegmentOrdinals {
    ords: Vec<u32>,
    terms: usize,
    dictionary: StrColumn,
}

const NONE: u32 = u32::MAX;

impl SegmentOrdinals {
    fn read(reader: &SegmentReader, name: &str) -> tantivy::Result<Option<Self>> {
        // A segment written before any document held the field has no column for it.
        let Some(dictionary) = reader.fast_fields().str(name)? else { return Ok(None) };
        let column = dictionary.ords();
        if column.get_cardinality() == Cardinality::Multivalued {
            return Err(tantivy::TantivyError::InvalidArgument(format!("{name} holds several values a document")));
        }
        let ords = (0..reader.max_doc()).map(|doc| column.first(doc).map_or(NONE, |ord| ord as u32)).collect();
        Ok(Some(Self { ords, terms: dictionary.num_terms(), dictionary }))
    }
}

#[derive(Default)]
struct OrdinalCache {
    held: Mutex<HashMap<(SegmentId, String), Option<Arc<SegmentOrdinals>>>>,
}

impl OrdinalCache {
    fn get(&self, reader: &SegmentReader, name: &str) -> tantivy::Result<Option<Arc<SegmentOrdinals>>> {
        let key = (reader.segment_id(), name.to_owned());
        if let Some(found) = self.held.lock().unwrap().get(&key) {
            return Ok(found.clone());
        }
        let read = SegmentOrdinals::read(reader, name)?.map(Arc::new);
        self.held.lock().unwrap().insert(key, read.clone());
        Ok(read)
    }

    /// Drops the segments `searcher` no longer has (merged away, or the index cleared).
    fn keep_only(&self, searcher: &Searcher) {
        let live: HashSet<SegmentId> = searcher.segment_readers().iter().map(|r| r.segment_id()).collect();
        self.held.lock().unwrap().retain(|(segment, _), _| live.contains(segment));
    }
}

/// The exact number of matching documents and, per asked field, how many of them hold each value: one unscored
/// walk of the matches.
struct FacetCounts<'a> {
    fields: &'a [String],
    cache: &'a OrdinalCache,
    conjunction: &'a Conjunction,
}

/// A matching query as a conjunction: its required and its excluded clauses (or the whole query as the one
/// required clause), unscored.
struct Conjunction {
    required: Vec<Clause>,
    excluded: Vec<Clause>,
}

struct Clause {
    weight: Box<dyn Weight>,
    /// Set when the clause is one term (scored or not): its postings are read block by block.
    term: Option<Term>,
}

impl Clause {
    fn new(schema: &Schema, spec: &Json, searcher: &Searcher) -> PyResult<Self> {
        let weight = build_query(schema, spec)?.weight(EnableScoring::disabled_from_searcher(searcher)).map_err(err)?;
        Ok(Clause { weight, term: one_term(schema, spec)? })
    }

    /// Sets the bit of each document of the segment the clause matches (deleted ones included).
    fn mark(&self, reader: &SegmentReader, bits: &mut [u64]) -> tantivy::Result<()> {
        if let Some(term) = &self.term {
            let Some(mut postings) =
                reader.inverted_index(term.field())?.read_block_postings(term, IndexRecordOption::Basic)?
            else {
                return Ok(());
            };
            loop {
                let docs = postings.docs();
                if docs.is_empty() {
                    return Ok(());
                }
                mark_sorted(docs, bits);
                postings.advance();
            }
        }
        let mut scorer = self.weight.scorer(reader, 1.0)?;
        let mut doc = scorer.doc();
        while doc != TERMINATED {
            bits[(doc / 64) as usize] |= 1u64 << (doc % 64);
            doc = scorer.advance();
        }
        Ok(())
    }
}

/// Sets the bits of `docs` (ascending), a word at a time in a register: setting each bit in memory made every
/// document wait on the previous one's store to the same word.
fn mark_sorted(docs: &[DocId], bits: &mut [u64]) {
    let Some(&first) = docs.first() else { return };
    let (mut at, mut word) = ((first / 64) as usize, 0u64);
    for &doc in docs {
        let here = (doc / 64) as usize;
        if here != at {
            bits[at] |= word;
            (at, word) = (here, 0);
        }
        word |= 1u64 << (doc % 64);
    }
    bits[at] |= word;
}

/// The term of `["term", field, value]`, or of a constant score over one.
fn one_term(schema: &Schema, spec: &Json) -> PyResult<Option<Term>> {
    let Some(parts) = spec.as_array() else { return Ok(None) };
    match (parts.first().and_then(Json::as_str), parts.get(1), parts.get(2)) {
        (Some("term"), Some(name), Some(value)) => Ok(Some(term(schema, text_of(name)?, value)?.0)),
        (Some("const"), Some(inner), _) => one_term(schema, inner),
        _ => Ok(None),
    }
}

impl Conjunction {
    /// `spec`'s required and excluded clauses when it is a boolean query of only those; else the whole query as
    /// the one required clause.
    fn of(schema: &Schema, spec: &Json, searcher: &Searcher) -> PyResult<Self> {
        let whole = || -> PyResult<Self> {
            Ok(Conjunction { required: vec![Clause::new(schema, spec, searcher)?], excluded: Vec::new() })
        };
        let clauses = spec.as_array().filter(|p| p.first().and_then(Json::as_str) == Some("bool")).and_then(|p| p.get(1));
        let Some(clauses) = clauses.and_then(Json::as_array) else { return whole() };
        let mut conjunction = Conjunction { required: Vec::new(), excluded: Vec::new() };
        for clause in clauses {
            let into = match clause.get(0).and_then(Json::as_str) {
                Some("must") => &mut conjunction.required,
                Some("must_not") => &mut conjunction.excluded,
                _ => return whole(),
            };
            into.push(Clause::new(schema, clause.get(1).ok_or_else(|| err("bool: clause without a query"))?, searcher)?);
        }
        if conjunction.required.is_empty() {
            return whole();
        }
        Ok(conjunction)
    }

    /// Walks the segment's live matches in order, `collect`ed a chunk of documents at a time. The shortest required
    /// clause marks its documents in a bitset of the segment, and so does every required clause at most
    /// `COMPARABLE` times longer (a term straight from its decoded posting blocks) and every excluded one; the
    /// bitsets are and-ed. Each longer clause is then only asked about the documents left (a forward seek in its
    /// list). Two lists each holding most of the segment cost a pass over each, a fraction of the leapfrog
    /// intersection's seek per match; a short list with long ones costs what the leapfrog does.
    fn walk(&self, reader: &SegmentReader, mut collect: impl FnMut(&[DocId])) -> tantivy::Result<()> {
        let mut sized = Vec::with_capacity(self.required.len());
        for clause in &self.required {
            let scorer = clause.weight.scorer(reader, 1.0)?;
            sized.push((scorer.size_hint(), clause, scorer));
        }
        sized.sort_by_key(|(size, _, _)| *size);
        let shortest = sized.first().map_or(0, |(size, _, _)| *size) as u64;
        let words = reader.max_doc().div_ceil(64) as usize;
        let mut matched: Option<Vec<u64>> = None;
        let mut seekers = Vec::new();
        for (size, clause, scorer) in sized {
            if matched.is_some() && size as u64 > COMPARABLE * shortest {
                seekers.push(scorer);
                continue;
            }
            let mut bits = vec![0u64; words];
            clause.mark(reader, &mut bits)?;
            match matched.as_mut() {
                None => matched = Some(bits),
                Some(matched) => matched.iter_mut().zip(bits).for_each(|(m, b)| *m &= b),
            }
        }
        let mut matched = matched.unwrap_or_default();
        for clause in &self.excluded {
            let mut bits = vec![0u64; words];
            clause.mark(reader, &mut bits)?;
            matched.iter_mut().zip(bits).for_each(|(m, b)| *m &= !b);
        }
        let alive = reader.alive_bitset();
        let mut docs = Vec::with_capacity(1024);
        'words: for (at, &word) in matched.iter().enumerate() {
            let mut left = word;
            'docs: while left != 0 {
                let doc = at as u32 * 64 + left.trailing_zeros();
                left &= left - 1;
                if alive.is_some_and(|alive| alive.is_deleted(doc)) {
                    continue;
                }
                for seeker in seekers.iter_mut() {
                    let there = if seeker.doc() < doc { seeker.seek(doc) } else { seeker.doc() };
                    if there == TERMINATED {
                        break 'words;
                    }
                    if there != doc {
                        continue 'docs;
                    }
                }
                docs.push(doc);
            }
            if docs.len() >= 960 {
                collect(&docs);
                docs.clear();
            }
        }
        collect(&docs);
        Ok(())
    }
}

/// A required clause marks its documents when it holds at most this many times the shortest one's.
const COMPARABLE: u64 = 4;

struct SegmentFacetCounts {
    count: u64,
    fields: Vec<Option<Arc<SegmentOrdinals>>>,
    counts: Vec<Vec<u32>>,
}

type SegmentFacetFruit = (u64, Vec<HashMap<String, u64>>);

impl SegmentFacetCounts {
    fn count_docs(&mut self, docs: &[DocId]) {
        self.count += docs.len() as u64;
        for (field, counts) in self.fields.iter().zip(self.counts.iter_mut()) {
            let Some(field) = field else { continue };
            let ords = &field.ords[..];
            // Two counters a value, alternating: a run of documents with the same value does not wait on
            // its own previous increment.
            let (even, odd) = counts.split_at_mut(field.terms);
            let mut pairs = docs.chunks_exact(2);
            for pair in &mut pairs {
                let (a, b) = (ords[pair[0] as usize], ords[pair[1] as usize]);
                if a != NONE {
                    even[a as usize] += 1;
                }
                if b != NONE {
                    odd[b as usize] += 1;
                }
            }
            for &doc in pairs.remainder() {
                let ord = ords[doc as usize];
                if ord != NONE {
                    even[ord as usize] += 1;
                }
            }
        }
    }
}

impl SegmentFacetCounts {
    fn harvest(self) -> SegmentFacetFruit {
        let mut named = Vec::with_capacity(self.counts.len());
        for (field, counts) in self.fields.iter().zip(self.counts) {
            let mut values = HashMap::new();
            if let Some(field) = field {
                let mut key = String::new();
                let (even, odd) = counts.split_at(field.terms);
                for (ord, count) in even.iter().zip(odd).map(|(a, b)| a + b).enumerate() {
                    if count > 0 && field.dictionary.ord_to_str(ord as u64, &mut key).unwrap_or(false) {
                        values.insert(key.clone(), count as u64);
                    }
                }
            }
            named.push(values);
        }
        (self.count, named)
    }
}

impl FacetCounts<'_> {
    /// One segment: the conjunction's own walk (`Conjunction::walk`), not a scorer of the whole query, which
    /// walks a dense intersection with a seek in each list for every match.
    fn segment(&self, reader: &SegmentReader) -> tantivy::Result<SegmentFacetFruit> {
        let fields = self.fields.iter().map(|name| self.cache.get(reader, name)).collect::<tantivy::Result<Vec<_>>>()?;
        let counts = fields.iter().map(|f| vec![0u32; 2 * f.as_ref().map_or(0, |f| f.terms)]).collect();
        let mut child = SegmentFacetCounts { count: 0, fields, counts };
        self.conjunction.walk(reader, |docs| child.count_docs(docs))?;
        Ok(child.harvest())
    }

    /// Every segment of `searcher`, in parallel on `executor`.
    fn count(&self, searcher: &Searcher, executor: &Executor) -> tantivy::Result<SegmentFacetFruit> {
        let fruits = executor.map(|reader: &SegmentReader| self.segment(reader), searcher.segment_readers().iter())?;
        self.merge(fruits)
    }

    fn merge(&self, fruits: Vec<SegmentFacetFruit>) -> tantivy::Result<SegmentFacetFruit> {
        let mut total = 0;
        let mut merged: Vec<HashMap<String, u64>> = vec![HashMap::new(); self.fields.len()];
        for (count, fields) in fruits {
            total += count;
            for (into, values) in merged.iter_mut().zip(fields) {
                for (key, count) in values {
                    *into.entry(key).or_insert(0) += count;
                }
            }
        }
        Ok((total, merged))
    }
}

/// The `k` best-scored documents of one segment that pass `filters` (each `(required, weight)`: the document must
/// match a required one and must not match the others).
///
/// Usually the scoring clauses alone drive Tantivy's pruning (`Weight::for_each_pruning`: block-max WAND when they
/// are a plain intersection or union of terms) and the filters, which add nothing to a score, are checked only on
/// the candidates it lets through: left inside the query, a filter makes Tantivy score every match. `bonuses` (each
/// `(weight, score)`) add their fixed score to the candidates holding their term: WAND prunes the scored terms
/// against the threshold less every bonus the segment holds, the most any candidate can add. But when a
/// required filter holds far fewer documents than the words (a unit's documents among half the archive), most
/// candidates would fail it: then `combined` (the words and the filters in one query) runs, its intersection led
/// by the filter's short list.
fn segment_top(
    scoring: &dyn Weight,
    filters: &[(bool, Box<dyn Weight>)],
    bonuses: &[(Box<dyn Weight>, Score)],
    combined: &dyn Weight,
    reader: &SegmentReader,
    k: usize,
) -> tantivy::Result<Vec<Ranked>> {
    let mut checks = filters
        .iter()
        .map(|(required, weight)| weight.scorer(reader, 1.0).map(|scorer| (*required, scorer)))
        .collect::<tantivy::Result<Vec<_>>>()?;
    let mut extras = Vec::with_capacity(bonuses.len());
    for (weight, score) in bonuses {
        let scorer = weight.scorer(reader, 1.0)?;
        if scorer.doc() != TERMINATED {
            extras.push((scorer, *score));
        }
    }
    let most_added: Score = extras.iter().map(|(_, score)| score).sum();
    let narrowest = checks.iter().filter(|(required, _)| *required).map(|(_, s)| s.size_hint()).min();
    let led_by_filter = narrowest.is_some_and(|narrowest| {
        let words = scoring.scorer(reader, 1.0).map_or(u32::MAX, |s| s.size_hint());
        (narrowest as u64) * FILTER_LEADS < words as u64
    });
    let alive = reader.alive_bitset();
    let mut best: BinaryHeap<Reverse<Ranked>> = BinaryHeap::with_capacity(k + 1);
    let mut threshold = Score::MIN;
    let keep = |doc: DocId, score: Score, best: &mut BinaryHeap<Reverse<Ranked>>| {
        best.push(Reverse(Ranked { score, doc }));
        if best.len() > k {
            best.pop();
        }
        if best.len() == k { best.peek().map_or(Score::MIN, |worst| worst.0.score) } else { Score::MIN }
    };
    // Adds the candidate's bonuses and keeps it if good enough; returns what the scored clauses alone must beat for a
    // document to enter the top k.
    let mut rank = |doc: DocId, mut score: Score, best: &mut BinaryHeap<Reverse<Ranked>>| {
        for (scorer, bonus) in extras.iter_mut() {
            if holds(scorer.as_mut(), doc) {
                score += *bonus;
            }
        }
        let kth = keep(doc, score, best);
        if kth == Score::MIN { Score::MIN } else { kth - most_added }
    };
    if led_by_filter {
        combined.for_each_pruning(Score::MIN, reader, &mut |doc, score| {
            if alive.is_none_or(|alive| alive.is_alive(doc)) {
                threshold = rank(doc, score, &mut best);
            }
            threshold
        })?;
    } else {
        scoring.for_each_pruning(Score::MIN, reader, &mut |doc, score| {
            if alive.is_some_and(|alive| alive.is_deleted(doc)) {
                return threshold;
            }
            // Candidates come in increasing document order: each filter's scorer only moves forward.
            for (required, scorer) in checks.iter_mut() {
                if holds(scorer.as_mut(), doc) != *required {
                    return threshold;
                }
            }
            threshold = rank(doc, score, &mut best);
            threshold
        })?;
    }
    Ok(best.into_iter().map(|Reverse(ranked)| ranked).collect())
}

/// Whether `scorer` holds `doc`, moving it forward only: candidates come in increasing document order.
fn holds(scorer: &mut dyn Scorer, doc: DocId) -> bool {
    let at = if scorer.doc() < doc { scorer.seek(doc) } else { scorer.doc() };
    at == doc
}

/// A required filter leads the ranking when it holds this many times fewer documents than the words.
const FILTER_LEADS: u64 = 8;

/// A ranked document of a segment: better is a higher score, then the lower document (Tantivy's order).
#[derive(Clone, Copy, PartialEq)]
struct Ranked {
    score: Score,
    doc: DocId,
}

impl Eq for Ranked {}

impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Ranked {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.score.total_cmp(&other.score).then_with(|| other.doc.cmp(&self.doc))
    }
}

type Hit = (f32, Vec<Option<String>>, Option<i64>);
type Facets = Vec<(String, Vec<(String, u64)>)>;

#[pyclass(frozen, module = "archive_search_native")]
struct RankedSearch {
    schema: Schema,
    reader: IndexReader,
    executor: Arc<Executor>,
    hit_fields: Vec<Field>,
    date_field: Field,
    ordinals: Arc<OrdinalCache>,
}

impl RankedSearch {
    fn hit(&self, searcher: &Searcher, score: f32, address: DocAddress) -> tantivy::Result<Hit> {
        let doc: TantivyDocument = searcher.doc(address)?;
        let first = |f: Field| doc.get_first(f).and_then(|v| v.as_str().map(str::to_owned));
        let fields = self.hit_fields.iter().map(|&f| first(f)).collect();
        let date = doc.get_first(self.date_field).and_then(|v| v.as_datetime()).map(|d| d.into_timestamp_secs());
        Ok((score, fields, date))
    }
}

#[pymethods]
impl RankedSearch {
    /// Opens the index at `path` for reading; it follows the commits of any writer, as the package's reader does.
    #[new]
    #[pyo3(signature = (path, threads = 2))]
    fn new(path: &str, threads: usize) -> PyResult<Self> {
        let index = Index::open_in_dir(path).map_err(err)?;
        let reader = index.reader_builder().reload_policy(ReloadPolicy::OnCommitWithDelay).try_into().map_err(err)?;
        let schema = index.schema();
        let hit_fields = HIT_FIELDS.iter().map(|name| field(&schema, name)).collect::<PyResult<Vec<_>>>()?;
        let date_field = field(&schema, DATE_FIELD)?;
        let executor = Executor::multi_thread(threads.max(1), "archive-facets-").map_err(err)?;
        Ok(Self { schema, reader, executor: Arc::new(executor), hit_fields, date_field, ordinals: Arc::default() })
    }

    /// Sees the last commit now (after this process's own writes).
    fn reload(&self) -> PyResult<()> {
        self.reader.reload().map_err(err)
    }

    fn num_docs(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Starts one search: the exact number of documents matching `matching` (the same documents as `query`,
    /// without its score-only clauses) and, for each of `facet_fields`, every value those documents hold with its
    /// count, are counted on this object's threads (`PendingCounts.wait()`); meanwhile this returns the `limit`
    /// best-scored documents of `query` after `offset`, each as `(score, [HIT_FIELDS...], date as Unix seconds)`.
    #[pyo3(signature = (scoring, filters, matching, limit, offset = 0, facet_fields = Vec::new()))]
    #[allow(clippy::too_many_arguments)]
    fn start(
        &self,
        py: Python<'_>,
        scoring: &str,
        filters: &str,
        matching: &str,
        limit: usize,
        offset: usize,
        facet_fields: Vec<String>,
    ) -> PyResult<(PendingCounts, Vec<Hit>)> {
        let scoring_spec: Json = serde_json::from_str(scoring).map_err(err)?;
        let scoring = build_query(&self.schema, &scoring_spec)?;
        let mut filters = parse_filters(&self.schema, filters)?;
        let matching_spec: Json = serde_json::from_str(matching).map_err(err)?;
        let matching = build_query(&self.schema, &matching_spec)?;
        let searcher = self.reader.searcher();
        // Required words with optional ones that some documents hold: ranked as a union of all the terms (which
        // block-max WAND prunes), the required ones checked on its candidates as filters; fixed scores (the exact
        // spelling of words typed with marks) added to the candidates apart.
        let (scoring, bonuses) = match as_term_union(&self.schema, &scoring_spec, &searcher)? {
            Some(TermUnion { union, required, bonuses }) => {
                filters.extend(required.into_iter().map(|query| (true, query)));
                (union, bonuses)
            }
            None => (scoring, Vec::new()),
        };
        // The scored clauses and the filters in one query, for a filter that leads (see `segment_top`).
        let mut clauses = vec![(Occur::Must, scoring.box_clone())];
        clauses.extend(filters.iter().map(|(required, q)| -> (Occur, Box<dyn Query>) {
            if *required {
                (Occur::Must, Box::new(ConstScoreQuery::new(q.box_clone(), 0.0)))  // a filter adds nothing to a score
            } else {
                (Occur::MustNot, q.box_clone())
            }
        }));
        let combined = BooleanQuery::new(clauses);
        let conjunction =
            if facet_fields.is_empty() { None } else { Some(Conjunction::of(&self.schema, &matching_spec, &searcher)?) };
        self.ordinals.keep_only(&searcher);
        let counting = {
            let (searcher, executor, ordinals, fields) =
                (searcher.clone(), self.executor.clone(), self.ordinals.clone(), facet_fields.clone());
            std::thread::Builder::new()
                .name("archive-count".into())
                .spawn(move || -> tantivy::Result<SegmentFacetFruit> {
                    let unscored = EnableScoring::disabled_from_searcher(&searcher);
                    match conjunction.as_ref() {
                        None => {
                            let total = searcher.search_with_executor(&*matching, &Count, &executor, unscored)?;
                            Ok((total as u64, Vec::new()))
                        }
                        Some(conjunction) => FacetCounts { fields: &fields, cache: &ordinals, conjunction }
                            .count(&searcher, &executor),
                    }
                })
                .map_err(err)?
        };
        let pending = PendingCounts { fields: facet_fields, counting: Mutex::new(Some(counting)) };
        let hits = py.detach(|| -> tantivy::Result<Vec<Hit>> {
            if limit == 0 {
                return Ok(Vec::new());
            }
            let scoring = scoring.weight(EnableScoring::enabled_from_searcher(&searcher))?;
            let unscored = || EnableScoring::disabled_from_searcher(&searcher);
            let filters = filters
                .iter()
                .map(|(required, query)| query.weight(unscored()).map(|weight| (*required, weight)))
                .collect::<tantivy::Result<Vec<_>>>()?;
            let bonuses = bonuses
                .iter()
                .map(|(query, score)| query.weight(unscored()).map(|weight| (weight, *score)))
                .collect::<tantivy::Result<Vec<_>>>()?;
            let combined = combined.weight(EnableScoring::enabled_from_searcher(&searcher))?;
            let mut ranked = Vec::new();
            for (ord, reader) in searcher.segment_readers().iter().enumerate() {
                let top = segment_top(&*scoring, &filters, &bonuses, &*combined, reader, limit + offset)?;
                ranked.extend(top.into_iter().map(|r| (r, ord as SegmentOrdinal)));
            }
            ranked.sort_by(|(a, a_ord), (b, b_ord)| {
                b.score.total_cmp(&a.score).then(a_ord.cmp(b_ord)).then(a.doc.cmp(&b.doc))
            });
            ranked
                .into_iter()
                .skip(offset)
                .take(limit)
                .map(|(r, ord)| self.hit(&searcher, r.score, DocAddress::new(ord, r.doc)))
                .collect()
        });
        Ok((pending, hits.map_err(err)?))
    }
}

/// The total and facets a `RankedSearch.start` counts.
#[pyclass(frozen, module = "archive_search_native")]
struct PendingCounts {
    fields: Vec<String>,
    counting: Mutex<Option<JoinHandle<tantivy::Result<SegmentFacetFruit>>>>,
}

#[pymethods]
impl PendingCounts {
    /// `(total, [(field, [(value, count), ...]), ...])`, once counted.
    fn wait(&self, py: Python<'_>) -> PyResult<(u64, Facets)> {
        let counting = self.counting.lock().unwrap().take().ok_or_else(|| err("these counts were already taken"))?;
        let counted = py.detach(|| counting.join()).map_err(|_| err("the counting thread panicked"))?;
        let (total, values) = counted.map_err(err)?;
        let facets =
            self.fields.iter().cloned().zip(values.into_iter().map(|v| v.into_iter().collect())).collect();
        Ok((total, facets))
    }
}

#[pymodule]
fn archive_search_native(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_class::<RankedSearch>()?;
    module.add_class::<PendingCounts>()?;
    Ok(())
}
