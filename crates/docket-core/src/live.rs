//! One ticket file's frontmatter, read exactly as the scan reads it: for a
//! process that keeps the listing current from file-system notifications (the
//! hot index) and re-reads only the files an event names.

use std::fs;
use std::io::ErrorKind;
use std::path::Path;

use crate::store::{Project, check_ticket_meta, id_from_file_name};
use crate::ticket::Meta;
use crate::yaml::ParseFailure;

/// What a listing makes of the file at `path` (a direct child of `tickets/`
/// or `archive/`): `None` when there is no such file or its name is not a
/// ticket file name; else its frontmatter or why it is skipped, with the
/// same failure codes and messages as [`Project::scan`].
pub fn read_meta(
    project: &Project,
    path: &Path,
) -> Option<Result<(Meta, Option<f64>), ParseFailure>> {
    let name = path.file_name()?.to_str()?;
    id_from_file_name(name)?;
    let io_failure = |e: std::io::Error| ParseFailure {
        code: "frontmatter_parse_error",
        message: e.to_string(),
    };
    let mut md = match fs::symlink_metadata(path) {
        Ok(md) => md,
        Err(e) if e.kind() == ErrorKind::NotFound => return None,
        Err(e) => return Some(Err(io_failure(e))),
    };
    if md.file_type().is_symlink() {
        md = match fs::metadata(path) {
            Ok(md) => md,
            Err(_) => {
                return Some(Err(ParseFailure {
                    code: "not_regular_file",
                    message: "dangling symlink: skipped".into(),
                }));
            }
        };
    }
    if let Err(f) = check_ticket_meta(&md, project.config.project.max_ticket_bytes) {
        return Some(Err(f));
    }
    Some(
        project
            .read_text(path)
            .and_then(|text| crate::query::listed_fields(&text, path)),
    )
}
