//! Whose results a request covers: the filter asked for, narrowed by the caller's scope.

use daka_store::EmployeeFilter;

use crate::auth::Caller;
use crate::authz::{Scope, employee_scope};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;

/// The employees whose results to compute: `None` means every employee of the tenant.
///
/// An employee or department of another tenant is not found (404); one of this tenant outside
/// the caller's scope is forbidden (403). A department means its whole subtree.
pub async fn employees_for(
    state: &AppState,
    caller: &Caller,
    employee_id: Option<&str>,
    department_id: Option<&str>,
) -> ApiResult<Option<Vec<String>>> {
    let t = &caller.tenant;
    let store = &state.store;
    let scope = employee_scope(state, caller).await?;
    match (employee_id, department_id) {
        (Some(_), Some(_)) => Err(ApiError::invalid(
            "department_id",
            "give employee_id or department_id, not both",
        )),
        (Some(id), None) => {
            let e = store.employee(t, id).await?;
            if !scope.covers(&e.id, e.department_id.as_deref()) {
                return Err(ApiError::forbidden("this employee is outside your scope"));
            }
            Ok(Some(vec![e.id]))
        }
        (None, Some(d)) => {
            let dept = store.department(t, d).await?;
            if let Scope::Limited { departments, .. } = &scope
                && !departments.contains(&dept.id)
            {
                return Err(ApiError::forbidden("this department is outside your scope"));
            }
            let subtree = store.department_subtrees(t, &[dept.id]).await?;
            let filter = EmployeeFilter {
                department_ids: Some(subtree),
                ids: None,
            };
            Ok(Some(employee_ids(state, caller, &filter).await?))
        }
        (None, None) => match scope {
            Scope::All => Ok(None),
            Scope::Limited { departments, own } => {
                let filter = EmployeeFilter {
                    department_ids: Some(departments),
                    ids: Some(own.into_iter().collect()),
                };
                Ok(Some(employee_ids(state, caller, &filter).await?))
            }
        },
    }
}

/// Every employee id the filter matches.
async fn employee_ids(
    state: &AppState,
    caller: &Caller,
    filter: &EmployeeFilter,
) -> ApiResult<Vec<String>> {
    let mut out: Vec<String> = Vec::new();
    loop {
        let page = state
            .store
            .employees_page(&caller.tenant, filter, out.last().map(String::as_str), 1000)
            .await?;
        let full = page.len() == 1000;
        out.extend(page.into_iter().map(|e| e.id));
        if !full {
            return Ok(out);
        }
    }
}
