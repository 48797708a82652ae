//! `daka import rota FILE --tenant ID`: the same all-or-nothing import as `POST /rota/import`,
//! against the configured database. Errors are printed `FILE:LINE: field: message`.

use std::path::Path;

use daka_store::{Actor, Store, Tenant};

/// What went wrong: `Rows` lines go to stderr as they are; both exit with status 2.
pub enum ImportError {
    Rows(Vec<String>),
    Other(String),
}

pub async fn rota(store: &Store, tenant_id: &str, file: &Path) -> Result<(), ImportError> {
    let t = Tenant::trusted(tenant_id.trim());
    store
        .tenant(&t)
        .await
        .map_err(|e| ImportError::Other(format!("tenant {tenant_id}: {e}")))?;
    let bytes =
        std::fs::read(file).map_err(|e| ImportError::Other(format!("{}: {e}", file.display())))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        ImportError::Other(format!(
            "{}: not UTF-8 text (byte {})",
            file.display(),
            e.utf8_error().valid_up_to()
        ))
    })?;
    match store
        .import_rota_csv(&t, &Actor::system("cli"), &text)
        .await
        .map_err(|e| ImportError::Other(format!("import: {e}")))?
    {
        Ok(s) => {
            println!("imported {} rows", s.imported);
            println!(
                "dates {} to {}, {} employees, {} entries replaced",
                s.from, s.to, s.employees, s.replaced
            );
            Ok(())
        }
        Err(errors) => Err(ImportError::Rows(
            errors
                .iter()
                .map(|e| format!("{}:{}: {}: {}", file.display(), e.line, e.field, e.message))
                .collect(),
        )),
    }
}
