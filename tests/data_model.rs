//! docs/data-model.md stays true: every entity and field of every seed has a row, every place
//! it names exists on both backends, and the two backends have the same tables and columns.

mod common;

use labdeck::store::Store;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

type Schema = BTreeMap<String, BTreeSet<String>>;

fn seeds_dir() -> PathBuf {
    std::env::var_os("LABDECK_SEEDS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/seeds"))
}

/// (entity, field) pairs of one seed file, in whichever notation it uses.
fn seed_fields(text: &str) -> BTreeSet<(String, String)> {
    let mut out = BTreeSet::new();
    let mut entity: Option<String> = None;
    let mut in_ts = false;
    let mut mermaid = false;
    for line in text.lines() {
        let t = line.trim();
        // Mermaid: `NAME {` … `type field …` … `}`
        if let Some(name) = t.strip_suffix(" {").filter(|n| !n.contains(' ') && !n.is_empty()) {
            entity = Some(name.to_string());
            mermaid = true;
            out.insert((name.to_string(), "*".to_string()));
            continue;
        }
        if t == "}" || t.starts_with("## ") || t == "---" {
            entity = None;
            mermaid = false;
            continue;
        }
        // Seed 001: `#### Name` then a ```typescript block of `field: Type` lines.
        if let Some(name) = t.strip_prefix("#### ") {
            entity = Some(name.trim().to_string());
            out.insert((name.trim().to_string(), "*".to_string()));
            continue;
        }
        if t.starts_with("```typescript") {
            in_ts = true;
            continue;
        }
        if t.starts_with("```") {
            in_ts = false;
            continue;
        }
        // Seed 003: ### N. `table` then `| `column` | …` rows.
        if t.starts_with("### ") && t.contains('`') {
            let name = t.split('`').nth(1).unwrap_or("").to_string();
            entity = Some(name.clone());
            out.insert((name, "*".to_string()));
            continue;
        }
        let Some(e) = &entity else { continue };
        if in_ts {
            if t == "Relations:" || t.ends_with("Enum:") || t == "Constraints:" {
                entity = None;
                continue;
            }
            if let Some((field, rest)) = t.split_once(": ")
                && !field.starts_with('-')
                && !rest.is_empty()
                && field.chars().all(|c| c.is_alphanumeric() || c == '_')
            {
                out.insert((e.clone(), field.to_string()));
            }
        } else if t.starts_with("| `") {
            out.insert((e.clone(), t.split('`').nth(1).unwrap_or("").to_string()));
        } else if mermaid
            && !t.is_empty()
            && !t.starts_with('%')
            && !t.starts_with('|')
            && !t.starts_with('#')
            && !t.starts_with("**")
        {
            let words: Vec<&str> = t.split_whitespace().collect();
            if words.len() >= 2 && !t.contains("--") && !t.contains(':') {
                out.insert((e.clone(), words[1].to_string()));
            }
        }
    }
    out
}

struct DocRow {
    seed: String,
    entity: String,
    field: String,
    places: Vec<String>,
    why: String,
}

fn doc_rows() -> Vec<DocRow> {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/data-model.md"))
        .expect("docs/data-model.md");
    let mut seed = None;
    let mut rows = Vec::new();
    for line in doc.lines() {
        if let Some(rest) = line.strip_prefix("## Seed ") {
            seed = Some(rest[..3].to_string());
            continue;
        }
        if line.starts_with("## ") {
            seed = None;
        }
        let Some(s) = &seed else { continue };
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        if cells.len() < 6 || cells[1] == "Seed entity" || cells[1].starts_with("---") {
            continue;
        }
        let places = cells[3].split('`').skip(1).step_by(2).map(str::to_string).collect();
        rows.push(DocRow {
            seed: s.clone(),
            entity: cells[1].into(),
            field: cells[2].into(),
            places,
            why: cells[4].into(),
        });
    }
    rows
}

