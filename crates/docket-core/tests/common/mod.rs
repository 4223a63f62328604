//! What the core's integration tests share: a fresh project in a temp folder.

use docket_core::store::{InitOptions, Project};

/// The pinned clock of the core tests.
pub const NOW: &str = "2026-01-01T00:00:00Z";

/// A new project of `preset` (ids `t-…`) in a temp folder, kept alive by the
/// returned guard.
pub fn init(preset: &str) -> (tempfile::TempDir, Project) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let p = Project::init(
        tmp.path(),
        &InitOptions {
            prefix: "t".into(),
            preset: preset.into(),
            force: false,
        },
    )
    .expect("init");
    (tmp, p)
}
