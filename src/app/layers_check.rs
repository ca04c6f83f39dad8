//! A check, run natively by `cargo test -p simface-web`, that `src/app` has no import cycle and that its
//! layers depend one way: live → components → services → drawing → state → error (each may use any layer
//! after it, none a layer before it). It reads the sources: every `crate::app::…` path and every
//! `super::…` path is an edge from the file's module to the module it names.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The layers from the top; the app's root (`app/mod.rs`) sits above them all.
const LAYERS: [&str; 6] = ["live", "components", "services", "drawing", "state", "error"];

fn rank(module: &[String]) -> usize {
    match module.first() {
        None => LAYERS.len(),
        Some(top) => LAYERS.len() - 1 - LAYERS.iter().position(|l| l == top).unwrap_or(0),
    }
}

/// The module path of a file under `src/app` (`services/photo.rs` → `[services, photo]`).
fn module_of(root: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(root).unwrap_or(file).with_extension("");
    let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every path a `use` tree or a path expression starting at `rest` names, after `base`
/// (`{a, b::{c, d}}` gives `a`, `b::c` and `b::d`).
fn expand(base: Vec<String>, rest: &str, out: &mut Vec<Vec<String>>) {
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    let mut path = base;
    let mut rest = rest.trim_start();
    loop {
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 1;
            let mut item_start = 0;
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' | ',' if depth == 1 => {
                        expand(path.clone(), &group[item_start..i], out);
                        item_start = i + 1;
                        if c == '}' {
                            return;
                        }
                    }
                    '}' => depth -= 1,
                    _ => {}
                }
            }
            return;
        }
        let seg: String = rest.chars().take_while(|&c| ident(c)).collect();
        if seg.is_empty() {
            break;
        }
        rest = &rest[seg.len()..];
        path.push(seg);
        match rest.strip_prefix("::") {
            Some(r) => rest = r.trim_start(),
            None => break,
        }
    }
    out.push(path);
}

/// The modules of `known` that `module`'s source names (the longest known prefix of each path).
fn edges(module: &[String], source: &str, known: &BTreeSet<Vec<String>>) -> BTreeSet<Vec<String>> {
    let text: Vec<&str> = source.lines().map(str::trim).filter(|l| !l.starts_with("//")).collect();
    let text = text.join(" ");
    let mut paths = Vec::new();
    for (i, _) in text.match_indices("crate::app::") {
        expand(Vec::new(), &text[i + "crate::app::".len()..], &mut paths);
    }
    for (i, _) in text.match_indices("super::") {
        if text[..i].ends_with("::") {
            continue;
        }
        // `super` is the file's folder (`module_of` already names a `mod.rs` by its folder).
        let mut base = module.to_vec();
        base.pop();
        let mut rest = &text[i + "super::".len()..];
        while let Some(r) = rest.strip_prefix("super::") {
            base.pop();
            rest = r;
        }
        expand(base, rest, &mut paths);
    }
    let mut found = BTreeSet::new();
    for mut path in paths {
        while !path.is_empty() && !known.contains(&path) {
            path.pop();
        }
        if !path.is_empty() && !module.starts_with(&path) {
            found.insert(path);
        }
    }
    found
}

#[test]
fn app_modules_have_no_cycles_and_depend_one_way() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/app");
    let mut list = Vec::new();
    files(&root, &mut list);
    let known: BTreeSet<Vec<String>> = list.iter().map(|f| module_of(&root, f)).collect();
    let mut graph: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
    for file in &list {
        let module = module_of(&root, file);
        let source = std::fs::read_to_string(file).unwrap_or_default();
        graph.insert(module.clone(), edges(&module, &source, &known));
    }
    let mut wrong = Vec::new();
    for (from, tos) in &graph {
        for to in tos {
            let same_layer = from.first() == to.first();
            if !same_layer && rank(from) <= rank(to) {
                wrong.push(format!("{} → {}", from.join("::"), to.join("::")));
            }
        }
    }
    assert!(wrong.is_empty(), "imports against the layers: {wrong:#?}");
    // No cycle, by depth-first search over the module graph (parents reach their children through `mod`
    // declarations, which are not edges here: only paths are).
    fn visit(
        node: &Vec<String>,
        graph: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>,
        state: &mut BTreeMap<Vec<String>, u8>,
        stack: &mut Vec<Vec<String>>,
    ) -> Option<Vec<String>> {
        match state.get(node) {
            Some(2) => return None,
            Some(1) => {
                let start = stack.iter().position(|n| n == node).unwrap_or(0);
                return Some(stack[start..].iter().chain([node]).map(|n| n.join("::")).collect());
            }
            _ => {}
        }
        state.insert(node.clone(), 1);
        stack.push(node.clone());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, state, stack) {
                return Some(cycle);
            }
        }
        stack.pop();
        state.insert(node.clone(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for node in graph.keys() {
        let mut stack = Vec::new();
        if let Some(cycle) = visit(node, &graph, &mut state, &mut stack) {
            panic!("import cycle: {}", cycle.join(" → "));
        }
    }
    let count: usize = graph.values().map(BTreeSet::len).sum();
    println!("{} modules, {count} import edges, no cycle, layers respected", graph.len());
    for (from, tos) in &graph {
        for to in tos {
            println!("  {} → {}", from.join("::"), to.join("::"));
        }
    }
}