async fn schema(store: &Store) -> Schema {
    let rows: Vec<(String, String)> = match store {
        Store::Sqlite(p) => sqlx::query_as(
            "SELECT m.name, c.name FROM sqlite_master m JOIN pragma_table_info(m.name) c WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> '_sqlx_migrations'",
        )
        .fetch_all(p)
        .await
        .unwrap(),
        Store::Postgres(p) => sqlx::query_as(
            "SELECT table_name::text, column_name::text FROM information_schema.columns WHERE table_schema = current_schema() AND table_name <> '_sqlx_migrations'",
        )
        .fetch_all(p)
        .await
        .unwrap(),
    };
    let mut out = Schema::new();
    for (t, c) in rows {
        out.entry(t).or_default().insert(c);
    }
    out
}

fn exists(schema: &Schema, place: &str) -> bool {
    match place.split_once('.') {
        Some((t, c)) => schema.get(t).is_some_and(|cols| cols.contains(c)),
        None => schema.contains_key(place),
    }
}

#[tokio::test]
async fn the_data_model_map_is_true_on_both_backends() {
    let sqlite = common::sqlite().await;
    let Some(postgres) = common::postgres().await else { return };
    let (lite, pg) = (schema(&sqlite.store).await, schema(&postgres.store).await);
    assert_eq!(lite, pg, "SQLite and PostgreSQL must have the same tables and columns");
    assert!(lite.len() >= 80, "only {} tables", lite.len());

    let rows = doc_rows();
    let mut problems = Vec::new();
    for r in &rows {
        if r.places.is_empty() && (r.why.is_empty() || !r.why.chars().any(char::is_alphabetic)) {
            problems.push(format!("seed {} {}.{}: dropped without a reason", r.seed, r.entity, r.field));
        }
        for p in &r.places {
            if !exists(&lite, p) {
                problems.push(format!("seed {} {}.{}: `{p}` does not exist", r.seed, r.entity, r.field));
            }
        }
    }

    let mut files: Vec<_> =
        std::fs::read_dir(seeds_dir()).expect("../shared/seeds (set LABDECK_SEEDS_DIR)").flatten().collect();
    files.sort_by_key(|f| f.file_name());
    assert_eq!(files.len(), 5, "five seed files");
    let mut total = 0;
    for f in files {
        let prefix = f.file_name().to_string_lossy()[..3].to_string();
        let fields = seed_fields(&std::fs::read_to_string(f.path()).unwrap());
        assert!(fields.len() > 20, "seed {prefix}: parsed only {} fields", fields.len());
        total += fields.len();
        for (entity, field) in fields {
            if !rows.iter().any(|r| r.seed == prefix && r.entity == entity && r.field == field) {
                problems.push(format!("seed {prefix}: {entity}.{field} has no row in docs/data-model.md"));
            }
        }
    }
    assert!(problems.is_empty(), "{} problems:\n{}", problems.len(), problems.join("\n"));
    assert!(total > 800, "parsed {total} entity/field pairs from the seeds");
}

#[test]
fn the_seed_parser_reads_each_notation() {
    let mermaid = "    CLUSTER {\n        int id PK\n        string cluster_id  \"unique\"\n    }\n";
    assert!(seed_fields(mermaid).contains(&("CLUSTER".into(), "cluster_id".into())));
    let ts = "#### Tenant\n```typescript\nid: UUID (PK)\nvlanId: Int (optional, UNIQUE)\n\nRelations:\n- users: User[] (1:N)\n```\n";
    let f = seed_fields(ts);
    assert!(f.contains(&("Tenant".into(), "vlanId".into())));
    assert!(!f.iter().any(|(_, x)| x == "users"));
    let md = "### 1. `user_table` - User Accounts\n| `id` | INTEGER | PK | x |\n| `discord_id` | VARCHAR | | y |\n";
    assert!(seed_fields(md).contains(&("user_table".into(), "discord_id".into())));
}
