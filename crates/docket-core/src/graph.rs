//! The dependency graph over all tickets: readiness, cycles and dep trees.

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use crate::config::Config;
use crate::store::Entry;

/// An index over scanned entries by id.
pub struct Graph<'a> {
    pub entries: &'a [Entry],
    by_id: foldhash::HashMap<&'a str, usize>,
    config: &'a Config,
}

/// One node of `dep tree`.
#[derive(Debug, Clone, Serialize)]
pub struct TreeNode {
    pub id: String,
    pub title: Option<String>,
    pub status: Option<String>,
    /// The id does not match any ticket (a forward reference).
    pub missing: bool,
    /// Already shown above; children omitted (pass --full to expand).
    pub seen: bool,
    pub deps: Vec<TreeNode>,
}

impl<'a> Graph<'a> {
    pub fn new(entries: &'a [Entry], config: &'a Config) -> Self {
        let by_id = entries
            .iter()
            .enumerate()
            .map(|(i, e)| (e.meta.id.as_str(), i))
            .collect();
        Graph {
            entries,
            by_id,
            config,
        }
    }

    pub fn get(&self, id: &str) -> Option<&'a Entry> {
        self.by_id.get(id).map(|&i| &self.entries[i])
    }

    pub fn is_terminal(&self, e: &Entry) -> bool {
        self.config.is_terminal(&e.meta.status)
    }

    /// Dependencies of `e` that are missing or not terminal.
    pub fn open_deps(&self, e: &Entry) -> Vec<String> {
        e.meta
            .deps
            .iter()
            .filter(|d| self.get(d).is_none_or(|t| !self.is_terminal(t)))
            .map(|d| d.to_string())
            .collect()
    }

    /// Non-terminal tickets whose parent is `id`.
    pub fn open_children(&self, id: &str) -> Vec<String> {
        self.entries
            .iter()
            .filter(|e| e.meta.parent.as_deref() == Some(id) && !self.is_terminal(e))
            .map(|e| e.meta.id.to_string())
            .collect()
    }

    /// Not terminal, and every dependency exists and is terminal.
    pub fn is_ready(&self, e: &Entry) -> bool {
        !self.is_terminal(e)
            && e.meta
                .deps
                .iter()
                .all(|d| self.get(d).is_some_and(|t| self.is_terminal(t)))
    }

    /// Can be picked up now: not begun (see [`Config::is_started`]) and every
    /// dependency done. Claims (when they exist) narrow this further.
    pub fn is_pickable(&self, e: &Entry) -> bool {
        !self.config.is_started(&e.meta.status) && self.is_ready(e)
    }

    /// Not terminal, with an open or missing dependency.
    pub fn is_blocked(&self, e: &Entry) -> bool {
        !self.is_terminal(e) && !self.is_ready(e)
    }

    /// If adding `from -> to` closes a cycle, the cycle as `[from, to, ..., from]`.
    pub fn cycle_with_edge(&self, from: &str, to: &str) -> Option<Vec<String>> {
        if from == to {
            return Some(vec![from.to_string(), to.to_string()]);
        }
        // Depth-first search from `to` looking for `from`, remembering parents.
        let mut parent: HashMap<&str, &str> = HashMap::new();
        let mut stack: Vec<&str> = vec![to];
        let mut seen: HashSet<&str> = HashSet::from([to]);
        while let Some(cur) = stack.pop() {
            let Some(e) = self.get(cur) else { continue };
            for d in &e.meta.deps {
                let d = d.as_str();
                if d == from {
                    let mut path = vec![from.to_string()];
                    let mut back = vec![cur];
                    let mut x = cur;
                    while let Some(&p) = parent.get(x) {
                        back.push(p);
                        x = p;
                    }
                    back.reverse();
                    path.extend(back.iter().map(|s| s.to_string()));
                    path.push(from.to_string());
                    return Some(path);
                }
                if seen.insert(d) {
                    parent.insert(d, cur);
                    stack.push(d);
                }
            }
        }
        None
    }

    /// Every dependency cycle, each reported once as `[a, b, ..., a]`.
    pub fn cycles(&self) -> Vec<Vec<String>> {
        #[derive(Clone, Copy, PartialEq)]
        enum Mark {
            New,
            Active,
            Done,
        }
        let mut mark = vec![Mark::New; self.entries.len()];
        let mut found: Vec<Vec<String>> = Vec::new();
        let mut reported: HashSet<Vec<String>> = HashSet::new();
        for start in 0..self.entries.len() {
            if mark[start] != Mark::New {
                continue;
            }
            // Iterative DFS with an explicit path.
            let mut path: Vec<usize> = vec![start];
            let mut next_dep: Vec<usize> = vec![0];
            mark[start] = Mark::Active;
            while let Some(&node) = path.last() {
                let i = next_dep.len() - 1;
                let deps = &self.entries[node].meta.deps;
                if next_dep[i] < deps.len() {
                    let d = &deps[next_dep[i]];
                    next_dep[i] += 1;
                    let Some(&j) = self.by_id.get(d.as_str()) else {
                        continue;
                    };
                    match mark[j] {
                        Mark::New => {
                            mark[j] = Mark::Active;
                            path.push(j);
                            next_dep.push(0);
                        }
                        Mark::Active => {
                            let pos = path.iter().position(|&p| p == j).unwrap_or(0);
                            let mut cycle: Vec<String> = path[pos..]
                                .iter()
                                .map(|&p| self.entries[p].meta.id.to_string())
                                .collect();
                            // Canonical rotation so each cycle is reported once.
                            let min = cycle
                                .iter()
                                .enumerate()
                                .min_by(|a, b| a.1.cmp(b.1))
                                .map(|(k, _)| k)
                                .unwrap_or(0);
                            cycle.rotate_left(min);
                            if reported.insert(cycle.clone()) {
                                let mut c = cycle.clone();
                                c.push(cycle[0].clone());
                                found.push(c);
                            }
                        }
                        Mark::Done => {}
                    }
                } else {
                    mark[node] = Mark::Done;
                    path.pop();
                    next_dep.pop();
                }
            }
        }
        found
    }

    /// The dependency tree under `id`. Without `full`, a node reached twice is
    /// shown once more as `seen` without its subtree; cycles always stop.
    pub fn tree(&self, id: &str, full: bool) -> TreeNode {
        let mut seen = HashSet::new();
        let mut on_path = Vec::new();
        self.tree_rec(id, full, &mut seen, &mut on_path)
    }

    fn tree_rec(
        &self,
        id: &str,
        full: bool,
        seen: &mut HashSet<String>,
        on_path: &mut Vec<String>,
    ) -> TreeNode {
        let e = self.get(id);
        let mut node = TreeNode {
            id: id.to_string(),
            title: e.map(|e| e.meta.title.clone()),
            status: e.map(|e| e.meta.status.clone()).map(String::from),
            missing: e.is_none(),
            seen: false,
            deps: Vec::new(),
        };
        let repeated = on_path.iter().any(|p| p == id) || (!full && seen.contains(id));
        if repeated {
            node.seen = true;
            return node;
        }
        seen.insert(id.to_string());
        if let Some(e) = e {
            on_path.push(id.to_string());
            for d in &e.meta.deps {
                node.deps.push(self.tree_rec(d, full, seen, on_path));
            }
            on_path.pop();
        }
        node
    }
}
